"""The stage cache: one folder per (stage id, fingerprint), written atomically.

Layout: ``<cache dir>/<stage id>/<fingerprint>/`` holding what the stage's ``run`` wrote and a
``_complete.json`` marker. A stage writes into a temporary sibling folder; only when ``run``
returned does the executor add the marker and rename the folder into place, so an interrupted or
failed stage never leaves an entry that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Optional

CACHE_ENV = "FTCORE_CACHE_DIR"
MARKER = "_complete.json"


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
        """Create and return an empty temporary folder for ``stage`` to write into."""
        parent = self.root / stage.id
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".tmp-{stage.fingerprint}-{uuid.uuid4().hex[:8]}"
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
