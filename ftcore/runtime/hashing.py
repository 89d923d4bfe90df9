"""Content hashes of data files and folders, for stage fingerprints.

Fingerprints follow content, never modification times: a file touched without change keeps its
hash, a file edited in place within the same second gets a new one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_CHUNK = 1 << 20


def file_hash(path: str | os.PathLike) -> str:
    """SHA-256 (hex, 16 chars) of a file's bytes, of a folder's file names and bytes, or ``"missing"``.

    A folder hashes the sorted relative paths of every file below it together with their bytes,
    so adding, removing, renaming or editing a file changes it.
    """
    p = Path(path)
    if p.is_file():
        h = hashlib.sha256()
        _update_with_file(h, p)
        return h.hexdigest()[:16]
    if p.is_dir():
        h = hashlib.sha256()
        for child in sorted(q for q in p.rglob("*") if q.is_file()):
            h.update(str(child.relative_to(p)).encode("utf-8", "surrogateescape") + b"\0")
            _update_with_file(h, child)
            h.update(b"\0")
        return h.hexdigest()[:16]
    return "missing"


def sha256_of(path: str | os.PathLike) -> str:
    """The full SHA-256 (hex) of one file's bytes, read in 1 MiB pieces."""
    h = hashlib.sha256()
    _update_with_file(h, Path(path))
    return h.hexdigest()


def _update_with_file(h, path: Path) -> None:
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            h.update(chunk)


def fingerprint_with_content(graph) -> None:
    """Recompute ``graph``'s fingerprints, hashing the bytes of every stage's ``content_inputs``.

    Lowering fingerprints paths only (enough for ``ftcore graph``); the executor calls this
    before running so that a changed data file re-runs exactly the stages downstream of it.
    """
    versions = {s.plugin: s.plugin_version for s in graph.stages.values()}
    graph.compute_fingerprints(versions, content_hash=file_hash)
