"""Pre-flight for ``--hostfile`` runs: every reason the nodes cannot run this recipe, found before any compute.

:func:`preflight` reads the hostfile, checks the launcher is installed here, asks every node
(in parallel, the way the launcher will reach it) for its installed versions and whether it sees
the folders this machine writes, and returns a :class:`Preflight` listing each problem with the
host, the hostfile line and the fix. ``ftcore run --hostfile`` and ``ftcore check --hostfile``
run it before data preparation and print all the problems at once.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ftcore.runtime.hostfile import Host, is_this_machine, read_hostfile
from ftcore.runtime.probe import Prober, ProbeResult, probe_host

LAUNCHERS = {
    "pdsh": ("pdsh", "install pdsh (Debian/Ubuntu: apt-get install pdsh), or choose --launcher openmpi or slurm"),
    # DeepSpeed's runner looks for ompi_info and sinfo before it starts mpirun or srun.
    "openmpi": ("ompi_info", "install OpenMPI (apt-get install openmpi-bin), or choose --launcher pdsh or slurm"),
    "slurm": ("sinfo", "run inside a Slurm allocation (salloc/sbatch) where Slurm's commands are on PATH, or choose "
                       "--launcher pdsh"),
}
CORE_DISTS = ("ftcore", "torch", "deepspeed", "transformers")
EXIT_HOSTFILE, EXIT_NODES = 2, 4


@dataclass
class Problem:
    """One reason the run cannot start: where (``FILE:LINE`` or ``""``), which host, what, and the fix."""

    where: str
    message: str
    hint: str
    host: Optional[str] = None
    in_hostfile: bool = False  # a mistake in the hostfile or the command line itself (exit 2)

    def render(self) -> str:
        """``FILE:LINE: host "X": message`` and the help line."""
        head = f'host "{self.host}": ' if self.host else ""
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{head}{self.message}\n  = help: {self.hint}"


@dataclass
class Preflight:
    """The hosts to launch on, the address of the first one, and every problem found."""

    hostfile: str
    hosts: list[Host] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    master_addr: Optional[str] = None
    local_only: bool = False  # one host, and it is this machine: the launcher starts workers without ssh

    @property
    def ok(self) -> bool:
        """No problem was found."""
        return not self.problems

    @property
    def exit_status(self) -> int:
        """2 when the hostfile or command line is wrong, 4 when a node is not ready, 0 when all is well."""
        if not self.problems:
            return 0
        return EXIT_HOSTFILE if any(p.in_hostfile for p in self.problems) else EXIT_NODES

    def render(self) -> str:
        """Every problem, then one line saying nothing ran."""
        count = len(self.problems)
        lines = [f"error: {count} problem{'s' if count != 1 else ''} with the machines in {self.hostfile}; "
                 "nothing ran"]
        lines += [p.render() for p in self.problems]
        return "\n".join(lines)


def local_versions(dists: Iterable[str]) -> dict[str, Optional[str]]:
    """The versions installed here (``None`` for a distribution that is not)."""
    out: dict[str, Optional[str]] = {}
    for name in dists:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def recipe_distributions(graph, plugins) -> list[str]:
    """ftcore, torch, DeepSpeed, transformers and the distribution of every plugin a stage of the graph comes from."""
    by_name = {p.name: p.dist for p in plugins}
    used = {by_name.get(s.plugin) for s in graph.order()} if graph is not None else set()
    extra = sorted(d for d in used if d and d not in ("?", "(registered in code)") and d not in CORE_DISTS)
    return list(CORE_DISTS) + extra


def nearest_folder(path: Path) -> Path:
    """``path`` if it is a folder, else its nearest existing parent (a run folder is made only when the run starts)."""
    path = Path(path).resolve()
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


class Markers:
    """Marker files written into the folders the nodes must share; removed again on exit."""

    def __init__(self, folders: dict[str, Path]):
        self.token = uuid.uuid4().hex
        self.paths: dict[str, str] = {}  # marker path -> what the folder is for
        self.folders: dict[str, Path] = {}
        for role, folder in folders.items():
            base = nearest_folder(folder)
            marker = str(base / f".ftcore-preflight-{self.token}")
            if marker not in self.paths:
                self.paths[marker] = role
                self.folders[marker] = base

    def __enter__(self) -> "Markers":
        for marker in self.paths:
            try:
                Path(marker).write_text(self.token, encoding="utf-8")
            except OSError:
                pass  # the folder is not writable here: reported as not shared, the fix is the same
        return self

    def __exit__(self, *exc) -> None:
        for marker in self.paths:
            try:
                os.unlink(marker)
            except OSError:
                pass


SHARED_FIX = {
    "working folder": "workers start in the folder you run ftcore from, and read the recipe and its data there: "
                      "run ftcore from storage every node mounts at the same path",
    "run folder": "every rank writes its checkpoint shards into the run folder: give --out a folder on storage "
                  "every node mounts at the same path",
    "stage cache": "workers read the prepared data from the stage cache and never tokenize: put it on storage every "
                   "node mounts at the same path (--cache-dir or FTCORE_CACHE_DIR)",
}


def _node_problems(host: Host, where: str, result: ProbeResult, wanted: dict[str, Optional[str]],
                   markers: Markers, workdir: str, python: str, launcher: str) -> list[Problem]:
    if result.failure == "unreachable":
        how = "srun" if launcher == "slurm" else "ssh"
        hint = (f"make `ssh {host.name} true` work from this machine without a password prompt (a key in "
                f"~/.ssh/authorized_keys there, the host in ~/.ssh/config), or remove line {host.line}") \
            if how == "ssh" else f"check that node {host.name} is part of the Slurm allocation, or remove line {host.line}"
        return [Problem(where, f"cannot be reached with {how}: {result.detail}", hint, host.name)]
    if result.failure == "no-folder":
        return [Problem(where, f"the working folder {workdir} does not exist there", SHARED_FIX["working folder"],
                        host.name)]
    if result.failure == "no-python":
        return [Problem(where, f"ftcore's Python {python} does not exist there",
                        "the launcher runs the same Python path on every node: install the same environment at "
                        "that path there (or keep it on shared storage)", host.name)]
    if result.failure is not None:
        return [Problem(where, f"the check could not run there: {result.detail}",
                        f"run `{python} -c 'import ftcore'` on {host.name} to see what is wrong", host.name)]
    problems = []
    if result.versions.get("ftcore") is None:
        problems.append(Problem(where, f"ftcore is not installed for {python} there",
                                f"install ftcore=={wanted['ftcore']} into that environment on {host.name}",
                                host.name))
    differ = [(d, result.versions.get(d), v) for d, v in wanted.items()
              if d != "ftcore" or result.versions.get("ftcore") is not None]
    differ = [(d, there, here) for d, there, here in differ if there != here]
    if differ:
        shown = ", ".join(f"{d} {there or 'missing'} (here {here or 'missing'})" for d, there, here in differ)
        pins = " ".join(f"{d}=={here}" for d, _, here in differ if here)
        problems.append(Problem(where, f"different versions there: {shown}",
                                f"every node must run the same versions: pip install {pins} on {host.name}",
                                host.name))
    for marker, role in markers.paths.items():
        state = result.markers.get(marker, "missing")
        if state != "same":
            seen = "it cannot see files written here" if state in ("missing", "other") else state
            problems.append(Problem(where, f"the {role} {markers.folders[marker]} is not shared with this "
                                    f"machine ({seen})", SHARED_FIX[role], host.name))
    return problems


def _line(problem: Problem) -> int:
    head, _, tail = problem.where.rpartition(":")
    return int(tail) if head and tail.isdigit() else 0


def preflight(hostfile: str, *, launcher: str = "pdsh", nproc: Optional[int] = None, run_dir: Path,
              cache_dir: Path, dists: Sequence[str] = CORE_DISTS, prober: Optional[Prober] = None,
              workdir: Optional[str] = None, python: Optional[str] = None,
              master_addr: Optional[str] = None) -> Preflight:
    """Check a hostfile run before anything starts; see the module docstring for what is checked."""
    workdir = workdir or os.getcwd()
    python = python or sys.executable
    report = Preflight(hostfile)
    hosts, hostfile_problems = read_hostfile(hostfile)
    report.hosts = hosts
    report.problems += [Problem(p.where, p.message, p.hint, in_hostfile=True) for p in hostfile_problems]
    if launcher not in LAUNCHERS:
        report.problems.append(Problem("", f'unknown launcher "{launcher}"', f"choose one of {', '.join(LAUNCHERS)}",
                                       in_hostfile=True))
        return report
    for h in hosts:
        if nproc and nproc > h.slots:
            report.problems.append(Problem(f"{hostfile}:{h.line}", f"--nproc {nproc} asks for more processes than its "
                                           f"{h.slots} slot{'s' if h.slots != 1 else ''}",
                                           f"raise slots= on that line, or lower --nproc", h.name, True))
    if nproc and launcher == "openmpi":
        report.problems.append(Problem("", "--launcher openmpi starts one process per slot and cannot take --nproc",
                                       "leave out --nproc and set slots= in the hostfile", in_hostfile=True))
    if not hosts:
        return report
    report.local_only = len(hosts) == 1 and is_this_machine(hosts[0].name)
    if report.local_only:
        report.master_addr = master_addr or "127.0.0.1"
        return report
    binary, fix = LAUNCHERS[launcher]
    if shutil.which(binary) is None:
        report.problems.append(Problem("", f"the {launcher} launcher needs `{binary}`, which is not installed here",
                                       fix, in_hostfile=True))
    wanted = local_versions(dists)
    folders = {"working folder": Path(workdir), "run folder": Path(run_dir), "stage cache": Path(cache_dir)}
    with Markers(folders) as markers:
        request = {"dists": list(wanted), "markers": {m: markers.token for m in markers.paths}}
        ask = prober or (lambda host, req: probe_host(launcher, host, req, workdir=workdir, python=python))
        with ThreadPoolExecutor(max_workers=min(32, len(hosts))) as pool:
            results = list(pool.map(lambda h: ask(h.name, request), hosts))
    for h, result in zip(hosts, results):
        report.problems += _node_problems(h, f"{hostfile}:{h.line}", result, wanted, markers, workdir, python,
                                          launcher)
    report.problems.sort(key=_line)  # in hostfile order; problems of no line (the launcher) first
    first = results[0]
    report.master_addr = master_addr or (first.addresses[0] if first.addresses else None)
    if report.master_addr is None and first.failure is None:
        report.problems.append(Problem(f"{hostfile}:{hosts[0].line}", "has no address the other nodes can reach "
                                       "(hostname -I printed nothing)", "give one with --master-addr", hosts[0].name))
    return report


def check_nodes(hostfile: str, graph, host, *, recipe_path: str, out: Optional[str] = None,
                cache_dir: Optional[str] = None, nproc: Optional[int] = None, launcher: str = "pdsh",
                launcher_args: str = "", master_addr: Optional[str] = None, node_timeout: float = 120.0,
                say=print, prober: Optional[Prober] = None):
    """Run :func:`preflight` for a recipe's run and print the outcome.

    ``say`` prints one message. Returns ``(LaunchPlan, 0)`` when every node is ready, else
    ``(None, exit status)`` after printing every problem.
    """
    from ftcore.runtime.cache import default_cache_dir
    from ftcore.runtime.launch import LaunchPlan

    run_dir = Path(out).resolve() if out else Path.cwd() / "runs"
    cache = Path(cache_dir).resolve() if cache_dir else default_cache_dir(recipe_path)
    report = preflight(hostfile, launcher=launcher, nproc=nproc, run_dir=run_dir, cache_dir=cache,
                       dists=recipe_distributions(graph, host.plugins), prober=prober, master_addr=master_addr)
    if not report.ok:
        say(report.render())
        return None, report.exit_status
    hosts = [(h.name, nproc or h.slots) for h in report.hosts]
    plan = LaunchPlan(launcher=launcher, master_addr=report.master_addr, hosts=hosts,
                      force_multi=len(hosts) == 1 and not report.local_only, launcher_args=launcher_args,
                      node_timeout=node_timeout)
    where = "this machine" if report.local_only else f"{len(hosts)} node{'s' if len(hosts) != 1 else ''}"
    line = (f"pre-flight: {hostfile}: {where} ready, {sum(k for _, k in hosts)} processes, launcher {launcher}"
            + ("" if report.local_only else f", master {report.master_addr}"))
    say(line)
    return plan, 0

