"""The installed ``ftcore`` entry points, without reading every distribution's metadata each process.

``importlib.metadata`` finds entry points by importing itself (with the ``email`` package) and
reading the metadata of every installed distribution: tens of milliseconds, repeated by every
``ftcore`` command. The answer only changes when a distribution is installed, removed, upgraded
or rewritten, and each of those changes the *listing* of a ``sys.path`` folder or a file in a
``.dist-info``/``.egg-info`` folder. So the entry points are kept as JSON in the user cache
(:mod:`ftcore.user_cache`) together with a snapshot of exactly that: for every ``sys.path``
entry its modification time, and for each metadata folder in it the folder's time and
the times and sizes of its ``entry_points.txt`` and ``METADATA``/``PKG-INFO`` (name and version). A later process takes a new snapshot (a few hundred
``stat`` calls, about a millisecond) and uses the stored entry points only if it is identical;
otherwise it asks ``importlib.metadata`` and stores the answer again.

When something other than the standard path finder can provide distributions (a custom
``sys.meta_path`` finder with ``find_distributions``), nothing is cached: ``importlib.metadata``
is asked every time.
"""

from __future__ import annotations

import os
import sys
import zlib
from importlib import import_module
from typing import Any, Optional

FORMAT = 1
_META_SUFFIXES = (".dist-info", ".egg-info")
_META_FILES = ("entry_points.txt", "METADATA", "PKG-INFO")  # the group's entry points; name and version


class Distribution:
    """The distribution an entry point belongs to: its name and version (what plugins are listed by)."""

    def __init__(self, name: str, version: str):
        self.name, self.version = name, version


class StoredEntryPoint:
    """An entry point read from the cache; loads like ``importlib.metadata.EntryPoint``."""

    def __init__(self, name: str, value: str, dist: Optional[Distribution]):
        self.name, self.value, self.dist = name, value, dist

    def load(self) -> Any:
        """Import the module named by ``value`` and return it, or its attribute after ``:``."""
        module, _, attr = self.value.partition(":")
        target = import_module(module.strip())
        for part in filter(None, attr.strip().split(".")):
            target = getattr(target, part)
        return target


def entry_points(group: str) -> list:
    """The entry points of ``group`` in every installed distribution, sorted by name."""
    if not _only_path_finder_provides_distributions():
        return _scan(group)
    name = f"entry-points/{group}-{zlib.crc32(os.pathsep.join(sys.path).encode('utf-8', 'surrogatepass')):08x}.json"
    snapshot = installed_snapshot()
    from ftcore import user_cache

    stored = user_cache.read_json(name)
    if isinstance(stored, dict) and stored.get("format") == FORMAT and stored.get("snapshot") == snapshot:
        try:
            return [StoredEntryPoint(ep["name"], ep["value"],
                                     None if ep["dist"] is None else Distribution(ep["dist"], ep["version"]))
                    for ep in stored["entry_points"]]
        except (KeyError, TypeError):
            pass  # a damaged file: ask importlib.metadata below
    found = _scan(group)
    user_cache.write_json(name, {"format": FORMAT, "snapshot": snapshot, "entry_points": [
        {"name": ep.name, "value": ep.value, "dist": None if ep.dist is None else ep.dist.name,
         "version": None if ep.dist is None else ep.dist.version} for ep in found]})
    return found


def installed_snapshot() -> list:
    """What installing, removing or upgrading a distribution changes: see the module's docstring.

    JSON-ready, compared for equality. Taken before the scan it vouches for, so a change made
    during the scan shows at the next call.
    """
    snapshot: list = []
    for entry in sys.path:
        folder = entry or os.getcwd()
        try:
            st = os.stat(folder)
        except OSError:
            snapshot.append([entry, None])
            continue
        snapshot.append([entry, st.st_mtime_ns, st.st_size])
        if not os.path.isdir(folder):
            continue  # a zip file: its own time and size cover its contents
        try:
            children = sorted(e.name for e in os.scandir(folder)
                              if e.name.lower().endswith(_META_SUFFIXES) or e.name.lower() == "egg-info")
        except OSError:
            continue
        for child in children:
            meta = os.path.join(folder, child)
            snapshot.append([child, *_stat(meta), *(x for f in _META_FILES for x in _stat(os.path.join(meta, f)))])
    return snapshot


def _stat(path: str) -> list:
    try:
        st = os.stat(path)
    except OSError:
        return [None, None]
    return [st.st_mtime_ns, st.st_size]


def _only_path_finder_provides_distributions() -> bool:
    from importlib.machinery import PathFinder

    return all(finder is PathFinder or not hasattr(finder, "find_distributions") for finder in sys.meta_path)


def _scan(group: str) -> list:
    from importlib.metadata import entry_points as metadata_entry_points

    return sorted(metadata_entry_points(group=group), key=lambda ep: ep.name)
