"""docs/testing.md tells the truth: its commands run, its example is the registry's, its table and score match."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"
sys.path.insert(0, str(ROOT / "tests" / "mutation"))

from mutants import MUTANTS  # noqa: E402


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M)


def commands() -> list[str]:
    return [line for block in code_blocks(DOC.read_text(encoding="utf-8")) for line in block.splitlines()
            if line.startswith("python ")]


def run(command: str) -> subprocess.CompletedProcess:
    argv = command.split()
    argv[0] = sys.executable if argv[0] == "python" else argv[0]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_table_lists_every_mutant_in_order():
    cases = DOC.read_text(encoding="utf-8").split("### The cases", 1)[1]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \|", cases, re.M)
    assert rows == [m.name for m in MUTANTS], "update the table in docs/testing.md"


def test_the_last_score_counts_every_mutant():
    match = re.search(r"^Last run: .*?(\d+) of (\d+) mutants killed", DOC.read_text(encoding="utf-8"), re.M | re.S)
    assert match, "docs/testing.md must give the last score"
    assert int(match.group(2)) == len(MUTANTS), "rerun the mutation run and update the score"


def test_the_example_is_a_case_of_the_registry():
    (example,) = [b for b in code_blocks(DOC.read_text(encoding="utf-8")) if b.startswith("Mutant(")]
    source = (ROOT / "tests" / "mutation" / "mutants.py").read_text(encoding="utf-8")
    indented = "".join("    " + line if line.strip() else line for line in example.splitlines(keepends=True))
    assert indented in source


def test_the_listing_command_lists_every_mutant():
    (command,) = [c for c in commands() if c.endswith("--list")]
    done = run(command)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if not line.startswith(" ")] == [m.name for m in MUTANTS]


def test_the_pytest_command_has_one_test_per_mutant():
    (command,) = [c for c in commands() if "-m mutation" in c]
    done = run(command + " --collect-only -q")
    assert f"{len(MUTANTS)} tests collected" in done.stdout or f"{len(MUTANTS)}/" in done.stdout, done.stdout[-2000:]


def test_running_named_mutants_kills_them_and_leaves_the_tree_alone():
    (command,) = [c for c in commands() if "runner.py" in c and len(c.split()) > 3 and "--" not in c]
    names = command.split()[2:]
    edited = {ROOT / e.path: (ROOT / e.path).read_bytes() for m in MUTANTS if m.name in names for e in m.edits}
    done = run(command)
    assert done.returncode == 0, done.stdout[-3000:]
    assert done.stdout.splitlines()[-1].startswith(f"mutation score: {len(names)} of {len(names)} mutants killed")
    assert all(path.read_bytes() == text for path, text in edited.items())


def test_an_unknown_mutant_is_an_error():
    done = run(f"{sys.executable} tests/mutation/runner.py no_such_mutant")
    assert done.returncode == 2 and "unknown mutants: no_such_mutant" in done.stderr
