"""Starting training: in this process for one process, through DeepSpeed's launcher for several.

``ftcore run --nproc N`` (one machine) and ``--hostfile FILE`` (several) start ``python -m
ftcore.runtime.worker`` processes with ``deepspeed.launcher.runner``; they read the data stages
this process prepared in the stage cache and run only the train stage.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence


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


def launcher_command(nproc: Optional[int], hostfile: Optional[str], args: Sequence[str],
                     port: Optional[int] = None) -> list[str]:
    """``python -m deepspeed.launcher.runner ... --module ftcore.runtime.worker ARGS``."""
    cmd = [sys.executable, "-m", "deepspeed.launcher.runner", "--master_port", str(port or free_port())]
    if hostfile:
        cmd += ["--hostfile", str(hostfile)]
        if nproc:
            cmd += ["--num_gpus", str(nproc)]
    else:
        cmd += ["--num_gpus", str(nproc or 1)]
    return cmd + ["--module", "ftcore.runtime.worker", *args]


def worker_env(nproc: int) -> dict[str, str]:
    """The environment for worker processes: CPU threads shared fairly, tokenizers quiet."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, nproc))))
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    # The launcher must not inherit a single-process group's variables from this process.
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    return env


def launch_workers(recipe_path: str, run_dir: Path, cache_dir: Path, overrides: Sequence[str], *, resume: bool,
                   nproc: Optional[int], hostfile: Optional[str], output: Optional[Callable[[str], None]] = None) -> int:
    """Run the train stage in ``nproc`` processes (or per ``hostfile``); returns the launcher's exit status.

    With ``output``, the launcher's and workers' standard output and error come back through a
    pipe, one line per call. The workers' libraries start with their progress bars off.
    """
    from ftcore.runtime.capture import quiet_environment

    cmd = launcher_command(nproc, hostfile, worker_args(recipe_path, run_dir, cache_dir, overrides, resume))
    env = quiet_environment(worker_env(nproc or 1))
    if output is None:
        return subprocess.call(cmd, env=env)
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          encoding="utf-8", errors="replace", bufsize=1) as proc:
        for line in proc.stdout:
            output(line)
        return proc.wait()
