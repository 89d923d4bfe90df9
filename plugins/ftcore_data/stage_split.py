"""Stage ``data.<label>.split``: rows into train/eval/test, deterministic for the recipe's seed.

Rows from a split's own source (``test: jsonl("test.jsonl")``) go to that split; the others are
assigned by the split method, reached through its component entry ``stage.params["method"]``
(:meth:`ftcore.api.SplitMethod.assign`; ``random`` unless the recipe says ``by: ...``); then the
training split is re-weighted by the sources' weights.
"""

from __future__ import annotations

from collections import Counter

from ftcore.api import RunError

from ftcore_data import dispatch, store
from ftcore_data.splitting import reweight


def _assign(p: dict, rows, free: list[int]) -> dict[str, list[int]]:
    """Indices into ``free`` per split, from the split method; rows it leaves out go to train."""
    entry = p["method"]
    method = dispatch.instance(entry)
    field = entry["args"].get("field") or p.get("stratify")
    values = store.column(rows.select(free, keep_in_memory=True), field) if field else None
    shares = {k: v for k, v in p["shares"].items() if isinstance(v, dict) or k == "train"}
    parts = dispatch.call(entry, method.assign, len(free), shares, p["seed"], entry["args"], values)
    if not isinstance(parts, dict):
        raise dispatch.blame(entry, f"assign() returned {type(parts).__name__}, not a dict of index lists")
    out, taken = {}, set()
    for name, idx in parts.items():
        idx = [int(i) for i in idx]
        bad = next((i for i in idx if not 0 <= i < len(free) or i in taken), None)
        if bad is not None:
            raise dispatch.blame(entry, f"assign() gave row {bad} to {name}: out of range or given twice")
        taken.update(idx)
        out[name] = idx
    if "train" not in out:
        out["train"] = [i for i in range(len(free)) if i not in taken]
    return out


class SplitStage:
    """Outputs one ``rows`` dataset per defined split, and ``report``."""

    @staticmethod
    def run(stage, inputs, ctx):
        """Assign rows, re-weight train, save each split."""
        p = stage.params
        rows = inputs["rows"]
        sources = store.column(rows, "_src")
        fixed = {i: s["split"] for i, s in enumerate(p["sources"]) if s["split"]}
        free = [i for i, src in enumerate(sources) if src not in fixed]
        parts = _assign(p, rows, free)
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
                entry["by " + p["stratify"]] = dict(sorted(Counter(store.column(part, p["stratify"])).items()))
            report["splits"][name] = entry
            store.save_dataset(ctx, name, part)
        store.save_json(ctx, "report", report)
        return {}

    @staticmethod
    def load(stage, ctx):
        """The saved splits and report, each read on first use."""
        return store.load_outputs(ctx, [name for name, kind in stage.outputs.items() if kind == "rows"], ["report"])
