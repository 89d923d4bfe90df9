"""``ftcore run``: compile, prepare data, train (in process or through DeepSpeed's launcher), evaluate, export.

The stages before training run here through the executor (and its cache); the train stage runs
in this process, or in worker processes started by :mod:`ftcore.runtime.launch` that read the
prepared cache; the stages after it (evaluate, export) run here again. The run directory holds
``manifest.json``, ``metrics.jsonl``, ``checkpoints/``, ``model/``, the train summary and
``run.log``: what other libraries printed while the run worked (:mod:`ftcore.runtime.capture`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Sequence

EXIT_OK, EXIT_RUN, EXIT_RECIPE = 0, 1, 2


def _console(console):
    if console is not None:
        return console
    from rich.console import Console

    return Console(stderr=True)


def run_command(recipe_path: str, *, overrides: Sequence[str] = (), out: Optional[str] = None, resume: bool = False,
                nproc: Optional[int] = None, hostfile: Optional[str] = None, console=None,
                cache_dir: Optional[str] = None, verbose: bool = False,
                command_line: Optional[Sequence[str]] = None, launcher: str = "pdsh", launcher_args: str = "",
                master_addr: Optional[str] = None, node_timeout: float = 120.0, allow_changes: bool = False,
                host=None) -> int:
    """Run a recipe end to end; returns the exit status (0 ok, 1 the run failed, 2 the recipe is wrong).

    ``resume`` continues the run in ``out`` from its newest complete checkpoint; ``nproc`` /
    ``hostfile`` train through DeepSpeed's launcher. Other libraries' output goes to the run's
    ``run.log`` (and to the screen too with ``verbose``). ``command_line`` is recorded in the
    manifest (default: this process's ``sys.argv``). With ``hostfile``, every node is checked first
    (:mod:`ftcore.runtime.preflight`: exit 2 for a wrong hostfile, 4 for a node that is not ready) and
    workers start through ``launcher``; a node silent for ``node_timeout`` seconds ends the run.
    """
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError, render_all
    from ftcore.plugins.manager import load_host
    from ftcore.runtime.errors import RunError

    console = _console(console)
    if allow_changes and not resume:
        console.print("error: --allow-changes only applies with --resume", markup=False, soft_wrap=True)
        return EXIT_RECIPE
    if resume and not out:
        console.print("error: --resume needs --out DIR, the run directory to continue", markup=False, soft_wrap=True)
        return EXIT_RECIPE
    if nproc is not None and nproc < 1:
        console.print("error: --nproc must be at least 1", markup=False, soft_wrap=True)
        return EXIT_RECIPE
    host = host or load_host()  # tests and ftcore.testing pass a host with plugins defined in code
    try:
        recipe, graph = compile_recipe(recipe_path, list(overrides), host=host)
    except RecipeError as err:
        console.print(render_all(err.diagnostics, getattr(err, "sources", None)), markup=False, highlight=False, soft_wrap=True)
        return EXIT_RECIPE
    if recipe.warnings:
        console.print(render_all(recipe.warnings, recipe.sources), markup=False, highlight=False, soft_wrap=True)
    if not graph.order():
        console.print(f"error: {recipe_path}: the recipe has no stage to run (no data, model or train block)",
                      markup=False, highlight=False, soft_wrap=True)
        console.print("  = help: add a data block, and a model and a train block to train (ftcore describe train)",
                      markup=False, highlight=False, soft_wrap=True)
        return EXIT_RECIPE
    plan = None
    if hostfile:
        from ftcore.runtime.preflight import check_nodes

        plan, status = check_nodes(hostfile, graph, host, recipe_path=recipe_path, out=out, cache_dir=cache_dir,
                                   nproc=nproc, launcher=launcher, launcher_args=launcher_args,
                                   master_addr=master_addr, node_timeout=node_timeout,
                                   say=lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True))
        if plan is None:
            return status
    elif nproc and nproc > 1:
        from ftcore.runtime.launch import LaunchPlan

        plan = LaunchPlan(node_timeout=node_timeout)  # one machine: a silent worker ends the run all the same
    try:
        return _run(recipe_path, recipe, graph, host, list(overrides), out, resume, nproc, hostfile, console,
                    cache_dir, verbose, command_line, plan, allow_changes=allow_changes)
    except RunError as exc:
        console.print(exc.render(), markup=False, highlight=False, soft_wrap=True)
        signum = getattr(getattr(exc, "error", exc), "signum", None)  # stopped by a signal: 128 + its number
        return 128 + signum if signum else EXIT_RUN


def _run(recipe_path, recipe, graph, host, overrides, out, resume, nproc, hostfile, console, cache_dir, verbose,
         command_line, plan=None, allow_changes=False) -> int:
    from ftcore.runtime.capture import OutputCapture
    from ftcore.runtime.errors import RunError
    from ftcore.runtime.rundir import choose_run_dir

    block = recipe.block("recipe")
    seed = block.get("seed", 42) if block is not None else 42
    run_dir = choose_run_dir(recipe.name, out)
    if resume and not (run_dir / "manifest.json").is_file():
        raise RunError(f"{run_dir} holds no run to resume", "give --out the folder of an earlier run")
    if not resume and run_dir.exists() and any(run_dir.iterdir()):
        raise RunError(f"{run_dir} already holds files", "choose another --out folder, or add --resume to continue")
    run_dir.mkdir(parents=True, exist_ok=True)
    say = lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    capture = OutputCapture(run_dir / "run.log", verbose=verbose, console=console, note=say)
    with capture:
        values, cache = _run_stages(recipe_path, recipe, graph, host, overrides, run_dir, resume, nproc, hostfile,
                                    console, cache_dir, capture, command_line, seed, plan, explicit_out=bool(out),
                                    allow_changes=allow_changes)
    remove_empty_folders(run_dir / "stages")
    _report(values, graph, run_dir, cache, capture, console)
    return EXIT_OK


def _run_stages(recipe_path, recipe, graph, host, overrides, run_dir, resume, nproc, hostfile, console, cache_dir,
                capture, command_line, seed, plan=None, explicit_out=False, allow_changes=False):
    """Every stage of the graph, training in this process or in workers; returns the values and the cache."""
    import sys

    from ftcore.runtime.cache import default_cache_dir
    from ftcore.runtime.errors import RunError
    from ftcore.runtime.executor import Executor, import_impl
    from ftcore.runtime.resume_check import check_resume, data_files, training_stages
    from ftcore.runtime.rundir import build_manifest, write_json

    cache = Path(cache_dir).resolve() if cache_dir else default_cache_dir(recipe_path)
    distributed = bool((nproc and nproc > 1) or hostfile)
    executor = Executor(graph, cache, run_dir=run_dir, recipe=recipe, hook=host.hook, seed=seed,
                        options={"console": console, "resume": resume}, plugins=host.registry.plugins,
                        logger=lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True))
    manifest = build_manifest(recipe, graph, host, seed=seed, command={
        "argv": list(command_line if command_line is not None else sys.argv), "cwd": str(Path.cwd()),
        "overrides": overrides, "nproc": nproc or 1, "hostfile": hostfile, "resume": resume, "cache": str(cache)},
        processes=nproc or 1)
    manifest["data_files"] = data_files(graph, training_stages(manifest["graph"]))
    if resume:
        manifest = check_resume(run_dir, manifest, allow_changes=allow_changes,
                                say=lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True))
    write_json(run_dir / "manifest.json", manifest)
    train = graph.get("train")
    values: dict[str, dict[str, Any]] = {}
    if train is None:
        values = executor.run()
        _data_summary(recipe, values, graph, console)
    else:
        # Everything training does not depend on runs first too (other data blocks, a plugin's
        # audit stage): a stage in the graph is never skipped, and its mistakes cost no training.
        after = _downstream(graph, "train")
        before = [s.id for s in graph.order() if s.id != "train" and s.id not in after]
        values.update(executor.run(before) if before else {})
        _data_summary(recipe, values, graph, console)
        if distributed:
            outcome = _train_distributed(recipe_path, run_dir, cache, overrides, resume, nproc, hostfile, graph,
                                         console, capture, plan)
            if outcome.code != 0:
                from ftcore.runtime.launch import failure_error

                raise failure_error(outcome, run_dir, resumable_run=explicit_out)
            values["train"] = import_impl(train.impl).outputs_from_run(run_dir)
        else:
            values["train"] = executor.run_stage(train, _inputs(train, values))
        for stage in graph.order():
            if stage.id in values or stage.id not in after:
                continue
            missing = [ref for ref in stage.inputs.values() if ref.rpartition(".")[0] not in values]
            if missing:
                values.update(executor.run([ref.rpartition(".")[0] for ref in missing]))
            values[stage.id] = executor.run_stage(stage, _inputs(stage, values))
    manifest["finished"] = __import__("time").strftime("%Y-%m-%dT%H:%M:%S")
    write_json(run_dir / "manifest.json", manifest)
    return values, cache


def _data_summary(recipe, values, graph, console) -> None:
    """The summary ``ftcore prepare`` prints of each data block: rows read, dropped (with the first bad
    rows and where they are), cleaned, split and tokenized, so no row is left out without a word."""
    from ftcore.runtime.prepare import print_summary

    for block in recipe.blocks_of("data"):
        print_summary(console, block.label, values, graph)


def remove_empty_folders(root: Path) -> None:
    """Remove ``root`` and the folders under it that hold no file (stages that wrote nothing there)."""
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not any(root.iterdir()):
        root.rmdir()


def _downstream(graph, sid: str) -> set[str]:
    """Ids of the stages that read, directly or not, from stage ``sid``."""
    found: set[str] = set()
    for stage in graph.order():
        if any(up == sid or up in found for up in stage.upstream()):
            found.add(stage.id)
    return found


def _inputs(stage, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for name, ref in stage.inputs.items():
        sid, _, key = ref.rpartition(".")
        out[name] = values[sid][key]
    return out


def _train_distributed(recipe_path, run_dir, cache, overrides, resume, nproc, hostfile, graph, console,
                       capture, plan=None):
    """Make sure every stage the workers read is in the cache, then start them.

    The workers' output comes back through a pipe: rank 0's display lines (marked by
    :data:`ftcore.runtime.capture.CONSOLE_MARK`) are printed, everything else goes to ``run.log``.
    """
    from ftcore.runtime.cache import StageCache
    from ftcore.runtime.capture import CONSOLE_MARK
    from ftcore.runtime.errors import RunError
    from ftcore.runtime.launch import launch_workers

    def route(line: str) -> None:
        if line.startswith(CONSOLE_MARK):
            console.print(line[len(CONSOLE_MARK):].rstrip("\n"), markup=False, highlight=False, soft_wrap=True)
        else:
            capture.write(line)
            if capture.verbose:
                capture.echo(line)

    store = StageCache(cache)
    for sid in graph["train"].upstream():
        if not store.is_complete(graph[sid]):
            raise RunError(f'stage "{sid}" cannot be shared with worker processes: it is not cached',
                           "its plugin must give the stage a load() so workers can read it")
    return launch_workers(recipe_path, run_dir, cache, overrides, resume=resume, nproc=nproc, hostfile=hostfile,
                          output=route, plan=plan)


def print_evaluations(values: dict[str, dict[str, Any]], graph, console) -> None:
    """Print each evaluate stage's metrics, the starting model's with ``baseline true``, and the majority baseline."""
    for stage in graph.order():
        if stage.kind != "evaluate" or stage.id not in values:
            continue
        m = values[stage.id]["metrics"]
        shown = "  ".join(f"{k} {v:.4f}" for k, v in m.items() if isinstance(v, float) and k != "majority_baseline")
        console.print(f"{m['split']} ({m['examples']} examples): {shown}", markup=False, highlight=False, soft_wrap=True)
        if isinstance(m.get("baseline"), dict):
            base, gain = m["baseline"], m.get("gain") or {}
            pairs = "  ".join(f"{k} {base[k]:.4f} -> {m[k]:.4f} ({gain[k]:+.4f})" for k in gain)
            console.print(f"  starting model -> fine-tuned: {pairs}", markup=False, highlight=False, soft_wrap=True)
        if "majority_baseline" in m and "accuracy" in m:
            console.print(f"  accuracy {m['accuracy']:.4f} vs majority-class baseline {m['majority_baseline']:.4f}",
                          markup=False, highlight=False, soft_wrap=True)


def _report(values: dict[str, dict[str, Any]], graph, run_dir: Path, cache: Path, capture, console) -> None:
    """Print the evaluations (with the majority-class baseline for classifiers) and where everything went."""
    print_evaluations(values, graph, console)
    summary = values.get("train", {}).get("summary")
    if summary:
        note = " (stopped early, best checkpoint restored)" if summary.get("restored") else \
            (" (stopped early)" if summary.get("stopped_early") else "")
        console.print(f"trained {summary['steps']} steps in {summary['seconds']:.0f}s{note}", markup=False,
                      highlight=False)
    say = lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    say(f"run directory: {run_dir}")
    held = sorted(p.name + ("/" if p.is_dir() else "") for p in run_dir.iterdir()
                  if p.name != "run.log" and not p.name.startswith("."))
    say(f"  {', '.join(held)}; run.log: {capture.lines} line(s) of other libraries' output (--verbose shows them)")
    if (run_dir / "report.html").is_file():
        say(f"report: {run_dir / 'report.html'}")
    for stage in graph.order():
        if stage.kind == "export" and stage.id in values:
            say(f"exported: {values[stage.id]['path']}")
    say(f"stage cache: {cache}")
