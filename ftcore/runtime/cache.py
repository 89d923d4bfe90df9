"""The stage cache: one folder per (stage id, fingerprint), written atomically.

Layout: ``<cache dir>/<stage id>/<fingerprint>/`` holding what the stage's ``run`` wrote and a
``_complete.json`` marker. A stage writes into a temporary sibling folder; only when ``run``
returned does the executor add the marker and rename the folder into place, so an interrupted or
failed stage never leaves an entry that looks complete.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import time
import uuid
from pathlib import Path
from typing import Optional

CACHE_ENV = "FTCORE_CACHE_DIR"
MARKER = "_complete.json"
_HOST = "".join(ch if ch.isalnum() else "_" for ch in socket.gethostname()) or "host"
_TMP = re.compile(r"^\.tmp-[0-9a-f]+-(?P<host>\w+)-(?P<pid>\d+)-[0-9a-f]{8}$")
STALE_AFTER = 24 * 3600  # seconds after which a temporary folder of unknown owner is removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def sweep_stale(parent: Path) -> list[str]:
    """Remove temporary folders under ``parent`` whose process is gone; returns their names.

    A folder made on this host by a process that no longer runs is removed; one made on another
    host (a shared cache) only once it is older than :data:`STALE_AFTER`.
    """
    removed = []
    for tmp in parent.glob(".tmp-*"):
        match = _TMP.match(tmp.name)
        try:
            age = time.time() - tmp.stat().st_mtime
        except OSError:
            continue
        if match and match["host"] == _HOST:
            stale = not _alive(int(match["pid"]))
        else:
            stale = age > STALE_AFTER
        if stale:
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp.name)
    return removed


def default_cache_dir(recipe_path: Optional[str | os.PathLike] = None) -> Path:
    """``$FTCORE_CACHE_DIR`` if set, else ``.ftcore-cache/`` next to the recipe (or the working folder)."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    base = Path(recipe_path).resolve().parent if recipe_path else Path.cwd()
    return base / ".ftcore-cache"


class StageCache:
    """Where cached stage outputs live, and the protocol that keeps entries complete."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def entry(self, stage) -> Path:
        """The folder of ``stage``'s cache entry (which may not exist)."""
        return self.root / stage.id / stage.fingerprint

    def is_complete(self, stage) -> bool:
        """True when a finished entry for ``stage``'s fingerprint exists."""
        return (self.entry(stage) / MARKER).is_file()

    def begin(self, stage) -> Path:
        """Create and return an empty temporary folder for ``stage`` to write into.

        Its name records this host and process, so that temporary folders left by a process
        that was killed are recognised and removed the next time the stage runs.
        """
        parent = self.root / stage.id
        parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(parent)
        tmp = parent / f".tmp-{stage.fingerprint}-{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        return tmp

    def commit(self, stage, tmp: Path) -> Path:
        """Mark ``tmp`` complete and move it into place; returns the entry folder.

        If another process committed the same fingerprint meanwhile, its entry is kept (both
        hold the same outputs) and ``tmp`` is removed.
        """
        marker = {"stage": stage.id, "fingerprint": stage.fingerprint, "kind": stage.kind,
                  "plugin": f"{stage.plugin}=={stage.plugin_version}", "params": stage.params,
                  "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2, default=str), encoding="utf-8")
        final = self.entry(stage)
        if final.exists() and not self.is_complete(stage):
            shutil.rmtree(final, ignore_errors=True)  # a stale, incomplete entry from an older layout
        try:
            os.replace(tmp, final)
        except OSError:
            if not self.is_complete(stage):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        return final

    def abandon(self, tmp: Path) -> None:
        """Remove a temporary folder after a failed or interrupted stage."""
        shutil.rmtree(tmp, ignore_errors=True)
