"""The mutation registry stays true to the code (default suite, fast): every snippet and test still exists."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

from mutants import MUTANTS
from runner import ROOT, apply, copy_tree, environment, pytest_command


def test_names_are_unique_and_every_mutant_changes_something():
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    assert all(m.edits and m.tests and all(e.old != e.new for e in m.edits) for m in MUTANTS)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_each_snippet_is_in_the_code_exactly_once(mutant):
    for edit in mutant.edits:
        text = (ROOT / edit.path).read_text(encoding="utf-8")
        assert text.count(edit.old) == 1, f"{mutant.name}: update the snippet in {edit.path} to the current code"


def test_each_named_test_exists():
    for mutant in MUTANTS:
        for node in mutant.tests:
            path, _, name = node.partition("::")
            assert (ROOT / path).is_file(), f"{mutant.name}: no test file {path}"
            if not name:
                continue  # the whole file
            tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
            names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name.split("[")[0] in names, f"{mutant.name}: no test {node}"


def test_a_mutant_is_applied_to_a_copy_and_never_to_the_tree(tmp_path):
    mutant = MUTANTS[0]
    files = [ROOT / e.path for e in mutant.edits]
    before = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    tree = copy_tree(tmp_path)
    apply(mutant, tree)
    assert [hashlib.sha256(f.read_bytes()).hexdigest() for f in files] == before
    assert all(e.new in (tree / e.path).read_text(encoding="utf-8") for e in mutant.edits)
    assert not (tree / ".git").exists() and not (tree / ".venv").exists()
    env = environment(tree)
    assert env["PYTHONPATH"].split(":")[:2] == [str(tree), str(tree / "plugins")]
    assert pytest_command(mutant)[-len(mutant.tests):] == list(mutant.tests)


def test_a_stale_snippet_is_an_error_not_a_silent_survivor(tmp_path):
    from mutants import Edit, Mutant

    stale = Mutant("stale", "x", (Edit(MUTANTS[0].edits[0].path, "no such code anywhere", "x"),), ("t.py::t",))
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply(stale, copy_tree(tmp_path))
