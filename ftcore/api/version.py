"""The plugin API version and the rule deciding whether a plugin written for another one may load."""

from __future__ import annotations

from typing import Optional

PLUGIN_API_VERSION = "1.0"
"""``MAJOR.MINOR``: a plugin written for ``M.n`` loads on ftcore providing ``M.m`` with ``m >= n``."""


def _parse(text: str) -> Optional[tuple[int, int]]:
    parts = str(text).strip().split(".")
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0


def api_problem(declared: object, plugin: str, dist: str = "?") -> Optional[str]:
    """Why a plugin declaring ``FTCORE_PLUGIN_API = declared`` cannot load here, with what to upgrade; or None."""
    if declared is None:
        return None
    wanted, have = _parse(str(declared)), _parse(PLUGIN_API_VERSION)
    who = f'plugin "{plugin}"' + (f" ({dist})" if dist not in ("?", "") else "")
    if wanted is None:
        return f'{who} declares FTCORE_PLUGIN_API = {declared!r}, which is not a version such as "1.0"'
    if wanted[0] > have[0] or (wanted[0] == have[0] and wanted[1] > have[1]):
        return (f"{who} needs ftcore plugin API {declared}, but this ftcore provides {PLUGIN_API_VERSION}: "
                f"upgrade ftcore (pip install -U ftcore)")
    if wanted[0] < have[0]:
        return (f"{who} was written for ftcore plugin API {declared}, and this ftcore provides "
                f"{PLUGIN_API_VERSION}: upgrade the plugin (pip install -U {dist if dist not in ('?', '') else plugin})")
    return None
