"""Item 5: ``ftcore check`` on the largest shipped recipe against ``python -c pass``, as a ratio.

Both commands run as fresh processes, alternating, so each pair sees the same load; the ratio is
taken within each pair.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.stats import summary

ROOT = Path(__file__).resolve().parents[1]


def largest_recipe() -> Path:
    """The biggest ``.ftr`` file in recipes/."""
    return max((ROOT / "recipes").glob("*.ftr"), key=lambda p: p.stat().st_size)


def timed(command: list[str]) -> float:
    """Wall-clock seconds of one process, which must succeed."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def benchmark(reps: int, say) -> dict:
    """``reps`` alternating pairs; medians, spreads and the per-pair ratio."""
    recipe = largest_recipe()
    check = [sys.executable, "-m", "ftcore.cli", "check", str(recipe)]
    bare = [sys.executable, "-c", "pass"]
    checks, bares = [], []
    for rep in range(reps):
        say(f"  compile latency {rep + 1}/{reps}")
        pair = [(bare, bares), (check, checks)]
        for command, into in (pair if rep % 2 == 0 else pair[::-1]):
            into.append(timed(command))
    return {"recipe": str(recipe.relative_to(ROOT)), "check_s": summary(checks), "python_s": summary(bares),
            "ratio": summary([c / b for c, b in zip(checks, bares)]), "goal": 3.0}
