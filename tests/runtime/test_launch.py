"""Training through DeepSpeed's launcher: the command, and two processes matching one under ZeRO 0-3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_hostfile_launch_goes_through_the_chosen_launcher_without_deepspeeds_ssh_check(tmp_path):
    from ftcore.runtime.launch import launcher_command, worker_args

    args = worker_args("r.ftr", tmp_path / "run", tmp_path / "cache", [], False)
    pdsh = launcher_command(None, "hosts.txt", args, port=29999, master_addr="10.0.0.1")
    assert pdsh[pdsh.index("--launcher") + 1] == "pdsh" and "--no_ssh_check" in pdsh
    assert pdsh[pdsh.index("--master_addr") + 1] == "10.0.0.1" and "--force_multi" not in pdsh
    assert pdsh[pdsh.index("--module") + 1] == "ftcore.runtime.worker"
    one_remote = launcher_command(None, "hosts.txt", args, port=29999, force_multi=True)
    assert "--force_multi" in one_remote  # else DeepSpeed would run a one-host hostfile on this machine
    slurm = launcher_command(2, "hosts.txt", args, port=29999, launcher="slurm", launcher_args="--partition gpu")
    assert slurm[slurm.index("--launcher_args") + 1] == "--partition gpu"
    assert slurm[slurm.index("--num_gpus") + 1] == "2"
    # DeepSpeed's Slurm runner ignores --module: it gets the worker's file, then the worker's arguments.
    assert "--module" not in slurm and slurm[slurm.index("--recipe") - 1].endswith("ftcore/runtime/worker.py")


def test_workers_on_other_nodes_get_the_variables_they_need(tmp_path):
    from ftcore.runtime.launch import forwarded_environment, write_env_file

    env = {"FTCORE_PLUGINS": "recipe,data", "NCCL_SOCKET_IFNAME": "eth0", "OMP_NUM_THREADS": "4", "HOME": "/root",
           "SECRET_TOKEN": "x", "FTCORE_MULTILINE": "a\nb"}
    values = forwarded_environment(env, {"MASTER_ADDR": "10.0.0.1"})
    assert values == {"FTCORE_PLUGINS": "recipe,data", "NCCL_SOCKET_IFNAME": "eth0", "OMP_NUM_THREADS": "4",
                      "MASTER_ADDR": "10.0.0.1"}
    path = write_env_file(tmp_path / "launch.env", values)
    lines = path.read_text().splitlines()
    assert "NCCL_SOCKET_IFNAME=eth0" in lines and len(lines) == 4


def test_the_users_own_deepspeed_env_file_is_carried_over(tmp_path, monkeypatch):
    from ftcore.runtime.launch import user_env_files

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".deepspeed_env").write_text("NCCL_IB_HCA=mlx5\n# a comment\nSHARED=home\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".deepspeed_env").write_text("SHARED=here\n")
    assert user_env_files({}) == {"NCCL_IB_HCA": "mlx5", "SHARED": "here"}


def test_pdsh_host_prefix_is_removed_from_ftcore_lines_only():
    from ftcore.runtime.capture import CONSOLE_MARK
    from ftcore.runtime.launch import unprefixed

    got = []
    route = unprefixed(got.append, ["nodea", "nodeb"])
    route(f"nodea: {CONSOLE_MARK}train step 1/6\n")
    route("nodeb: [INFO] something from DeepSpeed\n")
    assert got == [f"{CONSOLE_MARK}train step 1/6\n", "nodeb: [INFO] something from DeepSpeed\n"]


FAKE_WORKERS = r'''
import sys, time
sys.path[:0] = {paths!r}
from ftcore.runtime.liveness import WorkerBeacon
run_dir, mode = sys.argv[1], sys.argv[2]
a = WorkerBeacon(run_dir, 0, "nodea", interval=0.2).start()
b = WorkerBeacon(run_dir, 1, "nodeb", interval=0.2).start()
time.sleep(1)
if mode == "hang":           # nodeb stops beating, nodea waits for it forever
    b._stop.set()
    time.sleep(60)
elif mode == "killed":       # nodeb's worker dies without a word; nodea fails in the collective
    b._stop.set()
    a.end("failed", "RuntimeError: Connection closed by peer")
    sys.exit(1)
a.end("finished"); b.end("finished")
'''


def fake_launcher(tmp_path, mode):
    script = tmp_path / "fake_launcher.py"
    script.write_text(FAKE_WORKERS.format(paths=sys.path))
    return [sys.executable, str(script), str(tmp_path / "run"), mode]


def test_a_silent_node_ends_the_run_with_its_name_not_a_hang(tmp_path):
    import time

    from ftcore.runtime.launch import failure_error, supervise

    started = time.monotonic()
    outcome = supervise(fake_launcher(tmp_path, "hang"), dict(os.environ), tmp_path / "run", node_timeout=2,
                        poll=0.2)
    assert time.monotonic() - started < 30
    assert outcome.code != 0 and [st.node for st in outcome.lost] == ["nodeb"] and outcome.silent_for == 2
    message = failure_error(outcome, tmp_path / "run").render()
    assert 'lost node "nodeb" (rank 1): no sign of life for 2s' in message
    assert f"--out {tmp_path / 'run'} --resume" in message


def test_a_killed_node_is_named_and_the_survivors_error_is_shown(tmp_path):
    from ftcore.runtime.launch import failure_error, supervise

    outcome = supervise(fake_launcher(tmp_path, "killed"), dict(os.environ), tmp_path / "run", node_timeout=60,
                        poll=0.2)
    outcome.several_machines = True
    assert outcome.code == 1 and [st.node for st in outcome.lost] == ["nodeb"]
    message = failure_error(outcome, tmp_path / "run").render()
    assert 'lost node "nodeb" (rank 1): its workers stopped without a word' in message
    assert 'node "nodea" (rank 0): RuntimeError: Connection closed by peer' in message


def test_when_no_worker_started_the_advice_is_not_to_resume(tmp_path):
    from ftcore.runtime.launch import failure_error, supervise

    outcome = supervise([sys.executable, "-c", "import sys; sys.exit(3)"], dict(os.environ), tmp_path / "run",
                        poll=0.1)
    assert outcome.code == 3 and not outcome.started
    message = failure_error(outcome, tmp_path / "run", resumable_run=False).render()
    assert "did not start (launcher exit status 3); nothing was trained" in message
    assert "--resume" not in message and "run the same command again" in message


def test_a_workers_own_error_is_the_cause_not_the_ranks_stopped_after_it():
    from ftcore.runtime.launch import LaunchOutcome, failure_error
    from ftcore.runtime.liveness import WorkerStatus

    failed = WorkerStatus(0, "nodea", "failed", 3, "exit status 1", 1)
    stopped = WorkerStatus(1, "nodeb", "running", 3, "", 2)  # killed by the launcher once rank 0 failed
    outcome = LaunchOutcome(1, started=True, lost=[stopped], failed=[failed], several_machines=True)
    message = failure_error(outcome, Path("/runs/r")).render()
    assert message.startswith('error: training failed on node "nodea" (rank 0) (launcher exit status 1)')
    assert "lost" not in message
    one_machine = LaunchOutcome(1, started=True, lost=[stopped])  # --nproc: no node can be lost
    assert failure_error(one_machine, Path("/runs/r")).render().startswith('error: training failed on node "nodeb"')


def test_a_sigterm_passed_on_to_the_workers_is_an_interruption_not_a_failure(tmp_path):
    import signal as signals

    from ftcore.runtime.launch import LaunchOutcome, failure_error
    from ftcore.runtime.liveness import WorkerStatus

    failed = [WorkerStatus(r, "vm", "failed", 3, "exit status 1", 1) for r in (0, 1)]
    outcome = LaunchOutcome(-15, started=True, failed=failed, signum=signals.SIGTERM)
    error = failure_error(outcome, tmp_path / "run")
    assert error.signum == signals.SIGTERM  # ftcore run exits 128 + 15
    assert error.render().startswith("error: interrupted by SIGTERM: the workers stopped, each saving a checkpoint")
    assert f"--out {tmp_path / 'run'} --resume" in error.render() and "failed" not in error.render()


@pytest.mark.parametrize("signum", [pytest.param(15, id="SIGTERM"), pytest.param(2, id="SIGINT", marks=pytest.mark.slow)])
def test_a_signal_to_ftcore_run_reaches_the_workers_which_save_a_checkpoint(tmp_path, signum):
    """Sent to ``ftcore run`` alone (a scheduler's SIGTERM, ``kill -INT``): passed on, not left behind."""
    import signal as signals
    import time

    from tiny_recipes import read_metrics

    recipe = write_recipe(tmp_path, "classification", train="max_steps 100000")
    out = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                         "MASTER_PORT")}
    env["OMP_NUM_THREADS"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "ftcore.cli", "run", recipe.name, "--out", str(out), "--nproc", "2"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "metrics.jsonl").is_file() and len(read_metrics(out)) >= 3:
                break
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=200)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, err[-3000:]
    assert f"interrupted by {signals.Signals(signum).name}" in err and "Traceback" not in err
    assert list((out / "checkpoints").glob("step-*")), "the workers saved no checkpoint"
    statuses = [json.loads(p.read_text()) for p in (out / "workers").glob("*.json")]
    assert len(statuses) == 2 and all(s["state"] == "failed" for s in statuses)  # ended, not left running


def test_node_timeout_applies_to_nproc_runs_on_one_machine(tmp_path, monkeypatch):
    """``--node-timeout`` is not only for --hostfile: a silent --nproc worker ends the run after it too."""
    import ftcore.runtime.run as run_module

    seen = {}

    def fake_run(*args, **kwargs):
        seen["plan"] = args[13]
        return 0

    monkeypatch.setattr(run_module, "_run", fake_run)
    (tmp_path / "r.ftr").write_text('recipe "r" { seed 1 }\ndata d {\n  source jsonl("rows.jsonl")\n'
                                    '  format classification(text: "text", label: "label")\n}\n'
                                    'model { base tiny(arch: "bert")  task classification }\ntrain { epochs 1 }\n')
    (tmp_path / "rows.jsonl").write_text('{"text": "a", "label": "x"}\n')
    assert run_module.run_command(str(tmp_path / "r.ftr"), nproc=2, node_timeout=7.5) == 0
    assert seen["plan"].node_timeout == 7.5 and seen["plan"].hosts == []
