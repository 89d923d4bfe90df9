"""Items 1 and 2: ftcore against three hand-written loops on the same model, data, batches and seed.

For each workload and repetition, four processes run one after another: ``ftcore run`` under
:mod:`bench.trace_ftcore`, then the DeepSpeed loop, the plain PyTorch loop and the Hugging Face
Trainer (:mod:`bench.baselines`), in an order that rotates with the repetition so that a burst of
load elsewhere on the machine does not always hit the same one. Ratios are taken within a
repetition. The first ftcore run leaves behind the rows, batches, initial weights and DeepSpeed
config that the others train on; each ftcore run starts from an empty cache (a cold start).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.stats import summary, throughput
from bench.workloads import Workload

VARIANTS = ("ftcore", "deepspeed", "torch", "hf_trainer")
ROOT = Path(__file__).resolve().parents[1]
LOSS_TOLERANCE = 1e-3  # relative difference of the final losses
# bf16: ftcore and the DeepSpeed loop step fp32 master weights and compute in bf16; the plain loop and
# the Trainer keep fp32 weights under bf16 autocast, so their losses drift apart by rounding
BF16_TOLERANCE = 3e-2


class Disagreement(Exception):
    """The loops did not train the same thing: their final losses differ."""


def child_env() -> dict[str, str]:
    """One thread per process (the machine is shared); a process group of one for DeepSpeed."""
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), TOKENIZERS_PARALLELISM="false",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    return env


def spawn(command: list[str], record: Path, cwd: Path, log: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run one measured process; its record with the wall time to exit added."""
    spawned = time.time()
    with open(log, "w", encoding="utf-8") as out:
        code = subprocess.call(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                               env=dict(env, BENCH_SPAWN=repr(spawned)))
    wall = time.time() - spawned
    if code != 0 or not record.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed (exit {code}); its output ends with:\n{tail}")
    data = json.loads(record.read_text())
    data["wall_s"] = wall
    return data


def run_variant(variant: str, recipe: Path, folder: Path, rep: int, dump: Path) -> dict[str, Any]:
    """One process of ``variant``; for ftcore also the phases of its run.

    Every process shares one private extension cache, so a DeepSpeed op the plain DeepSpeed loop
    compiles is compiled once per benchmark (in its first process), as on a machine of one's own.
    """
    record = folder / f"{variant}-{rep}.json"
    log = folder / f"{variant}-{rep}.log"
    env = child_env()
    env["TORCH_EXTENSIONS_DIR"] = str(folder.parent / "torch_extensions")
    if variant == "ftcore":
        out, cache = folder / f"run-{rep}", folder / f"cache-{rep}"
        for old in (out, cache):  # every run starts cold, also in a reused --work folder
            shutil.rmtree(old, ignore_errors=True)
        command = [sys.executable, "-m", "bench.trace_ftcore", str(record), str(dump), "--", "run", str(recipe),
                   "--out", str(out), "--cache-dir", str(cache)]
    else:
        if variant == "deepspeed":
            env.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(29500 + rep))
        command = [sys.executable, "-m", "bench.baselines", variant, str(dump), str(record)]
    return spawn(command, record, recipe.parent, log, env)


def measure(record: dict[str, Any], warmup: int) -> dict[str, Any]:
    """What the table shows of one process."""
    steps = record["steps"]
    return {**throughput(steps, warmup), "peak_rss_mb": record["peak_rss_mb"], "wall_s": record["wall_s"],
            "peak_gpu_mb": record.get("peak_gpu_mb"), "info": record.get("info") or {},
            "first_step_s": steps[0]["end"] if steps else None,
            "after_last_step_s": record["wall_s"] - steps[-1]["end"] if steps else None,
            "losses": [s["loss"] for s in steps]}


def phases(record: dict[str, Any]) -> dict[str, float]:
    """Seconds spent in each named phase (summed over calls), and the heavy imports."""
    out: dict[str, float] = {}
    for p in record["phases"]:
        out[p["name"]] = out.get(p["name"], 0.0) + p["end"] - p["start"]
    out["python start-up"] = min((p["start"] for p in record["phases"]), default=0.0)
    for imp in record["imports"]:
        key = f"import {imp['name']}"
        out[key] = out.get(key, 0.0) + imp["seconds"]
    return {k: round(v, 3) for k, v in out.items()}


def check_losses(results: dict[str, list[dict[str, Any]]], loops: tuple[str, ...],
                 tolerance: float = LOSS_TOLERANCE) -> dict[str, float]:
    """The largest relative difference of each loop's final loss from ftcore's; raises past ``tolerance``."""
    worst: dict[str, float] = {}
    for variant in loops[1:]:
        for ours, theirs in zip(results["ftcore"], results[variant]):
            a, b = ours["losses"][-1], theirs["losses"][-1]
            diff = abs(a - b) / max(abs(a), 1e-12)
            worst[variant] = max(worst.get(variant, 0.0), diff)
            if len(ours["losses"]) != len(theirs["losses"]) or diff > tolerance:
                raise Disagreement(f"{variant}: final loss {b:.6f} after {len(theirs['losses'])} steps, ftcore "
                                   f"{a:.6f} after {len(ours['losses'])} (tolerance {tolerance:.0e} relative)")
    return worst


def benchmark(workload: Workload, folder: Path, reps: int, warmup: int, say,
              loops: tuple[str, ...] = VARIANTS) -> dict[str, Any]:
    """All repetitions of one workload with ``loops`` (ftcore first); see the module docstring."""
    recipe = workload.write(folder)
    dump = folder / "dump"
    loops = ("ftcore",) + tuple(v for v in loops if v != "ftcore")
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in loops}
    ftcore_phases = []
    for rep in range(reps):
        order = list(loops[rep % len(loops):] + loops[:rep % len(loops)])
        if rep == 0:
            order = list(loops)  # the first ftcore run writes what the others train on
        for variant in order:
            say(f"  {workload.name} repetition {rep + 1}/{reps}: {variant}")
            record = run_variant(variant, recipe, folder, rep, dump)
            results[variant].append(measure(record, warmup))
            if variant == "ftcore":
                ftcore_phases.append(phases(record))
            else:
                results[variant][-1]["phases"] = phases(record)
    agreement = check_losses(results, loops, BF16_TOLERANCE if workload.precision == "bf16" else LOSS_TOLERANCE)
    table: dict[str, Any] = {}
    for variant in loops:
        runs = results[variant]
        table[variant] = {key: summary([r[key] for r in runs]) for key in
                          ("tokens_per_s", "step_s", "peak_rss_mb", "peak_gpu_mb", "first_step_s", "after_last_step_s",
                           "wall_s")}
        table[variant]["final_loss"] = runs[0]["losses"][-1]
    ratios = {}
    for variant in loops[1:]:
        ratios[variant] = {
            "step_time": summary([a["step_s"] / b["step_s"] for a, b in zip(results["ftcore"], results[variant])
                                  if a["step_s"] and b["step_s"]]),
            "tokens_per_s": summary([a["tokens_per_s"] / b["tokens_per_s"] for a, b in
                                     zip(results["ftcore"], results[variant]) if a["tokens_per_s"] and b["tokens_per_s"]]),
            "peak_rss": summary([a["peak_rss_mb"] / b["peak_rss_mb"] for a, b in
                                 zip(results["ftcore"], results[variant])]),
        }
    names = sorted({k for p in ftcore_phases for k in p})
    info = results["ftcore"][0]["info"]
    return {"workload": workload.name, "describe": workload.describe, "batch": workload.batch,
            "precision": workload.precision, "params": info.get("params"), "gpu": info.get("gpu"),
            "steps": workload.steps, "reps": reps, "warmup_steps": warmup, "variants": table, "ratios": ratios,
            "loss_agreement": agreement, "ftcore_phases": {n: summary([p.get(n, 0.0) for p in ftcore_phases])
                                                           for n in names},
            "baseline_phases": {v: results[v][0].get("phases") for v in loops[1:]}, "raw": results}
