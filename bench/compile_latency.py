"""Item 5: ``ftcore check`` on the largest shipped recipe against ``python -c pass``, as a ratio.

Both commands run as fresh processes, alternating, so each pair sees the same load; the ratio is
taken within each pair. What the processes start from is what an installed ftcore has:

- bytecode: ``pip install`` compiles every module to ``.pyc``; a source checkout gets the same on
  first import, unless ``PYTHONDONTWRITEBYTECODE`` is set (as on some CI machines), in which case
  every process compiles ftcore's ~80 modules from source again. So the harness compiles the
  bytecode first (``compileall``), as an install does, and records whether the variable was set.
- the user cache (:mod:`ftcore.user_cache`: installed plugins' entry points, impl modules' names):
  a private folder, filled by one untimed ``check``. The *first* check after an install or upgrade
  fills it; that cold case is timed too, each time with an empty folder.

A fourth series imports only what a check cannot do without (:data:`FLOOR`: lark, pluggy,
argparse), the lower bound of the ratio while ``check`` is built on them. Then one more series
splits a check into phases, timed inside fresh processes
(:data:`PHASE_PROBE`), to show where the time goes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import summary

ROOT = Path(__file__).resolve().parents[1]
COMPILED = ("ftcore", "plugins", "contrib")  # the source folders a check imports from

# What a check cannot start without: its parser library, its plugin system and its command line.
FLOOR = "import lark, pluggy, argparse"

# Runs in a fresh interpreter: the phases of `ftcore check RECIPE`, each timed, printed as JSON.
PHASE_PROBE = r"""
import json, sys, time
t = [time.perf_counter()]
import lark, lark.lark
t.append(time.perf_counter())
import pluggy
t.append(time.perf_counter())
import ftcore.cli, ftcore.compiler.pipeline as pipeline
from ftcore.compiler.lower import lower
from ftcore.plugins.manager import load_host
t.append(time.perf_counter())
host = load_host()
t.append(time.perf_counter())
recipe, diagnostics, host = pipeline.check_recipe(sys.argv[1], (), host)
t.append(time.perf_counter())
graph = lower(recipe, host, diagnostics)
t.append(time.perf_counter())
assert not diagnostics.errors and len(graph)
names = ["import lark", "import pluggy", "import ftcore (cli, compiler, language)",
         "plugins (entry points, plugin modules, registry)", "parse, resolve and check",
         "lower (stages, DeepSpeed plan, memory plan)"]
print(json.dumps({n: b - a for n, a, b in zip(names, t, t[1:])}))
"""


def largest_recipe() -> Path:
    """The biggest ``.ftr`` file in recipes/."""
    return max((ROOT / "recipes").glob("*.ftr"), key=lambda p: p.stat().st_size)


def compile_bytecode() -> None:
    """Write the ``.pyc`` of every module a check imports, as ``pip install`` does (untimed)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *COMPILED], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def timed(command: list[str], env: dict) -> float:
    """Wall-clock seconds of one process, which must succeed."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def phases(recipe: Path, env: dict) -> dict:
    """Seconds per phase of one check, from :data:`PHASE_PROBE` in a fresh process."""
    out = subprocess.run([sys.executable, "-c", PHASE_PROBE, str(recipe)], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def benchmark(reps: int, say) -> dict:
    """``reps`` alternating rounds (bare, warm check, cold check, floor); medians, spreads, ratios and phases."""
    recipe = largest_recipe()
    compile_bytecode()
    check = [sys.executable, "-m", "ftcore.cli", "check", str(recipe)]
    bare = [sys.executable, "-c", "pass"]
    floor = [sys.executable, "-c", FLOOR]
    checks, colds, bares, floors, split = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="ftcore-bench-user-cache-") as tmp:
        warm_env = dict(os.environ, FTCORE_USER_CACHE=str(Path(tmp) / "warm"))
        timed(check, warm_env)  # fills the user cache, as the first check after installing does
        for rep in range(reps):
            say(f"  compile latency {rep + 1}/{reps}")
            cold_env = dict(os.environ, FTCORE_USER_CACHE=str(Path(tmp) / f"cold-{rep}"))
            series = [(bare, warm_env, bares), (check, warm_env, checks), (check, cold_env, colds),
                      (floor, warm_env, floors)]
            for command, env, into in (series if rep % 2 == 0 else series[::-1]):
                into.append(timed(command, env))
            split.append(phases(recipe, warm_env))
    names = list(split[0]) if split else []
    return {"recipe": str(recipe.relative_to(ROOT)), "check_s": summary(checks), "check_cold_s": summary(colds),
            "python_s": summary(bares), "ratio": summary([c / b for c, b in zip(checks, bares)]),
            "ratio_cold": summary([c / b for c, b in zip(colds, bares)]),
            "floor": FLOOR, "floor_s": summary(floors), "ratio_floor": summary([f / b for f, b in zip(floors, bares)]),
            "phases_s": {n: summary([s[n] for s in split]) for n in names},
            "bytecode": "compiled first (compileall)",
            "PYTHONDONTWRITEBYTECODE": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")), "goal": 3.0}
