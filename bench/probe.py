"""Timing inside a benchmarked process: phases, steps, imports, peak memory, written as one JSON record.

Times are seconds since the parent started the process (``BENCH_SPAWN`` in the environment, a
``time.time()``), so interpreter start-up counts too. Work the benchmark itself adds (writing what
the baselines need) runs inside :meth:`Recorder.excluded` and is taken out of every later time.
"""

from __future__ import annotations

import json
import os
import resource
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional


def peak_gpu_mb() -> Optional[float]:
    """Peak GPU memory torch allocated in this process, in MiB (None without a GPU in use)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return None
    return torch.cuda.max_memory_allocated() / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Recorder:
    """Collects phases (possibly nested), step ends, imports and marks of one process."""

    def __init__(self) -> None:
        spawn = float(os.environ.get("BENCH_SPAWN") or time.time())
        self._origin = time.perf_counter() - (time.time() - spawn)
        self._excluded = 0.0
        self._stack: list[str] = []
        self.phases: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.imports: list[dict[str, Any]] = []
        self.stages: list[dict[str, Any]] = []
        self.marks: dict[str, float] = {}
        self.info: dict[str, Any] = {}  # facts about the run (parameter count, GPU name)

    def now(self) -> float:
        """Seconds since the process was spawned, less the excluded time."""
        return time.perf_counter() - self._origin - self._excluded

    def current(self) -> Optional[str]:
        """The innermost phase under way (None outside every phase)."""
        return self._stack[-1] if self._stack else None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Record ``name`` from entry to exit, with the phase it is nested in."""
        parent = self.current()
        self._stack.append(name)
        start = self.now()
        try:
            yield
        finally:
            self._stack.pop()
            self.phases.append({"name": name, "parent": parent, "start": start, "end": self.now()})

    @contextmanager
    def excluded(self) -> Iterator[None]:
        """Work that is the benchmark's, not the measured program's: its time is removed."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self._excluded += time.perf_counter() - start

    def mark(self, name: str) -> None:
        """Record the time of an instant (``exit``)."""
        self.marks[name] = self.now()

    def write(self, path: Path, **extra: Any) -> None:
        """The record as JSON at ``path``."""
        data = {"phases": self.phases, "steps": self.steps, "imports": self.imports, "stages": self.stages,
                "marks": self.marks, "peak_rss_mb": peak_rss_mb(),
                "peak_gpu_mb": peak_gpu_mb(), "info": self.info, **extra}
        Path(path).write_text(json.dumps(data, indent=1), encoding="utf-8")
