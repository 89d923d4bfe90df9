"""Stage ``data.<label>.split``: rows into train/eval/test, deterministic for the recipe's seed.

Rows from a split's own source (``test: jsonl("test.jsonl")``) go to that split; the others are
cut at random (optionally stratified) or by hash; then the training split is re-weighted by the
sources' weights.
"""

from __future__ import annotations

from collections import Counter

from ftcore.runtime.errors import RunError

from ftcore_data import store
from ftcore_data.splitting import hash_split, random_split, reweight


class SplitStage:
    """Outputs one ``rows`` dataset per defined split, and ``report``."""

    @staticmethod
    def run(stage, inputs, ctx):
        """Assign rows, re-weight train, save each split."""
        p = stage.params
        rows = inputs["rows"]
        sources = rows["_src"]
        fixed = {i: s["split"] for i, s in enumerate(p["sources"]) if s["split"]}
        free = [i for i, src in enumerate(sources) if src not in fixed]
        shares = {k: v for k, v in p["shares"].items() if isinstance(v, dict) or k == "train"}
        try:
            if p.get("hash_field"):
                values = rows.select(free, keep_in_memory=True)[p["hash_field"]]
                parts = hash_split(values, shares, p["seed"])
            else:
                strata = rows.select(free, keep_in_memory=True)[p["stratify"]] if p.get("stratify") else None
                parts = random_split(len(free), shares, p["seed"], strata)
        except ValueError as exc:
            raise RunError(f"cannot split: {exc}", "lower the counts, or give shares as percentages") from None
        out = {name: [free[i] for i in idx] for name, idx in parts.items()}
        for i, src in enumerate(sources):
            if src in fixed:
                out.setdefault(fixed[src], []).append(i)
        weights = [s["weight"] for s in p["sources"]]
        out["train"] = reweight(out.get("train", []), sources, weights, p["seed"])
        report = {"stage": "split", "rows_in": len(rows), "splits": {}}
        for name in [k for k, v in stage.outputs.items() if v == "rows"]:
            idx = out.get(name, [])
            if not idx and name == "train":
                raise RunError("the training split is empty", "use more data or smaller held-out shares")
            part = rows.select(idx, keep_in_memory=True)
            entry = {"rows": len(part)}
            if p.get("stratify"):
                entry["by " + p["stratify"]] = dict(sorted(Counter(part[p["stratify"]]).items()))
            report["splits"][name] = entry
            store.save_dataset(ctx, name, part)
        store.save_json(ctx, "report", report)
        return {}

    @staticmethod
    def load(stage, ctx):
        """Read the saved splits and report."""
        out = {name: store.load_dataset(ctx, name) for name, kind in stage.outputs.items() if kind == "rows"}
        out["report"] = store.load_json(ctx, "report")
        return out
