"""Checkpoints for exact resume: DeepSpeed's model/optimizer/scheduler state plus every RNG and the loop state.

A checkpoint is written into ``checkpoints/.tmp-step-NNNNNNN`` and renamed to ``step-NNNNNNN``
only when every process has finished writing, so a folder with a final name is always complete.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Optional

NAME = re.compile(r"^step-(\d{7,})$")
STATE = "trainer_state.json"


def tag(step: int) -> str:
    """The folder name of the checkpoint after optimizer step ``step``."""
    return f"step-{step:07d}"


def complete(root: Path) -> list[Path]:
    """Complete checkpoints under ``root``, oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and NAME.match(p.name) and (p / STATE).is_file()]
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
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    barrier()
    return final


def load(engine, path: Path, rank: int, module_only: bool = False) -> tuple[dict[str, Any], Optional[dict[str, Any]]]:
    """Restore ``engine`` from checkpoint ``path``; returns the loop state and this rank's RNG state."""
    engine.load_checkpoint(str(path.parent), tag=path.name, load_module_only=module_only,
                           load_optimizer_states=not module_only, load_lr_scheduler_states=not module_only)
    state = json.loads((path / STATE).read_text(encoding="utf-8"))
    rng_file = path / f"rng-rank{rank}.json"
    rng = json.loads(rng_file.read_text(encoding="utf-8")) if rng_file.is_file() else None
    return state, rng


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
