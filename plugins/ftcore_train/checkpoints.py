"""Checkpoints for exact resume: DeepSpeed's model/optimizer/scheduler state plus every RNG and the loop state.

A checkpoint is written into ``checkpoints/.tmp-step-NNNNNNN`` and renamed to ``step-NNNNNNN``
only when every process has finished writing, so a folder with a final name is always complete.
The last file written before the rename is ``checksums.json`` (:mod:`ftcore_train.integrity`);
loading checks it first, then reads DeepSpeed's files with tensors-only unpickling
(:mod:`ftcore_train.safe_load`), so a damaged checkpoint is skipped and a tampered one never runs code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Optional

from ftcore_train.integrity import verify, write_checksums
from ftcore_train.safe_load import UnsafeCheckpoint, install, refuse_unsafe, safe_unpickling

NAME = re.compile(r"^step-(\d{7,})$")
STATE = "trainer_state.json"


class DamagedCheckpoint(Exception):
    """A checkpoint folder whose files do not match its checksums, or cannot be read."""

    def __init__(self, path: Path, problems: list[str]):
        super().__init__(f"{path.name}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def tag(step: int) -> str:
    """The folder name of the checkpoint after optimizer step ``step``."""
    return f"step-{step:07d}"


def complete(root: Path) -> list[Path]:
    """Checkpoints under ``root`` with a final name (renamed into place when complete), oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and NAME.match(p.name)]
    return sorted(found, key=lambda p: int(NAME.match(p.name).group(1)))


def newest(root: Path) -> Optional[Path]:
    """The newest complete checkpoint, or None."""
    done = complete(root)
    return done[-1] if done else None


def save(engine, root: Path, step: int, state: dict[str, Any], rng: dict[str, Any], rank: int, barrier) -> Path:
    """Write a checkpoint for ``step`` from every process, then (rank 0) rename it into place."""
    root.mkdir(parents=True, exist_ok=True)
    tmp_tag = f".tmp-{tag(step)}"
    engine.save_checkpoint(str(root), tag=tmp_tag, save_latest=False)
    tmp = root / tmp_tag
    (tmp / f"rng-rank{rank}.json").write_text(json.dumps(rng), encoding="utf-8")
    barrier()
    final = root / tag(step)
    if rank == 0:
        (tmp / STATE).write_text(json.dumps(state, indent=1), encoding="utf-8")
        write_checksums(tmp)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    barrier()
    return final


def load(engine, path: Path, rank: int, module_only: bool = False) -> tuple[dict[str, Any], Optional[dict[str, Any]]]:
    """Restore ``engine`` from checkpoint ``path``; returns the loop state and this rank's RNG state.

    Raises :class:`DamagedCheckpoint` when the files do not match their checksums or cannot be
    read, and :class:`~ftcore_train.safe_load.UnsafeCheckpoint` when a file holds pickled objects
    other than tensors and plain values (nothing of it is executed).
    """
    problems = verify(path)
    if problems:
        raise DamagedCheckpoint(path, problems)
    try:
        state = json.loads((path / STATE).read_text(encoding="utf-8"))
        rng_file = path / f"rng-rank{rank}.json"
        rng = json.loads(rng_file.read_text(encoding="utf-8")) if rng_file.is_file() else None
    except (OSError, ValueError) as exc:
        raise DamagedCheckpoint(path, [f"{STATE} or the RNG state cannot be read ({exc})"]) from None
    if not isinstance(state, dict):
        raise DamagedCheckpoint(path, [f"{STATE} does not hold an object"])
    install(engine)
    try:
        with safe_unpickling(), refuse_unsafe(path):
            engine.load_checkpoint(str(path.parent), tag=path.name, load_module_only=module_only,
                                   load_optimizer_states=not module_only, load_lr_scheduler_states=not module_only)
    except UnsafeCheckpoint:
        raise
    except (RuntimeError, OSError, EOFError, KeyError, ValueError) as exc:
        raise DamagedCheckpoint(path, [f"DeepSpeed cannot read it ({type(exc).__name__}: "
                                       f"{str(exc).splitlines()[0] if str(exc) else ''})"]) from None
    return state, rng


def load_newest_intact(engine, root: Path, rank: int, say: Callable[[str], None]):
    """Load the newest checkpoint under ``root`` that is intact, skipping (and naming) damaged ones.

    Returns ``(path, state, rng)``, or None when there is no checkpoint at all. Raises
    :class:`DamagedCheckpoint` (for the newest) when checkpoints exist but none is intact, and
    :class:`~ftcore_train.safe_load.UnsafeCheckpoint` as :func:`load` does.
    """
    found = complete(root)
    if not found:
        return None
    skipped: list[DamagedCheckpoint] = []
    for path in reversed(found):
        try:
            state, rng = load(engine, path, rank)
        except DamagedCheckpoint as exc:
            say(f"checkpoint {path.name} is damaged, skipping it: {'; '.join(exc.problems)}")
            skipped.append(exc)
            continue
        return path, state, rng
    raise skipped[0]


def prune(root: Path, keep: int, best: Optional[str]) -> list[str]:
    """Delete all but the newest ``keep`` complete checkpoints and the best one; returns what was removed."""
    done = complete(root)
    keep_names = {p.name for p in done[-keep:]} | ({best} if best else set())
    removed = []
    for p in done:
        if p.name not in keep_names:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    for stale in root.glob(".tmp-step-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return removed
