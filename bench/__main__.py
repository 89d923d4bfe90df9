"""``python -m bench``: ftcore measured side by side; JSON under bench/results/, the tables in docs/benchmarks.md.

    python -m bench --quick            # tiny sizes, one repetition (a minute or two; the smoke test's run)
    python -m bench --full             # both models, 3 repetitions, more steps (tens of minutes on 2 cores)
    python -m bench --full --only training --reps 5

Runs are interleaved and repeated (see bench/training.py); ratios are taken within a repetition and
reported as median and spread. ``--docs`` rewrites the generated part of docs/benchmarks.md from
the result; a quick run writes its JSON only, unless ``--docs`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench import compile_latency, machine, packing, preparation, training, workloads
from bench.report import render, update_docs

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ("training", "packing", "preparation", "compile")
FULL_ONLY = ("packing", "preparation")


def parse(argv):
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="tiny sizes, one repetition (the default)")
    size.add_argument("--full", action="store_true", help="both models, more steps, 3 repetitions")
    size.add_argument("--gpu", action="store_true", help="a 1B-parameter model in bf16 on the GPU (bench/gpu.sh)")
    p.add_argument("--only", action="append", choices=ITEMS,
                   help="run only these parts (repeatable; default: all, packing and preparation only with --full)")
    p.add_argument("--loops", default=",".join(training.VARIANTS),
                   help="comma-separated loops to compare with ftcore (default: all of %(default)s)")
    p.add_argument("--reps", type=int, default=None, help="repetitions (default 1 quick, 3 full)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results"), help="folder for the JSON result")
    p.add_argument("--work", default=None, help="scratch folder (default: a temporary one, removed afterwards)")
    p.add_argument("--docs", nargs="?", const=str(ROOT / "docs" / "benchmarks.md"), default=None,
                   help="rewrite the generated tables of this file (default docs/benchmarks.md)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    """Run the chosen parts, write the JSON, print the tables."""
    args = parse(argv)
    full = bool(args.full)
    reps = args.reps or (3 if full else 1)
    mode = "gpu" if args.gpu else ("full" if full else "quick")
    items = args.only or [i for i in ITEMS if full or i not in FULL_ONLY]
    if args.gpu:
        items = [i for i in items if i not in FULL_ONLY]
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    key = mode + "".join(f"-{i}" for i in args.only or [])  # which generated part of the docs this result is
    result = {"mode": mode, "key": key, "reps": reps, "machine": machine.describe(),
              "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])}
    try:
        run_parts(args, items, full, reps, result, say)
    except (training.Disagreement, RuntimeError) as exc:
        say(f"error: {exc}")
        return 1
    result["machine"]["load_at_end"] = machine.load_average()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{result['mode']}.json"
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(render(result, shown))
    if args.docs:
        update_docs(Path(args.docs), render(result, shown), key)
        say(f"updated {args.docs}")
    say(f"wrote {path}")
    return 0


def run_parts(args, items, full: bool, reps: int, result: dict, say) -> None:
    """Run the chosen parts into ``result``."""
    with tempfile.TemporaryDirectory(prefix="ftcore-bench-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        if "training" in items:
            chosen = [workloads.tiny_lm(not full)] + ([workloads.minilm(False)] if full else [])
            if args.gpu:
                chosen, full = [workloads.gpu_lm()], True
            result["training"] = []
            for w in chosen:
                say(f"training: {w.name} ({w.describe}), {reps} repetition(s)")
                result["training"].append(training.benchmark(w, work / w.name, reps, 1 if not full else 3, say,
                                                             loops=tuple(args.loops.split(","))))
        if "packing" in items:
            say("packing: packed against padded")
            result["packing"] = [packing.benchmark(work / "packing", reps, 16 if full else 4, say)]
            if full:  # the same model and texts in a context four times longer
                result["packing"].append(packing.benchmark(work / "packing-512", reps, 16, say,
                                                           base=workloads.packing_lm()))
        if "preparation" in items:
            say("preparation: ftcore prepare cold and warm, and the same work in datasets")
            result["preparation"] = preparation.benchmark(work / "preparation", reps, 100_000 if full else 2_000, say)
        if "compile" in items:
            say("compile latency")
            result["compile"] = compile_latency.benchmark(max(reps * 3, 3), say)


if __name__ == "__main__":
    sys.exit(main())
