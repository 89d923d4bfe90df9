"""Asking a node what it has: the command a pre-flight check runs there, and reading its answer.

The launcher starts workers on a node by running this machine's Python (the same path) in this
machine's working folder there. The probe does exactly that, through the same transport the
launcher uses (ssh for pdsh and OpenMPI, ``srun`` for Slurm), and prints one JSON line: the
installed versions of the distributions it was asked about, which marker files it can read (a
folder shared with this machine shows the marker written here), and the node's addresses.
"""

from __future__ import annotations

import getpass
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, Optional

MARK = "FTCORE_PROBE "
NO_FOLDER, NO_PYTHON = "FTCORE_PROBE_NO_FOLDER", "FTCORE_PROBE_NO_PYTHON"

# Runs on the node with only the standard library; it must not import ftcore, which may be missing.
PROBE_SCRIPT = r"""
import json, socket, subprocess, sys
from importlib import metadata
ask = json.loads(sys.argv[1])
out = {"python": sys.executable, "hostname": socket.gethostname(), "versions": {}, "markers": {}, "addresses": []}
for name in ask["dists"]:
    try:
        out["versions"][name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        out["versions"][name] = None
for path, token in ask["markers"].items():
    try:
        with open(path, encoding="utf-8") as f:
            out["markers"][path] = "same" if f.read().strip() == token else "other"
    except FileNotFoundError:
        out["markers"][path] = "missing"
    except OSError as exc:
        out["markers"][path] = "unreadable: " + str(exc)
try:
    out["addresses"] = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout.split()
except Exception:
    pass
if not out["addresses"]:
    try:
        out["addresses"] = [socket.gethostbyname(socket.gethostname())]
    except OSError:
        pass
print("FTCORE_PROBE " + json.dumps(out))
"""


@dataclass
class ProbeResult:
    """What one node answered, or why it could not be asked.

    ``failure`` is ``None`` when the probe ran; otherwise one of ``"unreachable"``, ``"no-folder"``,
    ``"no-python"`` or ``"broken"`` with ``detail`` saying what the transport printed.
    """

    host: str
    failure: Optional[str] = None
    detail: str = ""
    versions: dict[str, Optional[str]] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    addresses: list[str] = field(default_factory=list)
    hostname: str = ""


Prober = Callable[[str, dict], ProbeResult]


def remote_shell_command(workdir: str, python: str, request: dict) -> str:
    """The shell command run on the node: enter the working folder, check the Python, run the probe."""
    q = shlex.quote
    return (f"cd {q(workdir)} 2>/dev/null || {{ echo {NO_FOLDER}; exit 3; }}; "
            f"test -x {q(python)} || {{ echo {NO_PYTHON}; exit 3; }}; "
            f"exec {q(python)} -c {q(PROBE_SCRIPT)} {q(json.dumps(request))}")


def ssh_options(launcher: str, environ: Optional[dict] = None) -> list[str]:
    """ssh options matching how the launcher will connect.

    pdsh runs ``ssh -l <local user>`` plus ``$PDSH_SSH_ARGS_APPEND``; OpenMPI's ``mpirun`` runs
    plain ``ssh``. BatchMode makes a host that would ask for a password fail instead of waiting.
    """
    environ = os.environ if environ is None else environ
    opts = ["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
    if launcher == "pdsh":
        opts += shlex.split(environ.get("PDSH_SSH_ARGS_APPEND", "")) + ["-l", getpass.getuser()]
    return opts


def transport_command(launcher: str, host: str, remote: str, environ: Optional[dict] = None) -> list[str]:
    """The local command that runs ``remote`` (a shell command line) on ``host`` the way the launcher would.

    OpenMPI's ``mpirun`` reaches nodes with ``$OMPI_MCA_plm_rsh_agent`` when it is set (e.g.
    ``ssh -F /etc/cluster/ssh_config``), else ``ssh``.
    """
    environ = os.environ if environ is None else environ
    if launcher == "slurm":
        return ["srun", "--nodes=1", "--ntasks=1", f"--nodelist={host}", "sh", "-c", remote]
    agent = ["ssh"]
    if launcher == "openmpi" and environ.get("OMPI_MCA_plm_rsh_agent", "").strip():
        agent = shlex.split(environ["OMPI_MCA_plm_rsh_agent"].split(":")[0]) or agent
    return [*agent, *ssh_options(launcher, environ), host, remote]


def parse_answer(host: str, code: int, stdout: str, stderr: str) -> ProbeResult:
    """Turn the transport's exit status and output into a :class:`ProbeResult`."""
    for line in stdout.splitlines():
        if line.startswith(MARK):
            data = json.loads(line[len(MARK):])
            return ProbeResult(host, versions=data["versions"], markers=data["markers"],
                               addresses=data["addresses"], hostname=data["hostname"])
    if NO_FOLDER in stdout:
        return ProbeResult(host, "no-folder")
    if NO_PYTHON in stdout:
        return ProbeResult(host, "no-python")
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    detail = lines[-1] if lines else f"exit status {code}"
    return ProbeResult(host, "unreachable" if code == 255 else "broken", detail)


def probe_host(launcher: str, host: str, request: dict, *, workdir: Optional[str] = None,
               python: Optional[str] = None, timeout: float = 60.0) -> ProbeResult:
    """Run the probe on ``host`` through the launcher's transport."""
    remote = remote_shell_command(workdir or os.getcwd(), python or sys.executable, request)
    cmd = transport_command(launcher, host, remote)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return ProbeResult(host, "unreachable", f"{cmd[0]} is not installed on this machine")
    except subprocess.TimeoutExpired:
        return ProbeResult(host, "unreachable", f"no answer within {timeout:.0f}s")
    return parse_answer(host, done.returncode, done.stdout, done.stderr)
