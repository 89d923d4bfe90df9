"""The user's cache folder for facts ftcore derives from files and would otherwise recompute each process.

Everything stored here is JSON (never pickle: a file another local user could plant must not be
able to run code), is keyed by what it was derived from, and is only ever a speed-up: a missing,
unreadable or corrupt entry reads as "not cached", and a folder that cannot be written to is
silently skipped. Writes are atomic (a temporary file renamed into place), so a reader never sees
half a file.

The folder is ``$FTCORE_USER_CACHE`` if set, else ``$XDG_CACHE_HOME/ftcore``, else
``~/.cache/ftcore``. Setting ``FTCORE_USER_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Optional


def user_cache_dir() -> Optional[Path]:
    """The cache folder (not created here), or None when the user turned the cache off."""
    chosen = os.environ.get("FTCORE_USER_CACHE")
    if chosen:
        return None if chosen.lower() == "off" else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ftcore"


def read_json(name: str, object_hook: Optional[Callable[[dict], Any]] = None) -> Any:
    """The JSON value stored under ``name`` (a relative path), or None if absent, unreadable or corrupt."""
    folder = user_cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / name, encoding="utf-8") as f:
            return json.load(f, object_hook=object_hook)
    except (OSError, ValueError):
        return None


def write_json(name: str, value: Any) -> bool:
    """Store ``value`` under ``name`` atomically; False (and nothing left behind) if that is not possible."""
    folder = user_cache_dir()
    if folder is None:
        return False
    target = folder / name
    tmp = None
    try:
        import tempfile

        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, separators=(",", ":"))
        os.replace(tmp, target)
        return True
    except (OSError, TypeError, ValueError):
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
