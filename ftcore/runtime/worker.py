"""A training worker started by DeepSpeed's launcher: ``python -m ftcore.runtime.worker --recipe R ...``.

It compiles the recipe again, checks its fingerprints against the run's manifest, loads the
prepared stages the train stage reads from the stage cache, and runs the train stage.

Its standard output goes back to ``ftcore run`` through a pipe: the lines of ftcore's console
(rank 0's display, every rank's errors) are marked and shown; every other line is other
libraries' output, which ``ftcore run`` writes to ``run.log``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Optional, Sequence


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The worker's arguments (written by :func:`ftcore.runtime.launch.worker_args`)."""
    p = argparse.ArgumentParser(prog="python -m ftcore.runtime.worker")
    p.add_argument("--recipe", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--cache", required=True)
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--resume", action="store_true")
    p.add_argument("--local_rank", type=int, default=None, help=argparse.SUPPRESS)  # some launchers pass it
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the train stage of the recipe in this process (one of several)."""
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError
    from ftcore.plugins.errors import PluginError
    from ftcore.plugins.manager import load_host
    from ftcore.runtime.context import StageContext
    from ftcore.runtime.errors import RunError
    from ftcore.runtime.executor import import_impl, load_stage_outputs
    from ftcore.runtime.hashing import fingerprint_with_content

    from rich.console import Console

    from ftcore.runtime.capture import MarkedStream, disable_progress_bars, quiet_environment

    args = parse_args(argv)
    rank = int(os.environ.get("RANK", "0"))
    run_dir = Path(args.run_dir)
    quiet_environment()
    marked = Console(file=MarkedStream(sys.stdout), force_terminal=False, highlight=False, soft_wrap=True)
    say = lambda m: marked.print(m, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    try:
        disable_progress_bars()
        host = load_host()
        recipe, graph = compile_recipe(args.recipe, args.set, host=host)
        fingerprint_with_content(graph)
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        expected = {s["id"]: s["fingerprint"] for s in manifest["graph"]["stages"]}
        stage = graph["train"]
        changed = [s.id for s in graph.order() if expected.get(s.id) != s.fingerprint]
        if changed:
            raise RunError(f"the recipe or its data changed since the run started: {', '.join(changed)}",
                           "start the run again")
        seed = manifest.get("seed", 0)
        cache = Path(args.cache)
        outputs: dict[str, dict] = {}
        for sid in stage.upstream():
            outputs[sid] = load_stage_outputs(graph, sid, cache, recipe=recipe, seed=seed)
        inputs = {}
        for name, ref in stage.inputs.items():
            sid, _, out = ref.rpartition(".")
            inputs[name] = outputs[sid][out]
        console = marked if rank == 0 else None
        out_dir = run_dir / "stages" / stage.id
        out_dir.mkdir(parents=True, exist_ok=True)
        ctx = StageContext(output_dir=out_dir, cache_dir=cache, run_dir=run_dir, seed=seed, recipe=recipe,
                           graph=graph, hook=host.hook, options={"console": console, "resume": args.resume},
                           stage_id=stage.id)
        import_impl(stage.impl).run(stage, inputs, ctx)
    except RunError as exc:
        say(f"[rank {rank}] " + exc.render())
        return 1
    except PluginError as exc:
        say(f"[rank {rank}] " + exc.render())
        return 5
    except RecipeError as err:
        from ftcore.lang.diagnostics import render_all

        say(render_all(err.diagnostics, getattr(err, "sources", None)))
        return 2
    return 0


def main_with_status(argv: Optional[Sequence[str]] = None) -> int:
    """:func:`main`, with this worker's rank, node and liveness kept in ``RUN_DIR/workers/`` for ``ftcore run``."""
    from ftcore.runtime.liveness import WorkerBeacon
    from ftcore.runtime.ranks import adopt_launcher_env, node_name

    adopt_launcher_env()
    rank = int(os.environ.get("RANK", "0"))
    beacon = WorkerBeacon(Path(parse_args(argv).run_dir), rank, node_name(rank)).start()
    try:
        code = main(argv)
    except BaseException as exc:
        beacon.end("failed", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        raise
    beacon.end("finished" if code == 0 else "failed", "" if code == 0 else f"exit status {code}")
    return code


if __name__ == "__main__":  # pragma: no cover
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]  # started as a file (Slurm): this folder must not shadow top-level modules
    sys.exit(main_with_status())
