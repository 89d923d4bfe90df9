"""Per-example results of an evaluation: ``predictions/<data>.<split>.jsonl`` in the run directory.

One JSON object per example, in the split's order: its input (``input`` for classifiers,
``prompt`` for generation), the ``reference``, the fine-tuned model's ``prediction`` (classifiers)
or ``generated`` text with how it ``stopped`` (``"eos"`` or ``"length"``), each metric's
per-example ``scores``, and — with ``baseline true`` — the same fields of the starting model
under ``baseline``. The file is written under a temporary name and renamed, so a reader never
sees half of it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

ANSWER = ("prediction", "generated", "stopped", "scores")


def predictions_path(run_dir: Path, split: str) -> Path:
    """Where the per-example results of ``split`` (``tickets.test``) go."""
    return Path(run_dir) / "predictions" / f"{split}.jsonl"


def combined(records: list[dict], baseline: Optional[list[dict]]) -> list[dict]:
    """The fine-tuned records, each with the starting model's answer under ``baseline`` when there is one."""
    if not baseline:
        return [dict(r) for r in records]
    out = []
    for mine, start in zip(records, baseline):
        out.append({**mine, "baseline": {k: start[k] for k in ANSWER if k in start}})
    return out


def write_predictions(run_dir: Path, split: str, records: list[dict], baseline: Optional[list[dict]] = None) -> Path:
    """Write the predictions file of ``split`` atomically; returns its path."""
    path = predictions_path(run_dir, split)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for record in combined(records, baseline):
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def read_predictions(path: Path) -> list[dict]:
    """The records of a predictions file."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
