"""Training through DeepSpeed's launcher: the command, and two processes matching one under ZeRO 0-3."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tiny_recipes import train_losses, write_recipe

TOLERANCE = 1e-4  # stated bound; measured on CPU with gloo: identical losses (difference 0.0)


def test_launcher_command_starts_workers_through_deepspeed(tmp_path):
    from ftcore.runtime.launch import launcher_command, worker_args

    args = worker_args("r.ftr", tmp_path / "run", tmp_path / "cache", ["train.batch=2"], True)
    cmd = launcher_command(2, None, args, port=29999)
    assert cmd[:4] == [sys.executable, "-m", "deepspeed.launcher.runner", "--master_port"]
    assert cmd[cmd.index("--num_gpus") + 1] == "2"
    tail = cmd[cmd.index("--module"):]
    assert tail[:2] == ["--module", "ftcore.runtime.worker"] and tail[-3:] == ["--set", "train.batch=2", "--resume"]
    with_hosts = launcher_command(None, "hosts.txt", args, port=29999)
    assert with_hosts[with_hosts.index("--hostfile") + 1] == "hosts.txt" and "--num_gpus" not in with_hosts


def ftcore_run(recipe, out, *extra):
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                         "MASTER_PORT")}
    env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run([sys.executable, "-m", "ftcore.cli", "run", str(recipe), "--out", str(out), *extra],
                          cwd=recipe.parent, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One process, two micro-batches per step: the same global batch as two processes with one each."""
    folder = tmp_path_factory.mktemp("two-proc")
    recipe = write_recipe(folder, "classification", regularize="dropout 0.0  clip 1.0",
                          train="max_steps 6  schedule linear(warmup: 1)")
    ftcore_run(recipe, folder / "one", "--set", "train.accumulate=2")
    return recipe, train_losses(folder / "one")


@pytest.mark.parametrize("zero", [0, 1, 2, 3])
def test_two_processes_reach_the_losses_of_one(reference, zero):
    recipe, expected = reference
    out = recipe.parent / f"two-z{zero}"
    done = ftcore_run(recipe, out, "--nproc", "2", "--set", f"train.engine=deepspeed(zero: {zero})")
    assert "run directory:" in done.stderr
    ran = json.loads((out / "train_summary.json").read_text())
    assert (ran["zero"], ran["world_size"]) == (zero, 2)  # two processes at the stage asked for, not one
    got = train_losses(out)
    assert len(got) == len(expected) == 6
    assert got == pytest.approx(expected, abs=TOLERANCE)
    assert (out / "model" / "model.safetensors").is_file()
