"""Reading and writing stage outputs in a stage's folder, and datasets work files.

Datasets are saved with ``save_to_disk`` (Arrow, memory-mapped when read back); reports and
info are JSON. Intermediate ``map``/``filter`` results go to ``_work/`` inside the stage's
temporary folder — never next to an upstream stage's cached files — and are removed once the
outputs are saved.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ftcore.api import LazyOutputs

ROWS_PER_PROCESS = 20_000


def column(dataset, name: str) -> list:
    """Column ``name`` of ``dataset`` as a Python list, converted from Arrow in one go.

    ``dataset[name]`` is a lazy column whose iteration formats one row at a time: about 0.8 s per
    pass over 100,000 rows, against milliseconds here (docs/benchmarks.md, preparation).
    """
    return dataset.select_columns([name]).to_dict()[name]


def save_dataset(ctx, name: str, dataset) -> None:
    """Save ``dataset`` as output ``name`` of the running stage."""
    dataset.save_to_disk(str(Path(ctx.output_dir) / name))


def load_dataset(ctx, name: str):
    """Read output ``name`` back (memory-mapped); an empty dataset comes back empty, with its columns."""
    from datasets import load_from_disk

    folder = Path(ctx.output_dir) / name
    try:
        return load_from_disk(str(folder))
    except IndexError:
        # datasets saves an empty dataset as zero shards and then cannot read it back (an empty split
        # of a tiny data set, a split whose rows were all dropped): rebuild it from the saved features.
        empty = _empty_dataset(folder)
        if empty is None:
            raise
        return empty


def _empty_dataset(folder: Path):
    from datasets import Dataset, Features

    try:
        info = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("_data_files") or not isinstance(info.get("features"), dict):
        return None  # it has shards: the IndexError is something else
    features = Features.from_dict(info["features"])
    return Dataset.from_dict({column: [] for column in features}, features=features)


def save_json(ctx, name: str, value: Any) -> None:
    """Save JSON data as output ``name``."""
    (Path(ctx.output_dir) / f"{name}.json").write_text(json.dumps(value, indent=2, ensure_ascii=False),
                                                       encoding="utf-8")


def load_json(ctx, name: str) -> Any:
    """Read JSON output ``name`` back."""
    return json.loads((Path(ctx.output_dir) / f"{name}.json").read_text(encoding="utf-8"))


def load_outputs(ctx, datasets: list[str], jsons: list[str]) -> LazyOutputs:
    """A stage's cached outputs, each read on first use: ``datasets`` by :func:`load_dataset`, ``jsons`` by
    :func:`load_json`.

    A warm ``ftcore prepare`` prints the reports only, so it never imports datasets to open the rows.
    """
    loaders = {name: (lambda name=name: load_dataset(ctx, name)) for name in datasets}
    loaders.update({name: (lambda name=name: load_json(ctx, name)) for name in jsons})
    return LazyOutputs(loaders)


def load_rows_and_report(stage, ctx) -> LazyOutputs:
    """The cached outputs of a stage that gives ``rows`` and a ``report`` (load, validate, clean)."""
    return load_outputs(ctx, ["rows"], ["report"])


def work_dir(ctx) -> Path:
    """A scratch folder inside the stage's output folder."""
    path = Path(ctx.output_dir) / "_work"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clear_work(ctx) -> None:
    """Remove the scratch folder (after the outputs are saved)."""
    shutil.rmtree(Path(ctx.output_dir) / "_work", ignore_errors=True)


def num_proc(ctx, rows: int) -> int | None:
    """Processes for ``map``: ``ctx.options["num_proc"]`` or one per 20,000 rows up to the cores; None for 1."""
    wanted = ctx.options.get("num_proc") if ctx.options else None
    if wanted is None:
        wanted = min(os.cpu_count() or 1, rows // ROWS_PER_PROCESS)
    return int(wanted) if wanted and int(wanted) > 1 else None


_counter = {"n": 0}


def map_args(ctx, dataset, name: str, parallel: bool = True) -> dict:
    """Keyword arguments for ``dataset.map``/``filter`` writing into the stage's scratch folder."""
    _counter["n"] += 1
    return {"cache_file_name": str(work_dir(ctx) / f"{name}-{_counter['n']}.arrow"),
            "num_proc": num_proc(ctx, len(dataset)) if parallel else None,
            "load_from_cache_file": False}
