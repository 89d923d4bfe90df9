"""Stage ``data.<label>.clean``: apply the cleaning steps in order; report rows removed or changed by each."""

from __future__ import annotations

from ftcore.runtime.executor import import_impl

from ftcore_data import store


def describe_step(step: dict) -> str:
    """A step as the recipe writes it: ``max_chars("text", 2000)``."""
    args = ", ".join(f'"{v}"' if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
                     for v in step["args"].values())
    return f'{step["step"]}({args})'


class CleanStage:
    """Runs ``stage.params["steps"]``; outputs ``rows`` and ``report``."""

    @staticmethod
    def run(stage, inputs, ctx):
        """Apply each step (filters drop rows, rewrites change them), counting what each did."""
        rows = inputs["rows"]
        tokenizer = inputs.get("tokenizer")
        report = {"stage": "clean", "rows_in": len(rows), "steps": []}
        for step in stage.params["steps"]:
            mode, fn = import_impl(f"ftcore_data.cleaners:{step['step']}")(step["args"], tokenizer)
            field = step["args"]["field"]
            before = len(rows)
            entry = {"step": describe_step(step)}
            if mode == "filter":
                stateful = step["step"] == "dedupe"
                rows = rows.filter(fn, input_columns=[field], **store.map_args(ctx, rows, "clean", not stateful))
                entry["removed"] = before - len(rows)
            else:
                def apply(batch, fn=fn, field=field):
                    new = [fn(v) for v in batch[field]]
                    return {field: new, "_changed": [a != b for a, b in zip(new, batch[field])]}

                rows = rows.map(apply, batched=True, **store.map_args(ctx, rows, "clean"))
                entry["changed"] = int(sum(rows["_changed"]))
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
