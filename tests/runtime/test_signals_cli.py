"""``ftcore run`` stopped with a real SIGTERM or SIGINT: it saves a checkpoint, says how to resume, exits 128+N."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tiny_recipes import read_metrics, write_recipe

pytest.importorskip("deepspeed")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signalled_run_saves_a_checkpoint_and_says_how_to_resume(tmp_path, signum):
    from ftcore_train.integrity import verify

    recipe = write_recipe(tmp_path, "classification", train="max_steps 100000")
    out = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "ftcore.cli", "run", str(recipe), "--out", str(out)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "metrics.jsonl").is_file() and len(read_metrics(out)) >= 3:
                break
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum, err
    assert f"interrupted by {name} at step " in err and "Traceback" not in err
    step = int(err.split(f"interrupted by {name} at step ")[1].split(";")[0])
    assert f"checkpoint step-{step:07d} saved" in err
    assert f"continue with: ftcore run {recipe} --out {out} --resume" in err
    assert verify(out / "checkpoints" / f"step-{step:07d}") == []
    assert [r["step"] for r in read_metrics(out) if "split" not in r][-1] == step
