"""Two nodes on one machine: a real sshd on 127.0.0.1, two host aliases, pdsh, DeepSpeed's multi-node runner.

The hostfile names ``nodea`` and ``nodeb`` (one slot each); an ssh config written by the test
points both at the loopback sshd, and ``PDSH_SSH_ARGS_APPEND="-F CONFIG"`` makes pdsh and ftcore's
pre-flight use it. Where sshd or pdsh cannot run, the tests skip and say why (``-rs`` lists it);
CI installs both (``.ci/run``). The kill-and-resume test is also marked ``slow`` (``-m slow``);
test_launch.py covers the same supervision with a fake launcher in the default run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from loopback_sshd import SshdUnavailable, start_loopback_sshd
from tiny_recipes import train_losses, write_recipe

TOLERANCE = 1e-4  # the bound test_launch.py holds --nproc 2 to

pytestmark = pytest.mark.multinode


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """A loopback sshd reachable as nodea/nodeb; skipped, with the reason, where it cannot start."""
    if shutil.which("pdsh") is None:
        pytest.skip("pdsh is not installed (apt-get install pdsh): DeepSpeed's default multi-node launcher needs it")
    try:
        server = start_loopback_sshd(tmp_path_factory.mktemp("sshd"))
    except SshdUnavailable as exc:
        pytest.skip(f"cannot start a loopback sshd here: {exc}")
    yield server
    server.stop()


def env_for(server) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                         "MASTER_PORT")}
    env.update(server.ssh_env(), OMP_NUM_THREADS="1")
    return env


def ftcore(args, cwd, env, timeout=400):
    return subprocess.run([sys.executable, "-m", "ftcore.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-nodes")
    path = write_recipe(folder, "classification", regularize="dropout 0.0  clip 1.0",
                        train="max_steps 6  schedule linear(warmup: 1)")
    (folder / "hosts.txt").write_text("nodea slots=1\nnodeb slots=1\n")
    return path


def test_two_nodes_over_ssh_reach_the_losses_of_two_processes(sshd, recipe):
    env = env_for(sshd)
    one_machine = ftcore(["run", recipe.name, "--out", "nproc2", "--nproc", "2"], recipe.parent, env)
    assert one_machine.returncode == 0, one_machine.stderr[-3000:]
    done = ftcore(["run", recipe.name, "--out", "nodes2", "--hostfile", "hosts.txt"], recipe.parent, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pre-flight: hosts.txt: 2 nodes ready, 2 processes, launcher pdsh" in done.stderr
    assert "train: 6 optimizer steps" in done.stderr  # rank 0's display, through pdsh's "nodea: " prefix
    expected, got = train_losses(recipe.parent / "nproc2"), train_losses(recipe.parent / "nodes2")
    assert len(got) == len(expected) == 6
    assert got == pytest.approx(expected, abs=TOLERANCE)
    run = recipe.parent / "nodes2"
    workers = {json.loads(p.read_text())["node"]: json.loads(p.read_text()) for p in (run / "workers").glob("*.json")}
    assert sorted(workers) == ["nodea", "nodeb"] and all(w["state"] == "finished" for w in workers.values())
    assert (run / "model" / "model.safetensors").is_file()
    assert "nodeb: " in (run / "run.log").read_text()  # pdsh's output of the second node went to the log


def test_an_unreachable_host_stops_the_run_before_any_data_is_prepared(sshd, recipe, tmp_path):
    hosts = recipe.parent / "bad_hosts.txt"
    hosts.write_text("nodea slots=1\nno-such-node.invalid slots=1\nnodeb slots=0\n")
    env = env_for(sshd)
    env["FTCORE_CACHE_DIR"] = str(tmp_path / "fresh-cache")
    done = ftcore(["run", recipe.name, "--out", str(tmp_path / "never"), "--hostfile", hosts.name], recipe.parent,
                  env, timeout=120)
    assert done.returncode == 2, done.stderr  # the hostfile itself is wrong (slots=0): exit 2
    assert "error: 2 problems with the machines in bad_hosts.txt; nothing ran" in done.stderr
    assert 'bad_hosts.txt:2: host "no-such-node.invalid": cannot be reached with ssh' in done.stderr
    assert 'bad_hosts.txt:3: host "nodeb": slots must be a whole number of at least 1, not "0"' in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "fresh-cache").exists() and not (tmp_path / "never").exists()
    hosts.write_text("nodea slots=1\nno-such-node.invalid slots=1\n")
    checked = ftcore(["check", recipe.name, "--hostfile", hosts.name], recipe.parent, env, timeout=120)
    assert checked.returncode == 4 and "no-such-node.invalid" in checked.stderr


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow  # four minutes on two shared cores; the same path runs by default with a fake launcher
def test_killing_one_nodes_worker_ends_the_run_naming_it_and_resume_finishes(sshd, recipe):
    folder = recipe.parent
    long_recipe = folder / "long.ftr"
    long_recipe.write_text(recipe.read_text().replace("max_steps 6", "max_steps 40  checkpoint_every 4"))
    env = env_for(sshd)
    args = ["run", long_recipe.name, "--out", "killed", "--hostfile", "hosts.txt", "--node-timeout", "60"]
    proc = subprocess.Popen([sys.executable, "-m", "ftcore.cli", *args], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        run = folder / "killed"
        wait_for(lambda: list((run / "checkpoints").glob("step-*")), 300, "a first checkpoint")
        status = json.loads((run / "workers" / "rank-00001.json").read_text())
        assert status["node"] == "nodeb"
        os.kill(status["pid"], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=150)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr[-3000:]
    assert 'lost node "nodeb" (rank 1)' in stderr
    assert "--out" in stderr and "--resume" in stderr and "Traceback" not in stderr
    done = ftcore([*args, "--resume"], folder, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "resumed from step-" in done.stderr
    steps = [r["step"] for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())
             if "split" not in r]
    assert steps[-1] == 40 and steps == sorted(steps)
    newest = sorted((run / "checkpoints").glob("step-*"))[-1]
    assert {p.name for p in newest.glob("rng-rank*.json")} == {"rng-rank0.json", "rng-rank1.json"}  # both nodes


@pytest.mark.slow  # two more runs; DeepSpeed's OpenMPI runner through the same loopback sshd
def test_openmpi_launcher_reaches_the_same_losses(sshd, recipe):
    if shutil.which("mpirun") is None or shutil.which("ompi_info") is None:
        pytest.skip("OpenMPI is not installed (apt-get install openmpi-bin)")
    env = env_for(sshd)
    env["OMPI_MCA_plm_rsh_agent"] = f"ssh -F {sshd.config}"  # how mpirun (and the pre-flight) reach the nodes
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if not (recipe.parent / "nproc2" / "metrics.jsonl").is_file():
        assert ftcore(["run", recipe.name, "--out", "nproc2", "--nproc", "2"], recipe.parent, env).returncode == 0
    done = ftcore(["run", recipe.name, "--out", "mpi", "--hostfile", "hosts.txt", "--launcher", "openmpi",
                   "--launcher-args", "--mca btl_tcp_if_include lo --mca oob_tcp_if_include lo"], recipe.parent, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "launcher openmpi" in done.stderr
    assert train_losses(recipe.parent / "mpi") == pytest.approx(train_losses(recipe.parent / "nproc2"), abs=TOLERANCE)
    nodes = sorted(json.loads(p.read_text())["node"] for p in (recipe.parent / "mpi" / "workers").glob("*.json"))
    assert nodes == ["nodea", "nodeb"]  # ranks from OMPI_COMM_WORLD_*, named by the hostfile


@pytest.mark.slow  # one more run on both nodes
def test_sigterm_to_ftcore_run_stops_both_nodes_after_a_checkpoint(sshd, recipe):
    folder = recipe.parent
    endless = folder / "endless.ftr"
    endless.write_text(recipe.read_text().replace("max_steps 6", "max_steps 100000"))
    proc = subprocess.Popen([sys.executable, "-m", "ftcore.cli", "run", endless.name, "--out", "stopped", "--hostfile",
                             "hosts.txt"], cwd=folder, env=env_for(sshd), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    run = folder / "stopped"
    try:
        wait_for(lambda: (run / "metrics.jsonl").is_file() and len((run / "metrics.jsonl").read_text().splitlines())
                 >= 3, 300, "three logged steps")
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=200)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, stderr[-3000:]
    assert "interrupted by SIGTERM: the workers stopped, each saving a checkpoint first" in stderr
    step = int(stderr.split("[rank 1] error: interrupted by SIGTERM at step ")[1].split(";")[0])
    assert (run / "checkpoints" / f"step-{step:07d}" / "rng-rank1.json").is_file()  # nodeb saved its part
