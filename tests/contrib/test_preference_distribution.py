"""The preference distribution in contrib/ftcore-preference: installed with pip from its folder like any
plugin, listed by ``ftcore plugins``, a preference recipe run end to end on a tiny model by ``ftcore run``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from ftcore.testing import pip_install, run_ftcore

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "contrib" / "ftcore-preference"
sys.path.insert(0, str(DIST / "tests"))
from preference_helpers import pairs_jsonl, preference_recipe  # noqa: E402


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The distribution installed (pip, no dependencies) into a folder put first on PYTHONPATH."""
    tmp = tmp_path_factory.mktemp("preference")
    target = tmp / "site"
    env = dict(pip_install(DIST, target=target), OMP_NUM_THREADS="1")
    return env, target, tmp


def test_ftcore_plugins_lists_the_installed_distribution(installed):
    env, target, tmp = installed
    out = run_ftcore(env, tmp, "plugins")
    assert out.returncode == 0, out.stderr
    assert "\npreference 0.1.0  (ftcore-preference: ftcore_preference.plugin; plugin API 1.0)" in "\n" + out.stdout
    assert "format: preference" in out.stdout and "objective: dpo, simpo" in out.stdout
    where = subprocess.run([sys.executable, "-c", "import ftcore_preference; print(ftcore_preference.__file__)"],
                           env=env, capture_output=True, text=True).stdout
    assert where.startswith(str(target))  # the copy pip installed, not the source folder


def test_a_dpo_recipe_runs_end_to_end_from_the_installed_distribution(installed):
    pytest.importorskip("deepspeed")
    env, _, tmp = installed
    work = tmp / "work"
    work.mkdir()
    (work / "pairs.jsonl").write_text(pairs_jsonl())
    (work / "dpo.ftr").write_text(preference_recipe(train="eval_every 4", extra='export hf("out/dpo") { }'))
    out = run_ftcore(env, work, "run", "dpo.ftr", "--out", "run", "--plain")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    metrics = [json.loads(line) for line in (work / "run" / "metrics.jsonl").read_text().splitlines()]
    assert metrics[0]["loss"] == pytest.approx(math.log(2), abs=1e-4)
    evals = [m for m in metrics if m.get("split") == "eval"]
    assert evals[-1]["reward_accuracy"] > 0.9
    assert (work / "out" / "dpo" / "config.json").is_file()  # exported in the Hugging Face layout
