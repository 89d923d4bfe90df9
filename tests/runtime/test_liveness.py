"""Worker status files: written at start, beating while alive, ending with a state; the watchdog's clock."""

from __future__ import annotations

import time

from ftcore.runtime.liveness import Watchdog, WorkerBeacon, read_statuses


def test_beacon_beats_then_records_how_the_worker_ended(tmp_path):
    beacon = WorkerBeacon(tmp_path, 2, "nodeb", interval=0.05).start()
    time.sleep(0.4)
    st = read_statuses(tmp_path)[2]
    assert (st.node, st.state) == ("nodeb", "running") and st.beat >= 2
    beacon.end("failed", "exit status 1")
    time.sleep(0.2)
    st = read_statuses(tmp_path)[2]
    assert (st.state, st.message) == ("failed", "exit status 1")
    assert beacon._thread is not None and not beacon._thread.is_alive()


def test_watchdog_flags_only_ranks_whose_beat_stopped(tmp_path):
    alive = WorkerBeacon(tmp_path, 0, "nodea", interval=0.05).start()
    dead = WorkerBeacon(tmp_path, 1, "nodeb", interval=0.05).start()
    dead._stop.set()  # as if its process was killed: the file stays, the counter stops
    dog = Watchdog(tmp_path, timeout=1.0)
    now = time.monotonic()
    assert dog.silent(now) == []
    time.sleep(0.3)
    assert [s.rank for s in dog.silent(now + 1.5)] == [1]
    alive.end("finished")
    assert [s.rank for s in dog.silent(now + 10)] == [1]  # a rank that ended is never silent


def test_a_stop_request_reaches_the_worker_as_its_signal_once(tmp_path):
    import subprocess
    import sys

    from ftcore.runtime.liveness import request_stop

    script = f"""
import signal, sys, time
sys.path[:0] = {sys.path!r}
from ftcore.runtime.liveness import WorkerBeacon
got = []
signal.signal(signal.SIGINT, lambda s, f: got.append(s))
WorkerBeacon({str(tmp_path)!r}, 0, "nodeb", interval=0.05).start()
print("ready", flush=True)
deadline = time.time() + 30
while time.time() < deadline and not got:
    time.sleep(0.05)
time.sleep(0.5)  # a second signal would arrive here
sys.exit(40 + len(got) if got and got[0] == signal.SIGINT else 1)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    request_stop(tmp_path, 2)
    assert proc.wait(timeout=60) == 41  # SIGINT, exactly once
