"""What a user sees: captured ``ftcore run --plain`` and ``ftcore prepare --plain`` of a tiny recipe.

Each command runs as a real process (so C-level writes, DeepSpeed's logger and every library
import behave as for a user) with its output going to a pipe, not a terminal. What it prints,
with times, throughput, measured values and the temporary folder normalized, must equal the
golden files ``tests/golden/output/*.txt`` and hold no line of another library; that output
must be in the log instead. Rewrite the golden files after a deliberate change with::

    FTCORE_UPDATE_GOLDEN=1 python -m pytest tests/runtime/test_terminal_output.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tiny_recipes import write_recipe

pytest.importorskip("deepspeed")

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "output"
UPDATE = os.environ.get("FTCORE_UPDATE_GOLDEN", "") not in ("", "0")

# Lines other libraries print when nothing stops them (progress bars, loggers, warnings).
THIRD_PARTY = re.compile(r"it/s\]|examples/s\]|^Map|^Filter|Saving the dataset|Loading weights|Writing model shards|"
                         r"LOAD REPORT|\[WARNING\]|\[INFO\]|DeepSpeed|deepspeed|UserWarning|FutureWarning|"
                         r"\[transformers\]|Traceback|\x1b\[", re.M)


def normalize(text: str, folder: Path) -> str:
    """Replace what changes from run to run: the folder, times, throughput, run-id, measured values."""
    text = text.replace(str(folder), "<tmp>")
    text = re.sub(r"done in \d+(\.\d+)?s", "done in <t>s", text)
    text = re.sub(r"(elapsed|eta) (\d+:)?\d\d:\d\d", r"\1 <t>", text)
    text = re.sub(r"[\d,]+ non-pad tok/s", "<n> non-pad tok/s", text)
    text = re.sub(r"steps in \d+s", "steps in <t>s", text)
    text = re.sub(r"run\.log: \d+ line", "run.log: <n> line", text)
    text = re.sub(r"prepare\.log: \d+ line", "prepare.log: <n> line", text)
    return re.sub(r"\b\d+\.\d{4}\b", "<x>", text)


def compare(case: str, printed: str) -> None:
    golden = GOLDEN / f"{case}.txt"
    if UPDATE or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(printed, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote the missing golden file {golden.name}: check it by eye and commit it")
    assert printed == golden.read_text(encoding="utf-8"), f"differs from {golden.name}; " \
        "after a deliberate change rerun with FTCORE_UPDATE_GOLDEN=1"


def ftcore(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                         "MASTER_PORT", "FTCORE_CACHE_DIR", "COLUMNS")}
    env["OMP_NUM_THREADS"] = "1"
    # What would make libraries talk: a forced colour terminal and their own verbosity switches unset.
    env.pop("HF_DATASETS_DISABLE_PROGRESS_BARS", None)
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
    return subprocess.run([sys.executable, "-m", "ftcore.cli", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def tiny(tmp_path):
    folder = tmp_path
    recipe = write_recipe(folder, "classification", train="eval_every 8  log_every 5  keep 1",
                          evaluate="evaluate d.test { metrics accuracy, f1 }",
                          export='export hf("exported") { card true }')
    return folder, recipe


def test_plain_run_shows_only_ftcore_output_and_logs_the_rest(tiny):
    folder, recipe = tiny
    done = ftcore(folder, "run", recipe.name, "--plain", "--out", "run")
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-3000:]
    assert not THIRD_PARTY.search(printed), THIRD_PARTY.search(printed).group(0)
    compare("run_plain", normalize(printed, folder))
    log = (folder / "run" / "run.log").read_text(encoding="utf-8")
    assert "\x1b[" not in log
    manifest = json.loads((folder / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"]["argv"] == ["ftcore", "run", recipe.name, "--plain", "--out", "run"]
    assert manifest["command"]["cwd"] == str(folder)
    machine = manifest["machine"]
    assert machine["cpu"] and machine["cpu_count"] >= 1 and machine["processes"] == 1
    assert isinstance(machine["gpus"], list) and manifest["libraries"]["torch"] != "-"
    assert not (folder / "run" / "stages").exists()  # only empty scratch folders were there


def test_plain_prepare_shows_only_ftcore_output_and_logs_the_rest(tiny):
    folder, recipe = tiny
    done = ftcore(folder, "prepare", recipe.name, "--plain", "--cache-dir", "cache", "--show", "2")
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-3000:]
    assert not THIRD_PARTY.search(printed), THIRD_PARTY.search(printed).group(0)
    compare("prepare_plain", normalize(printed, folder))
    assert (folder / "cache" / "prepare.log").is_file()

