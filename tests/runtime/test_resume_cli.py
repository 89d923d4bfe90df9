"""``ftcore run --resume`` through the command line ignores a half-written checkpoint; a worker checks its recipe.

A worker started for a recipe changed since the run began refuses; the same worker with the
recipe unchanged gets past that check and finishes. (``ftcore run --resume`` refusing a changed
recipe is tested in tests/runtime/test_resume_e2e.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tiny_recipes import read_metrics, train_losses, write_recipe

pytest.importorskip("deepspeed")

TRAIN = "max_steps 4  checkpoint_every 2  keep 3"


def ftcore(*args, cwd):
    """``python -m ftcore.cli ARGS`` in a clean environment; returns (exit status, everything printed)."""
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                         "MASTER_PORT")}
    env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run([sys.executable, "-m", "ftcore.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def finished(tmp_path):
    """A finished four-step run with checkpoints after steps 2 and 4 (resume needs it where it ran)."""
    recipe = write_recipe(tmp_path, "classification", train=TRAIN)
    code, printed = ftcore("run", recipe, "--out", tmp_path / "run", cwd=tmp_path)
    assert code == 0, printed[-3000:]
    return recipe, tmp_path / "run"


def test_resume_ignores_a_half_written_checkpoint(finished):
    """Killed after writing step 4's checkpoint under its temporary name, before the rename."""
    recipe, run_dir = finished
    whole = train_losses(run_dir)
    ckpts = run_dir / "checkpoints"
    os.replace(ckpts / "step-0000004", ckpts / ".tmp-step-0000004")
    (run_dir / "train_summary.json").unlink()
    code, printed = ftcore("run", recipe, "--out", run_dir, "--resume", cwd=recipe.parent)
    assert code == 0, printed[-3000:]
    assert "resumed from step-0000002" in printed
    assert train_losses(run_dir) == whole  # steps 3 and 4 trained again, exactly as before
    assert sorted(p.name for p in ckpts.iterdir()) == ["step-0000002", "step-0000004"]
    assert [r["step"] for r in read_metrics(run_dir) if "split" not in r] == [1, 2, 3, 4]


def test_worker_refuses_a_recipe_changed_since_the_run_started(finished, capsys):
    from ftcore.runtime import worker

    recipe, run_dir = finished
    args = ["--recipe", str(recipe), "--run-dir", str(run_dir), "--cache", str(recipe.parent / ".ftcore-cache"),
            "--resume"]
    original = recipe.read_text()
    recipe.write_text(original.replace("adamw(lr: 1e-3)", "adamw(lr: 2e-3)"))
    assert worker.main(args) == 1
    printed = "".join(capsys.readouterr())
    assert "changed since the run started: train" in printed
    recipe.write_text(original)
    assert worker.main(args) == 0  # unchanged: past the check, resumes at the end and finishes
    assert "changed since" not in "".join(capsys.readouterr())
