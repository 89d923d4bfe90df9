"""``ftcore eval RECIPE --model ...``: the recipe's evaluate blocks on a trained model, without training.

Evaluating a run's own model must give exactly the numbers and predictions the run reported;
a model of another task, or with other labels, is refused with what differs.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from tiny_recipes import read_metrics, write_recipe

pytest.importorskip("torch")


def cli(*argv) -> tuple[int, str]:
    from rich.console import Console

    import ftcore.cli as cli_module
    from ftcore.runtime.evaluate_only import eval_command

    args = cli_module.build_parser().parse_args(["eval", *argv])
    out = io.StringIO()
    status = eval_command(args.recipe, args.model, overrides=args.set, out=args.out,
                          console=Console(file=out, width=200), cache_dir=args.cache_dir)
    return status, out.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny classifier recipe and its finished run."""
    import torch
    from rich.console import Console

    from ftcore.runtime.run import run_command

    folder = tmp_path_factory.mktemp("eval")
    recipe = write_recipe(folder, "classification", train="max_steps 6",
                          evaluate="evaluate d.test { metrics accuracy, f1  baseline true }")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    out = io.StringIO()
    try:
        status = run_command(str(recipe), out=str(folder / "run"), console=Console(file=out, width=200))
    finally:
        torch.set_num_threads(before)
    assert status == 0, out.getvalue()
    return recipe, folder / "run"


def test_evaluating_a_runs_model_reproduces_its_numbers_and_predictions(trained, tmp_path):
    recipe, run_dir = trained
    status, printed = cli(str(recipe), "--model", str(run_dir), "--out", str(tmp_path / "ev"))
    assert status == 0, printed
    (mine,) = [r for r in read_metrics(tmp_path / "ev") if r.get("split") == "d.test"]
    (theirs,) = [r for r in read_metrics(run_dir) if r.get("split") == "d.test"]
    assert mine == theirs
    assert (tmp_path / "ev" / "predictions" / "d.test.jsonl").read_text() == \
        (run_dir / "predictions" / "d.test.jsonl").read_text()
    manifest = json.loads((tmp_path / "ev" / "manifest.json").read_text())
    assert manifest["command"]["evaluated_model"] == str((run_dir / "model").resolve())
    assert "d.test (10 examples): loss" in printed and f"run directory: {tmp_path / 'ev'}" in printed
    assert not (tmp_path / "ev" / "checkpoints").exists() and "train step" not in printed  # nothing trained


def test_a_model_of_another_task_or_with_other_labels_is_refused(trained, tmp_path):
    recipe, run_dir = trained
    other = write_recipe(tmp_path, "seq2seq", evaluate="evaluate d.test { metrics loss }")
    status, printed = cli(str(other), "--model", str(run_dir))
    assert status == 2 and "holds a classification model, but the recipe's task is seq2seq" in printed
    shuffled = tmp_path / "shuffled"
    shutil.copytree(run_dir / "model", shuffled)
    facts = json.loads((shuffled / "ftcore_model.json").read_text())
    facts["label_names"] = facts["label_names"][::-1]
    (shuffled / "ftcore_model.json").write_text(json.dumps(facts))
    status, printed = cli(str(recipe), "--model", str(shuffled), "--out", str(tmp_path / "ev"))
    assert status == 1 and "the model's labels (tech, billing, account) are not the labels of d.test" in printed
    status, printed = cli(str(recipe), "--model", str(tmp_path / "nowhere"))
    assert status == 2 and "no model here (no config.json)" in printed
    (tmp_path / "plain").mkdir()
    no_eval = write_recipe(tmp_path / "plain", "classification")
    status, printed = cli(str(no_eval), "--model", str(run_dir))
    assert status == 2 and "has no evaluate block" in printed
