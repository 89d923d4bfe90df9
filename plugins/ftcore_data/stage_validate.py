"""Stage ``data.<label>.validate``: check every row, apply the skip/fail policy, report bad rows.

Output rows hold ``_src``, ``_loc`` and one typed column per needed field (strings, or a list of
``{role, content}`` for chat messages). A bad row is never dropped silently: the report counts
bad rows by reason and lists the first ones as ``path:line: reason``.
"""

from __future__ import annotations

from collections import Counter

from ftcore.api import RunError

from ftcore_data import store
from ftcore_data.checks import category, check_row

SHOWN_BAD = 20


def features_for(fields: dict[str, str]):
    """The datasets Features of validated rows."""
    from datasets import Features, List, Value

    feats = {"_src": Value("int32"), "_loc": Value("string"), "_bad": Value("string")}
    for name, kind in fields.items():
        feats[name] = List({"role": Value("string"), "content": Value("string")}) if kind == "messages" \
            else Value("string")
    return Features(feats)


def _checker(fields, labels, label_field):
    def check(batch):
        out = {"_src": batch["_src"], "_loc": batch["_loc"], "_bad": []}
        for name in fields:
            out[name] = []
        for error, text in zip(batch["_error"], batch["_json"]):
            values, reason = ({}, error) if error else check_row(text, fields, labels, label_field)
            out["_bad"].append(reason or "")
            for name, kind in fields.items():
                out[name].append(values.get(name, [] if kind == "messages" else None))
        return out
    return check


class ValidateStage:
    """Checks rows against ``stage.params["fields"]``; outputs ``rows`` and ``report``."""

    @staticmethod
    def run(stage, inputs, ctx):
        """Check, apply the policy (``on_error``, ``max_bad``), save the good rows and the report."""
        p = stage.params
        fields = p["fields"]
        rows = inputs["rows"]
        checked = rows.map(_checker(fields, set(p.get("labels") or []), p.get("label_field")), batched=True,
                           remove_columns=rows.column_names, features=features_for(fields),
                           **store.map_args(ctx, rows, "checked"))
        bad_flags = store.column(checked, "_bad")
        bad_idx = [i for i, r in enumerate(bad_flags) if r]
        total = len(checked)
        locs = checked.select(bad_idx[:SHOWN_BAD], keep_in_memory=True)["_loc"] if bad_idx else []
        examples = [f"{loc}: {bad_flags[i]}" for loc, i in zip(locs, bad_idx)]
        counts = Counter(category(bad_flags[i]) for i in bad_idx)
        report = {"stage": "validate", "rows_in": total, "rows_out": total - len(bad_idx),
                  "dropped": dict(counts.most_common()), "bad_examples": examples,
                  "policy": {"on_error": p["on_error"], "max_bad": p["max_bad"]}}
        _apply_policy(stage, p, total, bad_idx, examples, counts)
        good = checked.filter(lambda bad: not bad, input_columns=["_bad"], **store.map_args(ctx, checked, "good"))
        good = good.remove_columns(["_bad"])
        store.save_dataset(ctx, "rows", good)
        del good, checked
        store.clear_work(ctx)
        store.save_json(ctx, "report", report)
        return {}

    load = staticmethod(store.load_rows_and_report)


def _apply_policy(stage, p, total, bad_idx, examples, counts) -> None:
    label = stage.id.split(".")[1] if stage.id.count(".") >= 2 else stage.id
    if total == 0:
        raise RunError(f'data "{label}" has no rows')
    bad = len(bad_idx)
    shown = examples[:10] + ([f"... and {bad - 10} more"] if bad > 10 else [])
    by_reason = "; ".join(f"{c} × {r}" for r, c in counts.most_common())
    if bad and p["on_error"] == "fail":
        raise RunError(f'data "{label}": {bad} bad row{"s" if bad != 1 else ""} of {total} ({by_reason})', 
                       "fix them, or leave bad rows out with `validate on_error: skip`", shown)
    if bad / total > p["max_bad"]:
        raise RunError(f'data "{label}": {bad} of {total} rows are bad ({bad / total:.1%}), more than '
                       f'max_bad {p["max_bad"]:.1%} ({by_reason})',
                       "fix the data, or raise the limit: `validate max_bad: 10%`", shown)
