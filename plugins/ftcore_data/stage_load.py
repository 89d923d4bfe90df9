"""Stage ``data.<label>.load``: read every source into one Arrow table of raw rows with provenance.

Columns: ``_src`` (the source's index in the stage's ``sources`` parameter), ``_loc`` (``path:line``
or ``path#index``), ``_error`` (why the row is unreadable, or empty) and ``_json`` (the row as JSON
text). Rows stream to disk in batches, so sources larger than memory load.
"""

from __future__ import annotations

from pathlib import Path

from ftcore.runtime.errors import RunError
from ftcore.runtime.executor import import_impl

from ftcore_data import store

BATCH = 10_000


def _schema():
    import pyarrow as pa

    return pa.schema([("_src", pa.int32()), ("_loc", pa.string()), ("_error", pa.string()), ("_json", pa.string())])


class LoadStage:
    """Reads the sources listed in ``stage.params["sources"]``; outputs ``rows`` and ``report``."""

    @staticmethod
    def run(stage, inputs, ctx):
        """Read every source (see :mod:`ftcore_data.sources`), write ``rows`` and the load report."""
        import pyarrow as pa
        from datasets import Dataset

        work = store.work_dir(ctx)
        arrow_path = work / "rows.arrow"
        report = {"stage": "load", "sources": [], "rows_out": 0}
        schema = _schema()
        with pa.OSFile(str(arrow_path), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
            for index, src in enumerate(stage.params["sources"]):
                stats = {"_work": str(work)}
                reader = import_impl(src["impl"])
                count = unreadable = 0
                batch: list[tuple[str, str, str]] = []
                for row in reader(src, stats):
                    batch.append(row)
                    count += 1
                    unreadable += bool(row[1])
                    if len(batch) >= BATCH:
                        writer.write_batch(_batch(index, batch, schema))
                        batch = []
                if batch:
                    writer.write_batch(_batch(index, batch, schema))
                shown = src["args"].get("path") or src["args"].get("name")
                if count == 0:
                    raise RunError(f"{shown}: no rows (the file holds only blank lines)",
                                   "fill it, or remove the source from the recipe")
                entry = {"source": f'{src["source"]}("{shown}")', "rows": count, "unreadable": unreadable,
                         "split": src["split"], "weight": src["weight"]}
                if stats.get("blank_lines"):
                    entry["blank_lines"] = stats["blank_lines"]
                report["sources"].append(entry)
                report["rows_out"] += count
                ctx.log(f"{shown}: {count} rows")
        rows = Dataset.from_file(str(arrow_path))
        store.save_dataset(ctx, "rows", rows)
        del rows
        store.clear_work(ctx)
        store.save_json(ctx, "report", report)
        return {}

    load = staticmethod(store.load_rows_and_report)


def _batch(index: int, rows, schema):
    import pyarrow as pa

    locs, errors, texts = zip(*rows)
    return pa.record_batch([pa.array([index] * len(rows), pa.int32()), pa.array(locs, pa.string()),
                            pa.array(errors, pa.string()), pa.array(texts, pa.string())], schema=schema)
