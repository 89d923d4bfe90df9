"""Item 6: memory per process under ZeRO 0-3 with two processes, measured against ftcore's plan.

    python -m bench.zero_memory [--layers 8 --hidden 768]      (about 57M parameters by default)

For each stage, two processes (gloo on CPUs, nccl on GPUs) build the model as ftcore does (the
``tiny`` Llama of :mod:`ftcore_hf.sources`, random weights, the seed first), wrap it with
``deepspeed.initialize`` using the config ftcore generates for ``deepspeed(zero: N)``
(:mod:`ftcore_train.dsconfig`), and take two optimizer steps on one short sequence, so that
activations are negligible; the reading is taken after the second backward pass, before its
optimizer step, when weights, gradients and optimizer states all exist. A one-layer model runs a
forward and backward pass first, so that the libraries' own memory (modeling code, kernels) is in
place before the baseline reading. The plan is :func:`ftcore_train.memory_plan.plan` for the
same parameter count, stage and process count.

Each process reports two readings, each less the same reading taken before the model was built:

- live: the memory its tensors hold, the quantity the plan predicts. On a GPU it is
  ``torch.cuda.memory_allocated``; on CPUs it is the resident memory after glibc's
  ``malloc_trim(0)`` has handed the freed heap back to the system, its CPU counterpart;
- resident: what the process held at that moment, freed memory the allocator keeps for reuse
  included (``torch.cuda.memory_reserved`` on a GPU; on CPUs, glibc keeps freed tensors of up
  to 32 MiB in its heap, so the transient tensors of a step — gathered ZeRO-3 parameters,
  per-parameter gradients — stay resident between steps);

and its peak (``ru_maxrss``, ``torch.cuda.max_memory_allocated``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    """Resident memory now, in MiB (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def live_rss_mb() -> Optional[float]:
    """Resident memory after glibc hands its freed heap back (``malloc_trim(0)``); None without glibc."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return rss_mb()


def readings(cuda: bool) -> tuple[Optional[float], float]:
    """(live, resident) memory now in MiB: see the module docstring."""
    import torch

    if cuda:
        torch.cuda.synchronize()
        return torch.cuda.memory_allocated() / 2**20, torch.cuda.memory_reserved() / 2**20
    resident = rss_mb()
    return live_rss_mb(), resident


def worker(stage: int, layers: int, hidden: int, precision: str, out: Path) -> None:
    """One process of the measurement (its rank comes from the environment)."""
    import torch

    from ftcore_hf.sources import TinySource
    from ftcore_train import dsconfig
    from ftcore_train.engine import build_engine, init_distributed, partitioned_construction, shutdown
    from ftcore_train.loop import hidden_size

    rank, world = init_distributed()
    cuda = torch.cuda.is_available()
    settings = dsconfig.Settings(zero=stage, batch=1, lr=1e-4, precision=precision)
    config = dsconfig.finalize(dsconfig.generate(settings), settings, world)
    args = dict(arch="llama", layers=layers, hidden=hidden, heads=max(1, hidden // 64), intermediate=hidden * 8 // 3)
    import deepspeed.runtime.zero.stage3  # noqa: F401  (libraries' own memory is not model state)
    import deepspeed.runtime.zero.stage_1_and_2  # noqa: F401

    warm = TinySource().model(dict(args, layers=1, hidden=64, heads=1, intermediate=64), task="causal_lm")
    warm(input_ids=torch.ones((1, 4), dtype=torch.long), labels=torch.ones((1, 4), dtype=torch.long)).loss.backward()
    del warm
    before, before_resident = readings(cuda)
    torch.manual_seed(0)
    with partitioned_construction(config):  # ZeRO 3: each process builds only its partition, as a run does
        model = TinySource().model(args, task="causal_lm")
    if precision == "bf16":
        model = model.to(torch.bfloat16)
    config = dsconfig.size_buckets(config, hidden_size(model))  # as the train stage sizes them
    psi = sum(getattr(p, "ds_numel", p.numel()) for p in model.parameters())
    built, _ = readings(cuda)
    engine = build_engine(model, config, [{"params": [p for p in model.parameters()], "weight_decay": 0.0}],
                          lambda step: 1.0)
    ids = torch.randint(4, 260, (1, 16), device=engine.device)
    for step in range(2):
        loss = engine(input_ids=ids, labels=ids).loss
        engine.backward(loss)
        if step == 1:  # weights, gradients and optimizer states all exist now
            after, after_resident = readings(cuda)
        engine.step()
    if cuda:
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps({"rank": rank, "world": world, "psi": psi, "before_mb": before, "built_mb": built,
                               "after_mb": after, "before_resident_mb": before_resident,
                               "after_resident_mb": after_resident, "peak_mb": peak,
                               "peak_base_mb": before if cuda else before_resident,
                               "device": "cuda" if cuda else "cpu"}))
    shutdown(engine)


def measure(stage: int, layers: int, hidden: int, precision: str, nproc: int, folder: Path) -> list[dict]:
    """Start ``nproc`` workers for ``stage``; their reports."""
    port = str(29600 + stage)
    procs = []
    for rank in range(nproc):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1",
                   MASTER_PORT=port, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
                   TORCH_EXTENSIONS_DIR=str(folder / "torch_extensions"),
                   PYTHONPATH=os.pathsep.join([str(ROOT / "plugins"), str(ROOT)]))
        out = folder / f"zero{stage}-rank{rank}.json"
        procs.append((out, subprocess.Popen([sys.executable, "-m", "bench.zero_memory", "--worker", str(stage),
                                             "--layers", str(layers), "--hidden", str(hidden), "--precision",
                                             precision, "--report", str(out)], cwd=ROOT, env=env,
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    reports = []
    for out, proc in procs:
        log, _ = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"ZeRO {stage} worker failed (exit {proc.returncode}):\n{log[-3000:]}")
        reports.append(json.loads(out.read_text()))
    return reports


def benchmark(layers: int, hidden: int, precision: str, nproc: int, folder: Path, say,
              stages: tuple[int, ...] = (0, 1, 2, 3)) -> dict:
    """Every stage: measured memory against the plan."""
    from ftcore_train.memory_plan import plan

    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for stage in stages:
        say(f"  ZeRO {stage}, {nproc} processes")
        reports = measure(stage, layers, hidden, precision, nproc, folder)
        psi = reports[0]["psi"]
        planned = plan(psi, psi, stage, precision, nproc)["total"] / 2**20
        resident = max(r["after_resident_mb"] - r["before_resident_mb"] for r in reports)
        live = [r["after_mb"] - r["before_mb"] for r in reports if r["after_mb"] is not None]
        steady = max(live) if len(live) == len(reports) else resident  # no glibc: resident is all there is
        peak = max(r["peak_mb"] - r["peak_base_mb"] for r in reports)
        rows.append({"zero": stage, "params": psi, "planned_mb": planned, "steady_mb": steady,
                     "resident_mb": resident, "peak_mb": peak, "steady_over_plan": steady / planned,
                     "resident_over_plan": resident / planned, "device": reports[0]["device"], "ranks": reports})
        say(f"  ZeRO {stage}: {psi / 1e6:.1f}M parameters, plan {planned:.0f} MiB, at the second backward live "
            f"{steady:.0f} MiB ({steady / planned:.2f} × plan), resident {resident:.0f} MiB "
            f"({resident / planned:.2f} × plan), peak {peak:.0f} MiB")
    return {"layers": layers, "hidden": hidden, "precision": precision, "processes": nproc, "stages": rows}


def main(argv=None) -> int:
    """Run the measurement (or, with --worker, one process of it)."""
    p = argparse.ArgumentParser(prog="python -m bench.zero_memory")
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--hidden", type=int, default=768)
    p.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    p.add_argument("--nproc", type=int, default=2)
    p.add_argument("--stages", default="0,1,2,3", help="ZeRO stages to measure (comma-separated)")
    p.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--report", default=None, help=argparse.SUPPRESS)
    p.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = p.parse_args(argv)
    if args.worker is not None:
        worker(args.worker, args.layers, args.hidden, args.precision, Path(args.report))
        return 0
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ftcore-zero-") as tmp:
        result = benchmark(args.layers, args.hidden, args.precision, args.nproc, Path(tmp),
                           lambda m: print(m, file=sys.stderr, flush=True),
                           tuple(int(s) for s in args.stages.split(",")))
    from bench import machine

    result["machine"] = machine.describe()
    path = Path(args.out) / f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-zero.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    for row in result["stages"]:
        print(f"ZeRO {row['zero']}: plan {row['planned_mb']:.0f} MiB, at the second backward live "
              f"{row['steady_mb']:.0f} MiB ({row['steady_over_plan']:.2f} × plan), resident "
              f"{row['resident_mb']:.0f} MiB ({row['resident_over_plan']:.2f} × plan), peak {row['peak_mb']:.0f} MiB")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
