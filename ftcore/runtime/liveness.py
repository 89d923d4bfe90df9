"""Which worker runs where, and whether it is still alive: ``RUN_DIR/workers/rank-N.json``.

Each worker writes its status file when it starts (rank, node, pid), bumps a beat counter in it
from a background thread while it runs, and records how it ended. The same thread watches for
``workers/stop`` (:func:`request_stop`) and then signals its own process, so a run on several
machines stops the way Ctrl-C stops one process: each worker saves a checkpoint first. The run folder is shared by
every node, so the process that launched the run reads these files to tell a node that was lost
(its ranks stopped beating and never said how they ended) from one that failed with a message.
The beat is a counter, not a time stamp, so clocks that differ between nodes do not matter.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

BEAT_SECONDS = float(os.environ.get("FTCORE_BEAT_SECONDS", "2"))


def status_dir(run_dir: Path) -> Path:
    """Where the workers' status files live."""
    return Path(run_dir) / "workers"


def stop_file(run_dir: Path) -> Path:
    """The file that asks every worker to stop (it holds the signal number), on whichever node it runs."""
    return status_dir(run_dir) / "stop"


def request_stop(run_dir: Path, signum: int) -> None:
    """Ask every worker to stop as if it had received ``signum``: it finishes its step and saves a checkpoint.

    Used where a signal cannot reach the workers (they run under sshd on other machines, and
    tearing down the launcher's ssh connections would cut them off before they could save).
    """
    folder = status_dir(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _write(stop_file(run_dir), {"signal": int(signum)})


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


class WorkerBeacon:
    """A worker's status file, kept beating by a daemon thread until :meth:`end` is called."""

    def __init__(self, run_dir: Path, rank: int, node: str, interval: float = BEAT_SECONDS):
        self.path = status_dir(run_dir) / f"rank-{rank:05d}.json"
        self.data = {"rank": rank, "node": node, "hostname": socket.gethostname(), "pid": os.getpid(),
                     "state": "running", "beat": 0, "message": ""}
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> "WorkerBeacon":
        """Write the status file and start beating."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            _write(self.path, self.data)
        self._thread = threading.Thread(target=self._beat, name="ftcore-beacon", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        asked = False
        while not self._stop.wait(self.interval):
            with self._lock:
                if self.data["state"] != "running":
                    return
                self.data["beat"] += 1
                try:
                    _write(self.path, self.data)
                except OSError:
                    pass  # a full or briefly unavailable disk must not kill training; the launcher will notice
            if not asked and stop_file(self.path.parent.parent).is_file():
                asked = True  # once: a second signal would mean "abort now" to the training loop
                self._signal_self()

    def _signal_self(self) -> None:
        try:
            signum = int(json.loads(stop_file(self.path.parent.parent).read_text(encoding="utf-8"))["signal"])
        except (OSError, ValueError, KeyError, TypeError):
            signum = int(signal.SIGTERM)
        if signum in (signal.SIGINT, signal.SIGTERM):
            os.kill(os.getpid(), signum)

    def end(self, state: str, message: str = "") -> None:
        """Record how the worker ended (``"finished"`` or ``"failed"``) and stop beating."""
        self._stop.set()
        with self._lock:
            self.data.update(state=state, message=message)
            try:
                _write(self.path, self.data)
            except OSError:
                pass


@dataclass
class WorkerStatus:
    """One worker's status file as read back by the launching process."""

    rank: int
    node: str
    state: str
    beat: int
    message: str
    pid: int


def read_statuses(run_dir: Path) -> dict[int, WorkerStatus]:
    """Every worker status file under the run folder, by rank (unreadable ones are skipped)."""
    out: dict[int, WorkerStatus] = {}
    folder = status_dir(run_dir)
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("rank-*.json")):
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            out[int(d["rank"])] = WorkerStatus(int(d["rank"]), str(d["node"]), str(d["state"]), int(d["beat"]),
                                               str(d.get("message", "")), int(d.get("pid", 0)))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


class Watchdog:
    """Notices ranks whose beat has not changed for ``timeout`` seconds (by this machine's clock)."""

    def __init__(self, run_dir: Path, timeout: float):
        self.run_dir = Path(run_dir)
        self.timeout = timeout
        self._last: dict[int, tuple[int, float]] = {}

    def silent(self, now: Optional[float] = None) -> list[WorkerStatus]:
        """Running ranks that have been silent for longer than the timeout."""
        now = time.monotonic() if now is None else now
        quiet = []
        for rank, st in read_statuses(self.run_dir).items():
            if st.state != "running":
                continue
            beat, since = self._last.get(rank, (None, now))
            if beat != st.beat:
                self._last[rank] = (st.beat, now)
                continue
            if now - since > self.timeout:
                quiet.append(st)
        return quiet

