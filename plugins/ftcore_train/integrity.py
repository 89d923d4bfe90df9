"""Checksums of a checkpoint's files: written last, checked before anything in the folder is read.

``checksums.json`` lists every file of the checkpoint with its size and SHA-256. A checkpoint whose
files are missing, cut short, changed, joined by files nobody wrote, or replaced by links is
reported as damaged before a byte of it is unpickled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ftcore.runtime.hashing import sha256_of

CHECKSUMS = "checksums.json"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.name != CHECKSUMS and not p.is_dir())


def write_checksums(folder: Path) -> Path:
    """Record the size and SHA-256 of every file under ``folder``; the record is written through a rename, last."""
    record = {"algorithm": "sha256", "files": {}}
    for path in _files(folder):
        record["files"][path.relative_to(folder).as_posix()] = {"bytes": path.stat().st_size,
                                                               "sha256": sha256_of(path)}
    tmp = folder / f".{CHECKSUMS}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / CHECKSUMS)
    return folder / CHECKSUMS


def verify(folder: Path) -> list[str]:
    """What is wrong with the files under ``folder`` compared with its checksums (empty when intact)."""
    listing = folder / CHECKSUMS
    if not listing.is_file() or listing.is_symlink():
        return [f"{CHECKSUMS} is missing (the checkpoint was not finished, or was written by an older ftcore)"]
    try:
        record = json.loads(listing.read_text(encoding="utf-8"))
        files = record["files"]
        if not isinstance(files, dict):
            raise TypeError("files is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{CHECKSUMS} is unreadable ({exc})"]
    problems = []
    present = {p.relative_to(folder).as_posix(): p for p in _files(folder)}
    for name, want in sorted(files.items()):
        path = present.get(name)
        if path is None:
            problems.append(f"{name} is missing")
            continue
        if path.is_symlink() or not path.is_file():
            problems.append(f"{name} is not a regular file")
            continue
        size = path.stat().st_size
        if not isinstance(want, dict) or size != want.get("bytes"):
            problems.append(f"{name} has {size} bytes, {want.get('bytes') if isinstance(want, dict) else '?'} "
                            "were written")
        elif sha256_of(path) != want.get("sha256"):
            problems.append(f"{name} changed after it was written (its SHA-256 differs)")
    for name in sorted(set(present) - set(files)):
        problems.append(f"{name} was not written by ftcore")
    return problems
