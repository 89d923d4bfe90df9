"""Starting training: in this process for one process, through DeepSpeed's launcher for several.

``ftcore run --nproc N`` (one machine) and ``--hostfile FILE`` (several) start ``python -m
ftcore.runtime.worker`` processes with ``deepspeed.launcher.runner``; they read the data stages
this process prepared in the stage cache and run only the train stage.

On several machines the launcher is DeepSpeed's ``pdsh`` (ssh), ``openmpi`` or ``slurm`` runner;
:mod:`ftcore.runtime.preflight` has checked every node before :func:`launch_workers` is called.
The variables workers need are written to ``RUN_DIR/launch.env`` for DeepSpeed to export on
every node, and :func:`supervise` watches the workers' status files
(:mod:`ftcore.runtime.liveness`) so that a lost node ends the run with its name instead of a hang.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from ftcore.runtime.liveness import Watchdog, WorkerStatus, read_statuses, request_stop, status_dir


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_args(recipe_path: str, run_dir: Path, cache_dir: Path, overrides: Sequence[str], resume: bool) -> list[str]:
    """The worker's command-line arguments.

    The recipe path is passed as the user wrote it (workers start in the same folder): spans in
    stage parameters name the file, so a different spelling would change the fingerprints.
    """
    args = ["--recipe", str(recipe_path), "--run-dir", str(run_dir), "--cache", str(cache_dir)]
    for item in overrides:
        args += ["--set", item]
    if resume:
        args.append("--resume")
    return args


LAUNCHERS = ("pdsh", "openmpi", "slurm")
# Variables the workers on other nodes need from this environment (pdsh and ssh start a clean one;
# DeepSpeed itself forwards PYTHON*, UCX*, MV2* and its accelerator's, e.g. NCCL* on GPUs).
FORWARDED = ("FTCORE_", "OMP_NUM_THREADS", "TOKENIZERS_PARALLELISM", "NCCL_", "GLOO_", "HF_", "TRANSFORMERS_",
             "TORCH_", "CUDA_DEVICE_ORDER")


def launcher_command(nproc: Optional[int], hostfile: Optional[str], args: Sequence[str],
                     port: Optional[int] = None, *, launcher: str = "pdsh", master_addr: Optional[str] = None,
                     launcher_args: str = "", force_multi: bool = False) -> list[str]:
    """``python -m deepspeed.launcher.runner ... --module ftcore.runtime.worker ARGS``.

    With a hostfile, DeepSpeed's own ssh check is off (ftcore's pre-flight checked every host,
    not just the first) and the master address is the one the pre-flight found. Slurm's runner
    in DeepSpeed cannot start a module, so it gets the worker's file instead.
    """
    cmd = [sys.executable, "-m", "deepspeed.launcher.runner", "--master_port", str(port or free_port())]
    module = ["--module", "ftcore.runtime.worker"]
    if hostfile:
        cmd += ["--hostfile", str(hostfile), "--launcher", launcher, "--no_ssh_check"]
        if master_addr:
            cmd += ["--master_addr", master_addr]
        if force_multi:
            cmd.append("--force_multi")
        if launcher_args:
            cmd += ["--launcher_args", launcher_args]
        if nproc:
            cmd += ["--num_gpus", str(nproc)]
        if launcher == "slurm":
            module = [str(Path(__file__).with_name("worker.py"))]
    else:
        cmd += ["--num_gpus", str(nproc or 1)]
    return cmd + module + list(args)


def forwarded_environment(environ: dict, extra: Optional[dict] = None) -> dict[str, str]:
    """The variables of ``environ`` (plus ``extra``) that workers on every node must see."""
    out = {k: v for k, v in environ.items() if k.startswith(FORWARDED) and "\n" not in v}
    out.update(extra or {})
    return out


def user_env_files(environ: dict) -> dict[str, str]:
    """``KEY=VALUE`` lines of the user's own DeepSpeed env files (``~/.deepspeed_env``, ``./.deepspeed_env``).

    ftcore points ``DS_ENV_FILE`` at its own file, so DeepSpeed would no longer read these; their
    values are carried over into ``launch.env`` (ftcore's own values win).
    """
    name = environ.get("DS_ENV_FILE", ".deepspeed_env")
    values: dict[str, str] = {}
    for base in (os.path.expanduser("~"), "."):
        path = Path(base) / name
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and key.strip() and not line.lstrip().startswith("#"):
                values[key.strip()] = value.strip()
    return values


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    """Write ``KEY=VALUE`` lines for DeepSpeed's runner to export on every node (it reads ``$DS_ENV_FILE``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())), encoding="utf-8")
    os.replace(tmp, path)
    return path


def worker_env(nproc: int) -> dict[str, str]:
    """The environment for worker processes: CPU threads shared fairly, tokenizers quiet."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, nproc))))
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    # The launcher must not inherit a single-process group's variables from this process.
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    return env


@dataclass
class LaunchPlan:
    """How to start workers on several machines: what ``--hostfile`` pre-flight decided."""

    launcher: str = "pdsh"
    master_addr: Optional[str] = None
    hosts: list[tuple[str, int]] = field(default_factory=list)  # (name, processes) in hostfile order
    force_multi: bool = False
    launcher_args: str = ""
    node_timeout: float = 120.0


@dataclass
class LaunchOutcome:
    """How the workers ended: the launcher's exit status and what their status files say."""

    code: int
    started: bool = False  # at least one worker started (so a checkpoint may exist to resume from)
    lost: list[WorkerStatus] = field(default_factory=list)  # ranks that stopped without a word
    failed: list[WorkerStatus] = field(default_factory=list)  # ranks that ended with a message
    silent_for: Optional[float] = None  # set when the watchdog stopped the run
    several_machines: bool = False  # a hostfile of more than one machine
    signum: Optional[int] = None  # the signal this process passed on to the workers (SIGTERM)

    def nodes(self, ranks: list[WorkerStatus]) -> str:
        """``node "a" (ranks 0, 1), node "b" (rank 2)``."""
        by_node: dict[str, list[int]] = {}
        for st in ranks:
            by_node.setdefault(st.node, []).append(st.rank)
        return ", ".join(f'node "{n}" (rank{"s" if len(r) > 1 else ""} {", ".join(map(str, sorted(r)))})'
                         for n, r in by_node.items())


def _tree(proc: subprocess.Popen) -> list:
    """The launcher and every process under it on this machine (pdsh, ssh, DeepSpeed's launch script, workers)."""
    try:
        import psutil

        root = psutil.Process(proc.pid)
        return [root, *root.children(recursive=True)]
    except Exception:  # psutil missing, or the launcher already gone
        return []


def _signal_tree(proc: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` to the launcher and all its descendants here (remote ones are DeepSpeed's runner's to stop)."""
    targets = _tree(proc)
    if not targets and proc.poll() is None:
        proc.send_signal(sig)
    for p in targets:
        try:
            p.send_signal(sig)
        except Exception:
            pass


def _wait(proc: subprocess.Popen, timeout: float) -> Optional[int]:
    """The launcher's exit status once it ends within ``timeout`` seconds, else ``None``."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 20.0) -> None:
    """Stop the launcher: ``sig`` to its whole tree here (workers save and stop; DeepSpeed's pdsh runner stops
    the other nodes), then SIGKILL whatever is left after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    _signal_tree(proc, sig)
    if _wait(proc, grace) is None:
        _signal_tree(proc, signal.SIGKILL)
        proc.wait()


def _terminal_sent_it_to_all() -> bool:
    """Whether a Ctrl-C from the terminal reached the workers too (they share our foreground process group)."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def supervise(cmd: list[str], env: dict, run_dir: Path, *, output: Optional[Callable[[str], None]] = None,
              node_timeout: float = 120.0, poll: float = 1.0, stop_grace: float = 120.0,
              remote: bool = False) -> LaunchOutcome:
    """Run the launcher, stop it when a worker has been silent for ``node_timeout`` seconds, and say how it ended.

    On this machine alone the launcher stays in this process group, so Ctrl-C in the terminal
    reaches the workers, and a SIGINT or SIGTERM sent to this process alone is passed on to them.
    With ``remote`` workers (under sshd elsewhere) the launcher gets a session of its own, so that
    Ctrl-C does not tear down its ssh connections, and the signal reaches the workers through
    :func:`ftcore.runtime.liveness.request_stop`. Either way the workers save a checkpoint and get
    ``stop_grace`` seconds before they are killed.
    """
    shutil.rmtree(status_dir(run_dir), ignore_errors=True)  # statuses of an earlier attempt would mislead
    piped = dict(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
                 bufsize=1) if output is not None else {}
    proc = subprocess.Popen(cmd, env=env, start_new_session=remote, **piped)
    reader = None
    if output is not None:
        reader = threading.Thread(target=lambda: [output(line) for line in proc.stdout], daemon=True)
        reader.start()
    watchdog = Watchdog(run_dir, node_timeout)
    silent: list[WorkerStatus] = []
    received: list[int] = []

    def pass_on(signum, frame):
        received.append(signum)
        if remote:
            request_stop(run_dir, signum)
        else:
            _signal_tree(proc, signum)

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, pass_on) if main_thread else None
    try:
        while proc.poll() is None:
            time.sleep(poll)
            if received:  # the workers save a checkpoint and stop; give them the grace period
                if _wait(proc, stop_grace) is None:
                    _stop(proc, signal.SIGKILL, grace=10.0)
                break
            silent = watchdog.silent()
            if silent:
                _stop(proc)
                break
    except KeyboardInterrupt:  # Ctrl-C, or SIGINT sent to this process: like SIGTERM, said with the resume hint
        if remote:
            request_stop(run_dir, signal.SIGINT)
        elif not _terminal_sent_it_to_all():
            _signal_tree(proc, signal.SIGINT)
        if _wait(proc, stop_grace) is None:  # a second Ctrl-C while the workers save ends ftcore at once
            _stop(proc, signal.SIGTERM, grace=10.0)
        received.append(signal.SIGINT)
    except BaseException:  # an error here: never leave workers running on the nodes
        _stop(proc, grace=10.0)
        raise
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    code = proc.wait()
    if reader is not None:
        reader.join(timeout=10)
    statuses = read_statuses(run_dir)
    outcome = LaunchOutcome(code if not silent or code else 1, started=bool(statuses),
                            signum=received[0] if received else None)
    if silent:
        outcome.lost, outcome.silent_for = silent, node_timeout
    elif code != 0:
        outcome.lost = [st for st in statuses.values() if st.state == "running"]
    outcome.failed = [st for st in statuses.values() if st.state == "failed"]
    return outcome


def launch_workers(recipe_path: str, run_dir: Path, cache_dir: Path, overrides: Sequence[str], *, resume: bool,
                   nproc: Optional[int], hostfile: Optional[str], output: Optional[Callable[[str], None]] = None,
                   env: Optional[dict] = None, plan: Optional[LaunchPlan] = None) -> LaunchOutcome:
    """Run the train stage in ``nproc`` processes (or on the ``hostfile`` machines, per ``plan``).

    With ``output``, the launcher's and workers' standard output and error come back through a
    pipe, one line per call; ``env`` adds variables to the workers' environment (on every node).
    """
    from ftcore.runtime.capture import quiet_environment

    plan = plan or LaunchPlan()
    port = free_port()
    cmd = launcher_command(nproc, hostfile, worker_args(recipe_path, run_dir, cache_dir, overrides, resume), port,
                           launcher=plan.launcher, master_addr=plan.master_addr, launcher_args=plan.launcher_args,
                           force_multi=plan.force_multi)
    full_env = quiet_environment(worker_env(nproc or 1))
    full_env.update(env or {})
    if hostfile:
        extra = {"FTCORE_NODES": ",".join(f"{n}:{k}" for n, k in plan.hosts)}
        full_env["FTCORE_NODES"] = extra["FTCORE_NODES"]
        if plan.launcher != "pdsh":  # DeepSpeed's launch script sets these itself only under pdsh
            extra.update(MASTER_ADDR=plan.master_addr or "127.0.0.1", MASTER_PORT=str(port))
        values = {**user_env_files(full_env), **forwarded_environment(full_env, extra)}
        full_env["DS_ENV_FILE"] = str(write_env_file(Path(run_dir) / "launch.env", values))
    if output is not None and hostfile and plan.launcher == "pdsh":
        output = unprefixed(output, [name for name, _ in plan.hosts])
    remote = bool(hostfile) and (len(plan.hosts) > 1 or plan.force_multi)
    outcome = supervise(cmd, full_env, Path(run_dir), output=output, node_timeout=plan.node_timeout, remote=remote)
    outcome.several_machines = bool(hostfile) and len(plan.hosts) > 1
    return outcome


def unprefixed(output: Callable[[str], None], hosts: Sequence[str]) -> Callable[[str], None]:
    """Pass lines on, without the ``host: `` pdsh puts before ftcore's own console lines.

    Other lines keep it, so ``run.log`` says which node printed what.
    """
    from ftcore.runtime.capture import CONSOLE_MARK

    prefixes = tuple(f"{h}: " for h in hosts)

    def route(line: str) -> None:
        if line.startswith(prefixes):
            rest = line.split(": ", 1)[1]
            if rest.startswith(CONSOLE_MARK):
                line = rest
        output(line)

    return route


def failure_error(outcome: LaunchOutcome, run_dir: Path, resumable_run: bool = True):
    """The :class:`RunError` that says how the workers ended and what to do next.

    Resuming is advised only when a worker started (so there may be a checkpoint to continue from);
    when none started, nothing ran and the fix is to remove the cause and run again. A worker that
    reported an error of its own (a bad cache, a recipe changed) is the cause, and the others were
    stopped because of it; otherwise ranks that vanished without a word name the lost node.
    """
    from ftcore.runtime.errors import RunError

    again = f"ftcore run ... --out {run_dir} --resume"
    details = [f"{outcome.nodes([st])}: {st.message}" for st in outcome.failed if st.message]
    if not outcome.started:
        return RunError(f"the worker processes did not start (launcher exit status {outcome.code}); nothing was "
                        "trained", "see the launcher's messages above and in run.log; fix the cause and run the same "
                        "command again" + (f" (or `{again}` to reuse this run folder)" if resumable_run else ""),
                        details)
    if outcome.signum is not None:
        error = RunError(f"interrupted by {signal.Signals(outcome.signum).name}: the workers stopped, each saving a "
                         "checkpoint first", f"continue with `{again}` (the same command plus --resume)")
        error.signum = outcome.signum  # ftcore run exits with 128 + its number
        return error
    resume = f"check that machine, then continue from the newest checkpoint with `{again}` (the same command " \
             "plus --resume)"
    if outcome.lost and outcome.silent_for is not None:
        return RunError(f"lost {outcome.nodes(outcome.lost)}: no sign of life for {outcome.silent_for:.0f}s, so the "
                        "run was stopped", resume, details)
    own = [st for st in outcome.failed if st.message.startswith("exit status")]
    if outcome.lost and not own and outcome.several_machines:
        return RunError(f"lost {outcome.nodes(outcome.lost)}: its workers stopped without a word (killed, or the "
                        "machine went down), so the run ended", resume, details)
    culprits = own or outcome.failed or outcome.lost
    where = f" on {outcome.nodes(culprits)}" if culprits else ""
    return RunError(f"training failed{where} (launcher exit status {outcome.code})",
                    f"see the messages above and run.log; fix the cause, then continue with `{again}`", details)
