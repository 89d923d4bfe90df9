"""Preference recipes: what ftcore check refuses, and tiny models trained end to end with dpo and simpo."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from preference_helpers import pairs_jsonl, preference_recipe

pytest.importorskip("deepspeed")


pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")  # tiny models: torch on one thread


@pytest.fixture
def errors(ftcore_errors, tmp_path):
    (tmp_path / "pairs.jsonl").write_text(pairs_jsonl())
    return ftcore_errors


def test_dpo_on_data_that_is_not_pairs_is_refused_at_the_objective(errors):
    out = errors(preference_recipe(fmt='text(field: "prompt")'))
    assert 'objective dpo trains on preference pairs, but data block "d" has format text' in out
    assert "objective dpo(beta: 0.1)" in out and "format preference(prompt:" in out  # where, and the fix


def test_pairs_without_a_preference_objective_are_refused_at_the_format(errors):
    out = errors(preference_recipe(objective="supervised"))
    assert "format preference makes pairs for a preference objective, and the train block has none" in out


def test_preference_objectives_check_their_arguments_and_the_task(errors):
    assert "beta" in errors(preference_recipe("dpo(beta: 0)"))
    assert "gamma" in errors(preference_recipe("simpo(gamma: -1)"))
    out = errors(preference_recipe().replace("task causal_lm", "task classification"))
    assert "objective dpo tunes a causal language model, not task classification" in out
    assert "pack works with causal language-model formats" in errors(preference_recipe(data="pack true"))
    out = errors(preference_recipe(extra="evaluate d.eval { metrics loss }"))
    assert 'the evaluate block\'s metrics score single sequences, and data block "d" holds preference pairs' in out


def test_dpo_starts_at_log_two_and_learns_to_prefer_the_chosen_answers(ftcore_run):
    result = ftcore_run(preference_recipe(train="eval_every 4"), files={"pairs.jsonl": pairs_jsonl()})
    assert result.status == 0, result.output
    steps = [m for m in result.metrics if "lr" in m]
    assert steps[0]["loss"] == pytest.approx(math.log(2), abs=1e-4)  # policy == reference at the first step
    assert steps[0]["reward_margin"] == pytest.approx(0.0, abs=1e-4)
    evals = [m for m in result.metrics if m.get("split") == "eval"]
    assert evals[-1]["reward_accuracy"] > 0.9 and evals[-1]["reward_margin"] > 0
    assert evals[-1]["loss"] < math.log(2) and "perplexity" not in evals[-1]
    assert "reference: the starting model prefers the chosen answer in" in result.output


def test_simpo_needs_no_reference_and_learns(ftcore_run, ftcore_compile, tmp_path):
    (tmp_path / "pairs.jsonl").write_text(pairs_jsonl())
    _, graph = ftcore_compile(preference_recipe("simpo(beta: 2.0, gamma: 0.5)"))
    assert graph.get("preference.reference") is None and "objective.reference" not in graph.get("train").inputs
    result = ftcore_run(preference_recipe("simpo(beta: 2.0, gamma: 0.5)", train="eval_every 4"),
                        files={"pairs.jsonl": pairs_jsonl()})
    assert result.status == 0, result.output
    evals = [m for m in result.metrics if m.get("split") == "eval"]
    assert evals[-1]["reward_accuracy"] > 0.9


def test_zero_0_and_zero_3_train_to_the_same_losses(ftcore_run):
    runs = [ftcore_run(preference_recipe(train=f"engine deepspeed(zero: {z})  max_steps 6"),
                       files={"pairs.jsonl": pairs_jsonl()}) for z in (0, 3)]
    for r in runs:
        assert r.status == 0, r.output
    losses = [[m["loss"] for m in r.metrics if "lr" in m] for r in runs]
    assert len(losses[0]) == 6 and losses[0] == pytest.approx(losses[1], rel=1e-4, abs=1e-6)
    accuracy = [[m["reward_accuracy"] for m in r.metrics if "lr" in m] for r in runs]
    assert accuracy[0] == accuracy[1]


def test_a_second_run_with_another_beta_reuses_the_cached_reference(tmp_path):
    (tmp_path / "pairs.jsonl").write_text(pairs_jsonl())
    for beta in ("0.1", "0.5"):
        (tmp_path / f"b{beta}.ftr").write_text(preference_recipe(f"dpo(beta: {beta})", train="max_steps 2"))
    env = dict(os.environ, OMP_NUM_THREADS="1")

    def run(name):
        return subprocess.run([sys.executable, "-m", "ftcore.cli", "run", name, "--out", name + ".run", "--plain"],
                              cwd=tmp_path, env=env, capture_output=True, text=True)

    first, second = run("b0.1.ftr"), run("b0.5.ftr")
    assert first.returncode == 0 and second.returncode == 0, first.stdout[-2000:] + second.stdout[-2000:]
    said = [r.stdout + r.stderr for r in (first, second)]
    assert "[preference.reference] done" in said[0] and "[preference.reference] cached" not in said[0]
    assert "[preference.reference] cached" in said[1] and "[train] cached" not in said[1]
    metrics = [json.loads(x) for x in (tmp_path / "b0.5.ftr.run" / "metrics.jsonl").read_text().splitlines()]
    assert metrics[0]["loss"] == pytest.approx(math.log(2), abs=1e-4)  # the reused values are the starting model's


@pytest.mark.slow
def test_two_processes_evaluate_and_train_like_one_with_the_same_step_size(tmp_path):
    (tmp_path / "pairs.jsonl").write_text(pairs_jsonl())
    env = dict(os.environ, OMP_NUM_THREADS="1")
    evals = []
    for batch, nproc in ((8, 1), (4, 2)):
        name = f"p{nproc}.ftr"
        recipe = preference_recipe(train="eval_every 2  max_steps 4").replace("batch 4", f"batch {batch}")
        (tmp_path / name).write_text(recipe)
        done = subprocess.run([sys.executable, "-m", "ftcore.cli", "run", name, "--out", f"{name}.run", "--plain",
                               "--nproc", str(nproc)], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        rows = [json.loads(x) for x in (tmp_path / f"{name}.run" / "metrics.jsonl").read_text().splitlines()]
        evals.append([r for r in rows if r.get("split") == "eval"])
    assert len(evals[0]) == len(evals[1]) == 2
    for one, two in zip(*evals):
        for key in ("loss", "reward_accuracy", "reward_margin", "logp_chosen", "prefers_chosen"):
            assert one[key] == pytest.approx(two[key], rel=1e-4, abs=1e-5)
