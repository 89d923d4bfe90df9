"""Run the mutation cases of :mod:`mutants`: break the code on purpose, check that the named tests fail.

Each mutant is applied to a fresh copy of the repository in a temporary folder, never to the
working tree, and the named tests run there in a subprocess whose ``PYTHONPATH`` puts the copy's
``ftcore`` and ``plugins`` packages ahead of the installed ones. A mutant is *killed* when pytest
reports a failing test (exit status 1), *survived* when every named test passes (exit status 0),
and an *error* otherwise (a node id that does not exist, a collection error, a timeout).

Run every case and print the score::

    python tests/mutation/runner.py            # all mutants
    python tests/mutation/runner.py --list     # names and claims only
    python tests/mutation/runner.py packing_first_label_kept   # some, by name

or through pytest, one test per mutant: ``python -m pytest -m mutation tests/mutation``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutants import MUTANTS, Mutant  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis",
                              ".ftcore-cache", "runs", "out", "*.pyc")


@dataclass
class Result:
    """What happened to one mutant."""

    mutant: Mutant
    status: str  # "killed", "survived" or "error"
    seconds: float
    output: str


def copy_tree(dest: Path, root: Path = ROOT) -> Path:
    """Copy the repository's sources (no virtualenv, caches or runs) into ``dest``; returns the copy."""
    tree = Path(dest) / "tree"
    shutil.copytree(root, tree, ignore=SKIP)
    return tree


def apply(mutant: Mutant, tree: Path) -> None:
    """Apply every edit of ``mutant`` to the copy ``tree``; a snippet that is not there exactly once is an error."""
    for edit in mutant.edits:
        path = Path(tree) / edit.path
        text = path.read_text(encoding="utf-8")
        count = text.count(edit.old)
        if count != 1:
            raise ValueError(f"{mutant.name}: the original snippet occurs {count} times in {edit.path}, not once; "
                             "update the mutant to the current code")
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def pytest_command(mutant: Mutant) -> list[str]:
    """The pytest command line run in the mutated copy (``-m ""`` so that slow tests named here run too)."""
    return [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "", *mutant.tests]


def environment(tree: Path) -> dict[str, str]:
    """The environment of the test run: the copy's packages first on the import path."""
    env = dict(os.environ)
    paths = [str(tree), str(tree / "plugins")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.pop("FTCORE_UPDATE_GOLDEN", None)
    return env


def run_mutant(mutant: Mutant, workdir: Optional[Path] = None, timeout: float = 900) -> Result:
    """Apply ``mutant`` to a copy of the repository and run its tests there."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ftcore-mutant-", dir=workdir) as tmp:
        tree = copy_tree(Path(tmp))
        apply(mutant, tree)
        try:
            done = subprocess.run(pytest_command(mutant), cwd=tree, env=environment(tree), capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            return Result(mutant, "error", time.monotonic() - start, f"timed out after {timeout:.0f}s\n{exc.stdout}")
    status = {0: "survived", 1: "killed"}.get(done.returncode, "error")
    return Result(mutant, status, time.monotonic() - start, done.stdout + done.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the named mutants (all by default), print one line each and the score; exit 1 unless all are killed."""
    parser = argparse.ArgumentParser(prog="python tests/mutation/runner.py", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and the tests that must kill them")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutant (default 900)")
    args = parser.parse_args(argv)
    by_name = {m.name: m for m in MUTANTS}
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        print(f"unknown mutants: {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    chosen = [by_name[n] for n in args.names] or list(MUTANTS)
    if args.list:
        for m in chosen:
            print(f"{m.name}\n    {m.claim}\n    " + "\n    ".join(m.tests))
        return 0
    results = []
    for m in chosen:
        r = run_mutant(m, timeout=args.timeout)
        results.append(r)
        print(f"{r.status:9} {r.seconds:6.1f}s  {m.name}", flush=True)
        if r.status != "killed":
            print("    " + "\n    ".join(r.output.strip().splitlines()[-15:]), flush=True)
    killed = sum(r.status == "killed" for r in results)
    total_s = sum(r.seconds for r in results)
    print(f"mutation score: {killed} of {len(results)} mutants killed ({total_s:.0f}s)")
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
