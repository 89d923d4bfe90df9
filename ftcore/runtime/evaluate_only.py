"""``ftcore eval RECIPE --model RUN_DIR|MODEL_DIR``: a recipe's evaluate blocks on a model, without training.

The recipe's data stages run as in ``ftcore run`` (from the stage cache when prepared before);
every ``evaluate`` stage then runs with the given model in place of the one training would save:
a trained run's ``model/``, an export, or any compatible folder in the Hugging Face layout. The
results go to a new run directory (``metrics.jsonl``, ``predictions/``, ``run.log`` and a
manifest naming the model), and the metrics are printed as at the end of a run. A model whose
task or labels differ from the recipe's is refused with what differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from ftcore.runtime.errors import RunError
from ftcore.runtime.predict import model_folder

EXIT_OK, EXIT_RUN, EXIT_RECIPE = 0, 1, 2


def _saved_facts(folder: Path) -> dict[str, Any]:
    """``ftcore_model.json`` of a folder ftcore wrote (task, label names), or {}."""
    info = folder / "ftcore_model.json"
    return json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}


def eval_command(recipe_path: str, model: str, *, overrides: Sequence[str] = (), out: Optional[str] = None,
                 console=None, cache_dir: Optional[str] = None, verbose: bool = False,
                 command_line: Optional[Sequence[str]] = None, host=None) -> int:
    """Evaluate ``model`` on the recipe's evaluate blocks; returns the exit status (2: recipe or command line)."""
    from rich.console import Console

    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError, render_all
    from ftcore.plugins.errors import PluginError
    from ftcore.plugins.manager import load_host

    console = console or Console(stderr=True, highlight=False)
    say = lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    host = host or load_host()
    try:
        recipe, graph = compile_recipe(recipe_path, list(overrides), host=host)
    except RecipeError as err:
        say(render_all(err.diagnostics, getattr(err, "sources", None)))
        return EXIT_RECIPE
    stages = [s for s in graph.order() if s.kind == "evaluate"]
    if not stages:
        say(f"error: {recipe_path}: the recipe has no evaluate block, so there is nothing to evaluate")
        say("  = help: add one, e.g. evaluate tickets.test { metrics accuracy } (ftcore describe evaluate)")
        return EXIT_RECIPE
    folder = model_folder(Path(model))
    if not (folder / "config.json").is_file():
        say(f"error: {model}: no model here (no config.json)")
        say("  = help: give a run directory (runs/<recipe>/<run id>) or a model folder in the Hugging Face layout")
        return EXIT_RECIPE
    task = stages[0].params.get("task")
    saved = _saved_facts(folder)
    if saved.get("task") and task and saved["task"] != task:
        say(f"error: {folder} holds a {saved['task']} model, but the recipe's task is {task}")
        say("  = help: evaluate it with a recipe of the same task")
        return EXIT_RECIPE
    try:
        return _evaluate(recipe_path, recipe, graph, host, stages, folder, saved, list(overrides), out, console,
                         cache_dir, verbose, command_line)
    except (RunError, PluginError) as exc:
        say(exc.render())
        return 5 if isinstance(exc, PluginError) else EXIT_RUN


def _evaluate(recipe_path, recipe, graph, host, stages, folder, saved, overrides, out, console, cache_dir, verbose,
              command_line) -> int:
    from ftcore.runtime.cache import default_cache_dir
    from ftcore.runtime.capture import OutputCapture
    from ftcore.runtime.executor import Executor
    from ftcore.runtime.run import _inputs, print_evaluations, remove_empty_folders
    from ftcore.runtime.rundir import build_manifest, choose_run_dir, write_json

    say = lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    block = recipe.block("recipe")
    seed = block.get("seed", 42) if block is not None else 42
    run_dir = choose_run_dir(recipe.name, out)
    if run_dir.exists() and any(run_dir.iterdir()):
        raise RunError(f"{run_dir} already holds files", "choose another --out folder")
    run_dir.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir).resolve() if cache_dir else default_cache_dir(recipe_path)
    manifest = build_manifest(recipe, graph, host, seed=seed, command={
        "argv": list(command_line if command_line is not None else sys.argv), "cwd": str(Path.cwd()),
        "overrides": overrides, "evaluated_model": str(folder.resolve()), "cache": str(cache)})
    write_json(run_dir / "manifest.json", manifest)
    executor = Executor(graph, cache, run_dir=run_dir, recipe=recipe, hook=host.hook, seed=seed,
                        options={"console": console}, plugins=host.registry.plugins, logger=say)
    values: dict[str, dict[str, Any]] = {"train": {"model": str(folder)}}
    with OutputCapture(run_dir / "run.log", verbose=verbose, console=console, note=say):
        for stage in stages:
            needed = sorted({ref.rpartition(".")[0] for ref in stage.inputs.values()} - set(values))
            if needed:
                values.update(executor.run(needed))
            inputs = _inputs(stage, values)
            _check_labels(folder, saved, inputs.get("info") or {}, stage)
            values[stage.id] = executor.run_stage(stage, inputs)
    remove_empty_folders(run_dir / "stages")
    print_evaluations(values, graph, console)
    say(f"evaluated {folder}")
    say(f"run directory: {run_dir}")
    say("  manifest.json, metrics.jsonl, predictions/, run.log")
    return EXIT_OK


def _check_labels(folder: Path, saved: dict[str, Any], info: dict[str, Any], stage) -> None:
    """A classifier must name the data's labels in the same order, or its class ids mean other labels."""
    data = [str(x) for x in info.get("label_names") or []]
    if not data:
        return
    mine = [str(x) for x in saved.get("label_names") or []]
    if not mine:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        names = config.get("id2label") or {}
        mine = [str(names[k]) for k in sorted(names, key=int)]
    if mine and mine != data:
        raise RunError(f"{folder}: the model's labels ({', '.join(mine)}) are not the labels of {stage.params['split']} "
                       f"({', '.join(data)})", "evaluate a model trained on this data's labels, in the same order")
