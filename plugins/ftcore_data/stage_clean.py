"""Stage ``data.<label>.clean``: apply the cleaning steps in order; report rows removed or changed by each.

``stage.params["steps"]`` lists each step's component entry (see :mod:`ftcore_data.dispatch`);
the stage builds every cleaner from its entry's ``impl`` with ``(args, tokenizer)`` and calls
:meth:`ftcore.api.Cleaner.apply` on batches of the step's field, so a third party's cleaner runs
exactly like a built-in one. A stateful cleaner (dedupe) runs in one process over the rows in order.
"""

from __future__ import annotations

from ftcore.api import Cleaner, RunError, show

from ftcore_data import dispatch, store


def describe_step(step: dict) -> str:
    """A step in recipe syntax, every argument named (valid whichever may be given by position):
    ``max_chars(field: "text", limit: 2000)``."""
    args = ", ".join(f"{name}: {show(value)}" for name, value in step["args"].items())
    return f'{step["component"].partition(":")[2]}({args})'


def _batched(entry: dict, cleaner: Cleaner, mode: str):
    """The step's ``apply`` for ``datasets``: faults blamed on the cleaner's plugin, answers checked."""

    def apply(values):
        out = dispatch.call(entry, cleaner.apply, values)
        out = list(out) if out is not None else []
        if len(out) != len(values):
            raise dispatch.blame(entry, f"apply() returned {len(out)} results for {len(values)} values")
        if mode == "filter" and not all(keep in (True, False) for keep in out):
            raise dispatch.blame(entry, "a filter's apply() must return True or False for every value")
        return out

    return apply


class CleanStage:
    """Runs ``stage.params["steps"]``; outputs ``rows`` and ``report``."""

    @staticmethod
    def run(stage, inputs, ctx):
        """Apply each step (filters drop rows, rewrites change them), counting what each did."""
        rows = inputs["rows"]
        tokenizer = inputs.get("tokenizer")
        report = {"stage": "clean", "rows_in": len(rows), "steps": []}
        for step in stage.params["steps"]:
            cleaner = dispatch.instance(step, step["args"], tokenizer)
            mode, field = cleaner.mode, dispatch.call(step, lambda: cleaner.field)
            if mode not in ("filter", "rewrite"):
                raise dispatch.blame(step, f'its mode is {mode!r}; a cleaner\'s mode is "filter" or "rewrite"')
            if field not in rows.column_names:
                raise RunError(f'{describe_step(step)}: the rows have no field "{field}"')
            apply = _batched(step, cleaner, mode)
            before = len(rows)
            entry = {"step": describe_step(step)}
            if mode == "filter":
                rows = rows.filter(apply, batched=True, input_columns=[field],
                                   **store.map_args(ctx, rows, "clean", not cleaner.stateful))
                entry["removed"] = before - len(rows)
            else:
                def rewrite(batch, apply=apply, field=field):
                    new = apply(batch[field])
                    return {field: new, "_changed": [a != b for a, b in zip(new, batch[field])]}

                rows = rows.map(rewrite, batched=True, **store.map_args(ctx, rows, "clean", not cleaner.stateful))
                entry["changed"] = int(sum(store.column(rows, "_changed")))
                rows = rows.remove_columns(["_changed"])
            entry["rows_out"] = len(rows)
            report["steps"].append(entry)
            ctx.log(f"{entry['step']}: " + (f"removed {entry['removed']}" if "removed" in entry
                                             else f"changed {entry['changed']}"))
        report["rows_out"] = len(rows)
        store.save_dataset(ctx, "rows", rows)
        del rows
        store.clear_work(ctx)
        store.save_json(ctx, "report", report)
        return {}

    load = staticmethod(store.load_rows_and_report)
