"""``metrics.jsonl``: one JSON line per training step and evaluation (the display is :mod:`ftcore_train.display`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class MetricsLog:
    """Appends one JSON object per line to ``metrics.jsonl`` (training steps and evaluations)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def write(self, record: dict[str, Any]) -> None:
        """Append ``record`` as one line."""
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=False) + "\n")

    def truncate_after(self, step: int) -> list[int]:
        """Drop records of steps after ``step`` and of evaluations after training (a resumed run repeats
        them), and lines that are not JSON.

        A process killed while appending leaves a half-written last line; it is removed here
        rather than failing the resume. Returns the 1-based numbers of the lines so removed. The
        file is rewritten through a temporary file and a rename.
        """
        if not self.path.is_file():
            return []
        kept, torn = [], []
        lines = self.path.read_bytes().decode("utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not isinstance(record, dict):
                torn.append(number)
                continue
            if "split" in record and "step" not in record:
                continue  # an evaluation after training (a test split): the resumed run writes it again
            if not isinstance(record.get("step", 0), int) or record.get("step", 0) <= step:
                kept.append(line)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
        tmp.replace(self.path)
        return torn
