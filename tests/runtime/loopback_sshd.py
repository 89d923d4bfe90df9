"""Two ssh "hosts" on one machine, for multi-node tests: an sshd bound to 127.0.0.1 on a free port.

:func:`start_loopback_sshd` writes a throwaway host key and user key into a folder, starts
``sshd -D`` listening on the loopback address only, and writes an ssh client config in which
every alias (``nodea``, ``nodeb``, ...) is that sshd. Clients use it with ``ssh -F CONFIG``;
``PDSH_SSH_ARGS_APPEND="-F CONFIG"`` makes pdsh (and ftcore's pre-flight) do the same.

It raises :class:`SshdUnavailable` with the reason when sshd cannot run here (not installed, no
privilege-separation folder and no right to create it, the port refused), so tests skip visibly.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class SshdUnavailable(Exception):
    """sshd cannot be started on this machine; the message says why."""


@dataclass
class LoopbackSshd:
    """A running sshd and the ssh client config that reaches it under several host aliases."""

    process: subprocess.Popen
    config: Path
    aliases: tuple[str, ...]
    port: int

    def ssh_env(self) -> dict[str, str]:
        """Environment variables that make pdsh and ftcore's pre-flight use this config."""
        return {"PDSH_SSH_ARGS_APPEND": f"-F {self.config}"}

    def stop(self) -> None:
        """Stop sshd (connections it already forked end with their sessions)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sshd_binary() -> str:
    for candidate in (shutil.which("sshd"), "/usr/sbin/sshd"):
        if candidate and os.path.isfile(candidate):
            return candidate
    raise SshdUnavailable("sshd is not installed (Debian/Ubuntu: apt-get install openssh-server)")


def start_loopback_sshd(folder: Path, aliases=("nodea", "nodeb"), wait_s: float = 15.0) -> LoopbackSshd:
    """Start an sshd on 127.0.0.1 that accepts a fresh key; returns it with a client config for ``aliases``."""
    sshd = _sshd_binary()
    if shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        raise SshdUnavailable("the ssh client is not installed (apt-get install openssh-client)")
    if os.geteuid() == 0:
        # sshd running as root needs its privilege-separation folder.
        try:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        except OSError as exc:
            raise SshdUnavailable(f"cannot create /run/sshd for sshd: {exc}") from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True,
                       stdout=subprocess.DEVNULL)
    shutil.copy(folder / "user_key.pub", folder / "authorized_keys")
    os.chmod(folder / "authorized_keys", 0o600)
    port = _free_port()
    user = getpass.getuser()
    (folder / "sshd_config").write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {folder / 'host_key'}",
        f"PidFile {folder / 'sshd.pid'}", f"AuthorizedKeysFile {folder / 'authorized_keys'}",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
        "PermitRootLogin prohibit-password", f"AllowUsers {user}", "PrintMotd no", "LogLevel ERROR", ""]))
    config = folder / "ssh_config"
    config.write_text("\n".join([
        f"Host {' '.join(aliases)}", "  HostName 127.0.0.1", f"  Port {port}", f"  User {user}",
        f"  IdentityFile {folder / 'user_key'}", "  IdentitiesOnly yes", "  StrictHostKeyChecking no",
        "  UserKnownHostsFile /dev/null", "  LogLevel ERROR", "  BatchMode yes", ""]))
    log = open(folder / "sshd.log", "w")
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=log)
    server = LoopbackSshd(process, config, tuple(aliases), port)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SshdUnavailable(f"sshd exited at once: {(folder / 'sshd.log').read_text().strip()[-500:]}")
        done = subprocess.run(["ssh", "-F", str(config), aliases[0], "true"], capture_output=True, text=True,
                              timeout=30)
        if done.returncode == 0:
            return server
        time.sleep(0.3)
    server.stop()
    raise SshdUnavailable(f"sshd on 127.0.0.1:{port} did not accept the test key within {wait_s:.0f}s: "
                          f"{done.stderr.strip()[-300:]}")
