"""Watching a run: a live rich display on a terminal, plain log lines otherwise, and ``metrics.jsonl``."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any


def _fmt_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


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


class Display:
    """Step and total, loss, learning rate, tokens per second, elapsed time and ETA.

    A live rich progress bar when ``console`` is a terminal; otherwise a plain line every
    ``every`` steps. Only rank 0 displays anything.
    """

    def __init__(self, total: int, console=None, every: int = 10, enabled: bool = True, start_step: int = 0):
        self.total, self.every, self.enabled = total, max(1, every), enabled
        self.console = console
        self.start = time.perf_counter()
        self.start_step = start_step
        self.tokens = 0
        self.live = None
        if enabled and console is not None and getattr(console, "is_terminal", False):
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
                TimeRemainingColumn

            self.live = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)
            self.task = self.live.add_task("train", total=total, completed=start_step, info="")
            self.live.start()

    def _print(self, text: str) -> None:
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def step(self, step: int, loss: float, lr: float, tokens: int) -> None:
        """Report optimizer step ``step`` (1-based)."""
        if not self.enabled:
            return
        self.tokens += tokens
        elapsed = time.perf_counter() - self.start
        done = step - self.start_step
        tps = self.tokens / elapsed if elapsed > 0 else 0.0
        eta = elapsed / done * (self.total - step) if done > 0 else float("inf")
        info = f"loss {loss:.4f}  lr {lr:.2e}  {tps:,.0f} tok/s"
        if self.live is not None:
            self.live.update(self.task, completed=step, info=info)
        elif step % self.every == 0 or step == self.total:
            self._print(f"step {step}/{self.total}  {info}  elapsed {_fmt_time(elapsed)}  eta {_fmt_time(eta)}")

    def message(self, text: str) -> None:
        """A line between progress updates (evaluations, checkpoints, early stopping)."""
        if not self.enabled:
            return
        if self.live is not None:
            self.live.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            self._print(text)

    def close(self) -> None:
        """Stop the live display."""
        if self.live is not None:
            self.live.stop()
            self.live = None
