"""Every hook in ftcore/plugins/hookspecs.py is called, with its arguments, when a recipe runs.

A recording plugin implements every hook the spec module declares (read from the specs, so a new
hook is covered without editing this file) and one tiny recipe runs end to end through
``run_command``: check, lower, passes, every stage, training with evaluation and checkpoints, an
``evaluate`` block and an export. A hook that no run calls fails here by name; if a hook can only
fire in special circumstances, give it a test of its own and name that test in ``ELSEWHERE``.
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from ftcore.plugins import hookdoc, hookimpl, hookspecs

from tiny_recipes import write_recipe

pytest.importorskip("deepspeed")

TESTS = Path(__file__).resolve().parents[1]

# hook name -> "tests/path.py::test_name" of the test that makes it fire (ftcore predict, not ftcore run).
ELSEWHERE: dict[str, str] = {
    "ftcore_load_predictor": "tests/runtime/test_predict.py::test_classifier_answers_match_the_runs_evaluation_from_every_input_format",
}


def recording_plugin(calls: list[tuple[str, dict]]):
    """A plugin object with one implementation per hook spec, each recording its keyword arguments."""
    plugin = type("Recorder", (), {})()
    for name in hookdoc.hook_names():
        argnames = list(inspect.signature(getattr(hookspecs, name)).parameters)
        # pluggy passes an implementation the arguments its signature names, so each needs the spec's own
        source = f"def {name}({', '.join(argnames)}):\n    calls.append(({name!r}, dict({', '.join(f'{a}={a}' for a in argnames)})))\n"
        namespace = {"calls": calls}
        exec(compile(source, f"<recorder {name}>", "exec"), namespace)  # test-only: a function per spec
        setattr(plugin, name, hookimpl(namespace[name]))
    return plugin


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The hook calls of one tiny end-to-end run, and its run directory."""
    import torch
    from rich.console import Console

    import ftcore.plugins.manager as manager
    from ftcore.runtime.run import run_command

    folder = tmp_path_factory.mktemp("hooks")
    calls: list[tuple[str, dict]] = []
    recipe = write_recipe(folder, "classification", train="max_steps 4  eval_every 2  checkpoint_every 2",
                          evaluate="evaluate d.test { metrics accuracy }", export='export hf("exported") {}')
    original = manager.load_host
    manager.load_host = lambda *a, **k: original(*a, extra=[("recorder", recording_plugin(calls))], **k)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        code = run_command(str(recipe), out=str(folder / "run"), console=Console(file=open(folder / "log.txt", "w")))
    finally:
        manager.load_host = original
        torch.set_num_threads(before)
    assert code == 0, (folder / "log.txt").read_text()[-3000:]
    return calls, folder / "run"


def of(calls, name):
    return [kwargs for hook, kwargs in calls if hook == name]


@pytest.mark.parametrize("name", hookdoc.hook_names())
def test_the_hook_is_called_when_a_recipe_runs(name, recorded):
    calls, _ = recorded
    if name in ELSEWHERE:
        path, _, test = ELSEWHERE[name].partition("::")
        tree = ast.parse((TESTS.parent / path).read_text(encoding="utf-8"))
        assert test in {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}, ELSEWHERE[name]
        return
    assert of(calls, name), f"no run calls {name}: call it, or test it elsewhere and name the test in ELSEWHERE"


def test_hook_arguments_describe_what_happened(recorded):
    calls, run_dir = recorded
    assert of(calls, "ftcore_register_components")[0]["register"] is not None
    lowered = {s.id for s in of(calls, "ftcore_graph_pass")[0]["graph"]}
    started = [c["stage"].id for c in of(calls, "ftcore_stage_start")]
    ended = [c["stage"].id for c in of(calls, "ftcore_stage_end")]
    assert "train" in started and "train" in ended and set(ended) <= lowered
    assert all(isinstance(c["cached"], bool) and isinstance(c["outputs"], Mapping)
               for c in of(calls, "ftcore_stage_end"))
    engine = of(calls, "ftcore_build_engine")
    assert len(engine) == 1 and engine[0]["config"]["train_batch_size"] == 4 and engine[0]["param_groups"]
    steps = of(calls, "ftcore_train_step_end")
    logged = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [(c["step"], c["total"], c["metrics"]["loss"]) for c in steps] == \
        [(r["step"], 4, r["loss"]) for r in logged if "split" not in r]
    assert all(c["run_dir"] == run_dir for c in steps)
    evals = [(c["split"], c["step"]) for c in of(calls, "ftcore_evaluation_end")]
    assert evals == [("eval", 2), ("eval", 4), ("d.test", None)]
    saved = [(c["step"], c["path"].name) for c in of(calls, "ftcore_checkpoint_saved")]
    assert saved == [(2, "step-0000002"), (4, "step-0000004")]
    assert all((run_dir / "checkpoints" / name).is_dir() for _, name in saved)
