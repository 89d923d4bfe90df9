"""The names a Python module file defines at top level, found by parsing it (never importing it).

``ftcore check`` uses this to prove each component's ``impl`` exists. Parsing a module costs
about a millisecond; a recipe names a dozen, and every ``check`` is a fresh process. So the
answer is kept per file version — path, modification time and size, the check Python itself
makes before trusting a ``.pyc`` — in memory (an editor checks on every keystroke) and in the
user's cache folder as JSON (:mod:`ftcore.user_cache`, written once at exit), where a missing,
damaged or outdated entry only means the file is parsed again.
"""

from __future__ import annotations

import ast as pyast
import os
from pathlib import Path
from typing import Optional

CACHE_FILE = "module-names.json"
FORMAT = 1

_memory: dict[tuple[str, int, int], Optional[frozenset[str]]] = {}
_stored: Optional[dict] = None  # the cache file's modules, read once per process
_dirty = False  # _stored holds entries the file lacks; written once, at exit (see flush)


def top_level_names(origin: str) -> Optional[frozenset[str]]:
    """Names defined at top level of the module file ``origin``; None when it may define more dynamically.

    Raises OSError, SyntaxError or ValueError when the file cannot be read or parsed.
    """
    st = os.stat(origin)
    key = (origin, st.st_mtime_ns, st.st_size)
    if key in _memory:
        return _memory[key]
    stored = _stored_modules()
    entry = stored.get(origin)
    if _valid(entry) and entry["mtime_ns"] == st.st_mtime_ns and entry["size"] == st.st_size:
        names = None if entry["names"] is None else frozenset(entry["names"])
    else:
        found = _names_in_source(Path(origin).read_text(encoding="utf-8"))
        names = frozenset(found) if found is not None else None
        stored[origin] = {"mtime_ns": st.st_mtime_ns, "size": st.st_size,
                          "names": None if names is None else sorted(names)}
        _changed()
    _memory[key] = names
    return names


def _valid(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("mtime_ns"), int) and isinstance(entry.get("size"), int)
            and (entry.get("names") is None
                 or (isinstance(entry.get("names"), list) and all(isinstance(n, str) for n in entry["names"]))))


def _stored_modules() -> dict:
    global _stored
    if _stored is None:
        from ftcore.user_cache import read_json

        data = read_json(CACHE_FILE)
        modules = data.get("modules") if isinstance(data, dict) and data.get("format") == FORMAT else None
        _stored = modules if isinstance(modules, dict) else {}
    return _stored


def _changed() -> None:
    global _dirty
    if not _dirty:
        _dirty = True
        import atexit

        atexit.register(flush)


def flush() -> None:
    """Write the names this process found to the user cache: once, at exit (a check parses a dozen modules)."""
    global _dirty
    if _dirty and _stored is not None:
        _dirty = False
        _save(_stored)


def _save(modules: dict) -> None:
    from ftcore.user_cache import write_json

    # Forget files that are gone, so the cache does not grow with every uninstalled plugin.
    kept = {path: entry for path, entry in modules.items() if os.path.exists(path)}
    write_json(CACHE_FILE, {"format": FORMAT, "modules": kept})


def _names_in_source(source: str) -> Optional[set[str]]:
    """Names a module's source defines at top level; None when it may define more dynamically."""
    tree = pyast.parse(source)
    names: set[str] = set()
    for node in tree.body:
        names |= _defined(node)
        if isinstance(node, (pyast.If, pyast.Try)):
            for inner in pyast.walk(node):
                names |= _defined(inner)
        if isinstance(node, pyast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        if isinstance(node, pyast.FunctionDef) and node.name == "__getattr__":
            return None
    return names


def _defined(node) -> set[str]:
    if isinstance(node, (pyast.FunctionDef, pyast.AsyncFunctionDef, pyast.ClassDef)):
        return {node.name}
    if isinstance(node, (pyast.Import, pyast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets = []
    if isinstance(node, pyast.Assign):
        targets = node.targets
    elif isinstance(node, (pyast.AnnAssign, pyast.AugAssign)):
        targets = [node.target]
    out: set[str] = set()
    for t in targets:
        for n in pyast.walk(t):
            if isinstance(n, pyast.Name):
                out.add(n.id)
    return out
