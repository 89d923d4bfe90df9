"""The example distribution in examples/ftcore-plugin-example: installed with pip like any plugin,
listed by ``ftcore plugins``, its recipe run end to end by ``ftcore run``, its own tests passing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftcore.testing import pip_install, run_ftcore

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ftcore-plugin-example"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The example installed (pip, no dependencies) into a folder put on PYTHONPATH, and a copy to run in."""
    tmp = tmp_path_factory.mktemp("example")
    env = pip_install(EXAMPLE, target=tmp / "site")
    work = tmp / "work"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    return env, work


def test_ftcore_plugins_lists_the_example(installed):
    env, work = installed
    out = run_ftcore(env, work, "plugins")
    assert out.returncode == 0, out.stderr
    assert "\nexample 0.1.0  (ftcore-plugin-example: ftcore_example.plugin; plugin API 1.0)" in "\n" + out.stdout
    assert re.search(r"source: sqlite\b", out.stdout) and "cleaner: strip_html" in out.stdout
    assert "metric: balanced_accuracy" in out.stdout and "blocks: data_audit" in out.stdout


def test_the_example_recipe_runs_with_all_four_pieces(installed):
    env, work = installed
    made = subprocess.run([sys.executable, "-m", "ftcore_example.demo_data", "shop.db"], env=env, cwd=work,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    out = run_ftcore(env, work, "run", "example.ftr", "--out", "run", "--plain")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    metrics = [json.loads(line) for line in (work / "run" / "metrics.jsonl").read_text().splitlines()]
    test = [m for m in metrics if m.get("split") == "tickets.test"][-1]
    assert 0.0 <= test["balanced_accuracy"] <= 1.0
    audit = json.loads((work / "run" / "data_audit.json").read_text())
    assert audit["rows"] > 0 and set(audit["per_label"]) == {"account", "billing", "delivery"}
    manifest = json.loads((work / "run" / "manifest.json").read_text())
    stages = {s["id"]: s for s in manifest["graph"]["stages"]}
    assert stages["data_audit"]["plugin"] == "example==0.1.0"
    assert stages["data.tickets.clean"]["code"]["cleaner:strip_html"] == "ftcore-plugin-example==0.1.0"
    assert stages["data.tickets.load"]["code"]["source:sqlite"] == "ftcore-plugin-example==0.1.0"


def test_the_examples_own_tests_pass(installed):
    env, work = installed
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          capture_output=True, text=True, env=env, cwd=work)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "skipped" not in done.stdout
