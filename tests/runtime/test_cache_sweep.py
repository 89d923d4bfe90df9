"""Temporary folders of a stage killed mid-way are removed the next time the stage runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

from ftcore.runtime.cache import _HOST, STALE_AFTER, StageCache


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_writers_folder_goes_and_live_or_foreign_ones_stay(tmp_path):
    cache = StageCache(tmp_path)
    stage = SimpleNamespace(id="data.d.load", fingerprint="0123456789abcdef")
    parent = tmp_path / stage.id
    parent.mkdir()
    killed = parent / f".tmp-{stage.fingerprint}-{_HOST}-{dead_pid()}-deadbeef"
    live = parent / f".tmp-{stage.fingerprint}-{_HOST}-{os.getpid()}-0badcafe"
    foreign = parent / f".tmp-{stage.fingerprint}-otherhost-1-12345678"
    old_foreign = parent / f".tmp-{stage.fingerprint}-otherhost-2-87654321"
    legacy = parent / f".tmp-{stage.fingerprint}-abcdef12"  # written before folders named their process
    for folder in (killed, live, foreign, old_foreign, legacy):
        folder.mkdir()
        (folder / "part.arrow").write_bytes(b"x")
    long_ago = time.time() - STALE_AFTER - 60
    os.utime(old_foreign, (long_ago, long_ago))
    os.utime(legacy, (long_ago, long_ago))
    new = cache.begin(stage)
    left = sorted(p.name for p in parent.iterdir())
    assert left == sorted([live.name, foreign.name, new.name])
    assert new.name.startswith(f".tmp-{stage.fingerprint}-{_HOST}-{os.getpid()}-")
