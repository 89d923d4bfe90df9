"""DeepSpeed hostfiles: ``NAME slots=N`` per line, ``#`` comments; every mistake found with its line.

DeepSpeed's own reader stops at the first bad line with a traceback and accepts ``slots=0``;
this one reads the whole file, reports each problem at ``FILE:LINE`` with a fix, and is what
``ftcore run --hostfile`` and ``ftcore check --hostfile`` use before anything starts.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from pathlib import Path

LINE = re.compile(r"^(?P<name>\S+)(?:\s+(?P<rest>.*))?$")
SLOTS = re.compile(r"^slots=(?P<n>\S*)$")
EXAMPLE = "worker-1 slots=4"


@dataclass(frozen=True)
class Host:
    """One machine of a hostfile: its name as ssh reaches it, its process slots and its line."""

    name: str
    slots: int
    line: int


@dataclass(frozen=True)
class HostfileProblem:
    """A mistake in a hostfile, at ``line`` (0 when it concerns the whole file)."""

    path: str
    line: int
    message: str
    hint: str

    @property
    def where(self) -> str:
        """``FILE:LINE`` (or ``FILE``) for the message."""
        return f"{self.path}:{self.line}" if self.line else self.path


def parse_hostfile_text(text: str, path: str) -> tuple[list[Host], list[HostfileProblem]]:
    """Every host of a hostfile's text, in order, and every problem in it."""
    hosts: list[Host] = []
    problems: list[HostfileProblem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = LINE.match(line)
        name, rest = m.group("name"), (m.group("rest") or "").strip()
        if name.startswith("slots="):
            problems.append(HostfileProblem(path, number, f'"{line}" names no host',
                                            f"write the host name first: {EXAMPLE}"))
            continue
        slots_match = SLOTS.match(rest) if rest else None
        if not rest:
            problems.append(HostfileProblem(path, number, f'host "{name}" has no slot count',
                                            f"add how many processes it runs: {name} slots=1"))
            continue
        if slots_match is None:
            problems.append(HostfileProblem(path, number, f'cannot read "{rest}" after host "{name}"',
                                            f"write one host per line as NAME slots=N, e.g. {EXAMPLE}"))
            continue
        value = slots_match.group("n")
        if not value.isdigit() or int(value) < 1:
            problems.append(HostfileProblem(path, number, f'host "{name}": slots must be a whole number of at '
                                            f'least 1, not "{value}"',
                                            "give the number of processes (GPUs) to run there, e.g. slots=1"))
            continue
        if name in seen:
            problems.append(HostfileProblem(path, number, f'host "{name}" is listed again (first on line '
                                            f"{seen[name]})", "list each host once; add its slots up on one line"))
            continue
        seen[name] = number
        hosts.append(Host(name, int(value), number))
    if not hosts and not problems:
        problems.append(HostfileProblem(path, 0, "the hostfile lists no hosts",
                                        f"write one host per line as NAME slots=N, e.g. {EXAMPLE}"))
    return hosts, problems


def read_hostfile(path: str) -> tuple[list[Host], list[HostfileProblem]]:
    """Read and parse the hostfile at ``path``; a missing or unreadable file is one problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [HostfileProblem(path, 0, "no such hostfile", "give the path of a file listing NAME slots=N "
                                    "lines, or leave out --hostfile to train on this machine")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [HostfileProblem(path, 0, f"cannot read the hostfile: {exc}", "check the file's permissions")]
    return parse_hostfile_text(text, path)


def is_this_machine(name: str) -> bool:
    """Whether a host name means the machine ftcore runs on (``localhost``, a loopback address, its own name)."""
    if name in ("localhost", "localhost.localdomain", "::1") or name.startswith("127."):
        return True
    own = {socket.gethostname(), socket.getfqdn()}
    return name in own or name.split(".")[0] == socket.gethostname().split(".")[0]
