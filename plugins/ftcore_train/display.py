"""What training shows while it runs: a live rich display on a terminal, plain lines otherwise.

Both show the same facts: the stage, optimizer step and total, loss, learning rate, tokens per
second not counting padding (``non-pad tok/s``), elapsed time, ETA and the last evaluation. The
live display redraws in place; the plain format (not a terminal, or ``--plain``) writes one line
every ``every`` steps and at the last step, and never an ANSI code. Only rank 0 shows anything.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Optional


def format_duration(seconds: float) -> str:
    """``mm:ss`` or ``h:mm:ss``; ``?`` when unknown."""
    if not math.isfinite(seconds):
        return "?"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def format_metrics(metrics: dict[str, float]) -> str:
    """``loss 0.4123  accuracy 0.9100``: every numeric metric with four decimals."""
    return "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, (int, float)))


class Display:
    """Progress of one stage (``train``): see the module docstring.

    ``console`` is a rich console; it is live when ``console.is_terminal`` (``--plain`` makes a
    console that is not). ``start_step`` is where a resumed run starts, so throughput and ETA
    count only the steps this process ran.
    """

    def __init__(self, total: int, console=None, every: int = 10, enabled: bool = True, start_step: int = 0,
                 stage: str = "train"):
        self.total, self.every, self.enabled, self.stage = total, max(1, every), enabled, stage
        self.console = console
        self.start = time.perf_counter()
        self.start_step = start_step
        self.tokens = 0
        self.last_eval: Optional[str] = None
        self.live = None
        if enabled and console is not None and getattr(console, "is_terminal", False):
            self._start_live(start_step)

    def _start_live(self, start_step: int) -> None:
        from rich.console import Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
        from rich.text import Text

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[stats]}"), console=self.console)
        self.task = self.progress.add_task(self.stage, total=self.total, completed=start_step, stats="")
        self.eval_line = Text("", style="dim")
        self.live = Live(Group(self.progress, self.eval_line), console=self.console, refresh_per_second=4,
                         transient=False)
        self.live.start()

    def _print(self, text: str) -> None:
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            print(text, file=sys.stderr, flush=True)

    def stats(self, step: int, loss: float, lr: float) -> str:
        """The line's facts after ``step``: loss, lr, throughput, elapsed and ETA."""
        elapsed = time.perf_counter() - self.start
        done = step - self.start_step
        tps = self.tokens / elapsed if elapsed > 0 else 0.0
        eta = elapsed / done * (self.total - step) if done > 0 else float("inf")
        return (f"loss {loss:.4f}  lr {lr:.2e}  {tps:,.0f} non-pad tok/s  elapsed {format_duration(elapsed)}  "
                f"eta {format_duration(eta)}")

    def step(self, step: int, loss: float, lr: float, tokens: int) -> None:
        """Report optimizer step ``step`` (1-based); ``tokens`` is how many non-padding tokens it trained on."""
        if not self.enabled:
            return
        self.tokens += tokens
        if self.live is not None:
            self.progress.update(self.task, completed=step, stats=self.stats(step, loss, lr))
        elif step % self.every == 0 or step == self.total:
            self._print(f"{self.stage} step {step}/{self.total}  {self.stats(step, loss, lr)}")

    def evaluation(self, step: int, metrics: dict[str, float], split: str = "eval") -> None:
        """An evaluation finished: print it and keep it as the display's "last eval"."""
        if not self.enabled:
            return
        self.last_eval = f"{split} step {step}  {format_metrics(metrics)}"
        if self.live is not None:
            self.eval_line.plain = f"last {self.last_eval}"
        self.message(self.last_eval)

    def message(self, text: str) -> None:
        """A line between progress updates (evaluations, checkpoints, early stopping)."""
        if not self.enabled:
            return
        if self.live is not None:
            self.live.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            self._print(text)

    def close(self) -> None:
        """Stop the live display, leaving its last state on the screen."""
        if self.live is not None:
            self.live.stop()
            self.live = None
