"""An exported tiny classifier, end to end: the card's snippet runs as written and answers like the run's
model, counts are integers, the baseline is in the card, files are world-readable, running the recipe
again replaces its own export, and a folder holding other files is refused by ``ftcore check``."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtime"))

from tiny_recipes import write_recipe  # noqa: E402

pytest.importorskip("torch")


def _run(recipe: Path, out: Path) -> str:
    from rich.console import Console

    from ftcore.runtime.run import run_command

    printed = io.StringIO()
    status = run_command(str(recipe), out=str(out), console=Console(file=printed, width=200))
    assert status == 0, printed.getvalue()
    return printed.getvalue()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny classifier recipe exporting to out/m, run twice (the second run replaces the first export)."""
    import torch

    folder = tmp_path_factory.mktemp("export")
    recipe = write_recipe(folder, "classification", train="max_steps 3",
                          evaluate="evaluate d.test { metrics accuracy  baseline true }",
                          export='export hf("out/m") { card true }')
    recipe.write_text(recipe.read_text().replace('arch: "bert"', 'arch: "llama"'))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _run(recipe, folder / "run1")
        first = (folder / "out" / "m" / "model.safetensors").stat().st_mtime_ns
        printed = _run(recipe, folder / "run2")
    finally:
        torch.set_num_threads(before)
    return folder, recipe, first, printed


def test_running_the_recipe_twice_replaces_its_own_export(exported):
    folder, _, first, printed = exported
    dest = folder / "out" / "m"
    assert f"exported: {dest}" in printed
    assert dest.joinpath("model.safetensors").stat().st_mtime_ns != first
    marker = json.loads((dest / "ftcore_export.json").read_text())
    assert marker["recipe"] == "tiny-classification" and "model.safetensors" in marker["files"]
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["m"]  # no temporary or old folder left


def test_exported_files_share_one_readable_mode(exported):
    folder = exported[0]
    umask = os.umask(0)
    os.umask(umask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (folder / "out" / "m").iterdir()}
    assert set(modes.values()) == {0o644 & ~umask}, modes


def test_the_cards_snippet_runs_as_written_and_answers_like_the_runs_model(exported, monkeypatch):
    import torch

    from ftcore_train.export import load_saved_model

    folder = exported[0]
    card = (folder / "out" / "m" / "README.md").read_text()
    (snippet,) = re.findall(r"```python\n(.*?)```", card, re.S)
    assert "AutoModelForSequenceClassification" in snippet
    monkeypatch.chdir(folder)  # the snippet names the folder as the recipe does, relative to the recipe
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "README.md", "exec"), {})  # the documentation under test, run as a user would
    run_model = load_saved_model(folder / "run2" / "model", "classification").eval()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder / "run2" / "model"))
    with torch.no_grad():
        logits = run_model(**tokenizer(["my card was charged twice"], return_tensors="pt")).logits
    assert printed.getvalue().strip() == run_model.config.id2label[int(logits.argmax(-1))]


def test_the_card_counts_in_integers_and_shows_the_baseline_recipe_and_limits(exported):
    folder = exported[0]
    card = (folder / "out" / "m" / "README.md").read_text()
    assert "- optimizer steps: 3\n" in card and "- data: 76 train, 10 eval, 10 test examples" in card
    assert "| split | metric | value | starting model | gain |" in card
    assert re.search(r"\| d\.test \| accuracy \| \d\.\d{4} \| \d\.\d{4} \| [+-]\d\.\d{4} \|", card)
    assert "- base model: tiny llama (2 layers, hidden 32)" in card
    assert "## Intended use and limits" in card and 'recipe "tiny-classification" { seed 3 }' in card
    assert ".0000 examples" not in card and "363.0000" not in card


def test_a_folder_holding_other_files_is_refused_by_check(exported, tmp_path):
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError

    folder, recipe, _, _ = exported
    compile_recipe(recipe)  # its own earlier export: fine
    stray = folder / "out" / "m" / "notes.txt"
    stray.write_text("mine")
    try:
        with pytest.raises(RecipeError) as err:
            compile_recipe(recipe)
    finally:
        stray.unlink()
    (diag,) = [d for d in err.value.diagnostics if d.severity == "error"]
    assert diag.message == f"export folder {folder / 'out' / 'm'} holds files ftcore did not write: notes.txt"
    assert "overwrite: true" in diag.hint and diag.span.line > 0
