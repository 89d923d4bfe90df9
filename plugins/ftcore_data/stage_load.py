"""Stage ``data.<label>.load``: read every source into one Arrow table of raw rows with provenance.

Each item of ``stage.params["sources"]`` is a source's component entry (see
:mod:`ftcore_data.dispatch`) plus its ``weight`` and the ``split`` it feeds (None: all); the
stage builds the source from the entry's ``impl`` and calls :meth:`ftcore.api.Source.read` with
the entry's ``paths`` in the context.

Columns: ``_src`` (the source's index in the stage's ``sources`` parameter), ``_loc``
(``path:line`` or ``path#index``), ``_error`` (why the row is unreadable, or empty) and ``_json``
(the row as JSON text). Rows stream to disk in batches, so sources larger than memory load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from ftcore.api import PluginError, RunError, SourceContext

from ftcore_data import dispatch, store

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
                source = dispatch.instance(src)
                shown = dispatch.call(src, source.describe, src["args"])
                source_ctx = SourceContext(paths={k: Path(v) for k, v in (src.get("paths") or {}).items()},
                                           work_dir=work)
                count = unreadable = 0
                batch: list[tuple[str, str, str]] = []
                for row in _rows(src, source, source_ctx):
                    batch.append(row)
                    count += 1
                    unreadable += bool(row[1])
                    if len(batch) >= BATCH:
                        writer.write_batch(_batch(index, batch, schema))
                        batch = []
                if batch:
                    writer.write_batch(_batch(index, batch, schema))
                if count == 0:
                    raise RunError(f"{shown}: no rows (the file holds only blank lines)" if src.get("paths") else
                                   f"{shown}: the source gave no rows", "fill it, or remove the source from the recipe")
                name = src["component"].partition(":")[2]
                entry = {"source": f'{name}("{shown}")', "rows": count, "unreadable": unreadable,
                         "split": src["split"], "weight": src["weight"]}
                if source_ctx.stats.get("blank_lines"):
                    entry["blank_lines"] = source_ctx.stats["blank_lines"]
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


def _rows(entry, source, ctx):
    """``(location, error, JSON text)`` for every row the source yields; its faults are blamed on its plugin."""
    iterator = iter(dispatch.call(entry, source.read, entry["args"], ctx))
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except (RunError, PluginError, KeyboardInterrupt):
            raise
        except Exception as exc:  # the source's code, whatever it raised
            raise dispatch.blame(entry, f"{type(exc).__name__}: {exc}") from exc
        yield _row_text(entry, row)


def _row_text(entry, row) -> tuple[str, str, str]:
    try:
        location, value, error = row
    except (TypeError, ValueError):
        raise dispatch.blame(entry, f"its read() yielded {type(row).__name__}, not a SourceRow") from None
    if error:
        return str(location), str(error), ""
    if isinstance(value, str):
        return str(location), "", value
    if isinstance(value, Mapping):
        try:
            return str(location), "", json.dumps(dict(value), ensure_ascii=False, default=str)
        except (TypeError, ValueError) as exc:
            raise dispatch.blame(entry, f"row {location} cannot be written as JSON: {exc}") from None
    raise dispatch.blame(entry, f"row {location} is {type(value).__name__}, not a mapping or JSON object text")


def _batch(index: int, rows, schema):
    import pyarrow as pa

    locs, errors, texts = zip(*rows)
    return pa.record_batch([pa.array([index] * len(rows), pa.int32()), pa.array(locs, pa.string()),
                            pa.array(errors, pa.string()), pa.array(texts, pa.string())], schema=schema)
