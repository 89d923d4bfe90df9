"""Stopping a training run cleanly on SIGINT (Ctrl-C) or SIGTERM.

The first signal asks the loop to stop: it finishes the step (and an evaluation under way), every
process agrees on the step to stop at, a checkpoint is written and the run ends with a message
saying how to resume. A second Ctrl-C aborts at once.
"""

from __future__ import annotations

import json
import shlex
import signal
import threading
from pathlib import Path
from typing import Callable, Optional

from ftcore.runtime.errors import RunError

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(RunError):
    """The run stopped on a signal after saving a checkpoint; ``signum`` is the signal."""

    def __init__(self, signum: int, step: int, checkpoint: Optional[Path], run_dir: Path):
        name = signal.Signals(signum).name
        saved = f"checkpoint {checkpoint.name} saved" if checkpoint is not None else "no checkpoint saved"
        super().__init__(f"interrupted by {name} at step {step}; {saved}", f"continue with: {resume_command(run_dir)}")
        self.signum = signum
        self.step = step


def resume_command(run_dir: Path) -> str:
    """The command that continues the run in ``run_dir`` (the recipe path from its manifest)."""
    recipe = "RECIPE"
    try:
        recipe = json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))["recipe"]["path"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return f"ftcore run {shlex.quote(str(recipe))} --out {shlex.quote(str(run_dir))} --resume"


class StopRequest:
    """Handlers for SIGINT and SIGTERM that record a request to stop; see :meth:`agreed`."""

    def __init__(self, say: Callable[[str], None] = lambda text: None):
        self.signum: Optional[int] = None
        self.say = say
        self._previous: dict[int, object] = {}

    def install(self) -> "StopRequest":
        """Take over SIGINT and SIGTERM (only possible, and only needed, in the main thread)."""
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def restore(self) -> None:
        """Give SIGINT and SIGTERM back to whoever had them."""
        while self._previous:
            sig, handler = self._previous.popitem()
            signal.signal(sig, handler)

    def _handle(self, signum, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            self.restore()
            raise KeyboardInterrupt  # a second Ctrl-C: stop now, without a checkpoint
        if self.signum is None:
            self.signum = signum
            self.say(f"{signal.Signals(signum).name}: stopping after this step and saving a checkpoint "
                     "(Ctrl-C again to abort at once)")

    def agreed(self, all_reduce) -> Optional[int]:
        """The signal to stop on if any process received one, else None; every process gets the same answer.

        ``all_reduce`` sums a tensor over the processes (a no-op with one process), so all of them
        stop after the same step.
        """
        import torch

        flag = torch.tensor([float(self.signum or 0)])
        all_reduce(flag)
        if flag.item() == 0:
            return None
        return self.signum or signal.SIGTERM
