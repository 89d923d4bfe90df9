"""docs/preference.md tells the truth: its install command is the README's and CI's, its recipe and the
real recipe it names pass ftcore check, and its table of reported numbers is what the objectives report."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "preference.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "contrib" / "ftcore-preference" / "tests"))
from preference_helpers import pairs_jsonl  # noqa: E402


def blocks(kind: str = "") -> list[str]:
    """The fenced code blocks of the page whose fence names ``kind`` (empty: none)."""
    found, current, lang = [], None, ""
    for line in DOC.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current, lang = [], line[3:].strip()
            else:
                if lang == kind:
                    found.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return found


def test_the_install_command_is_part_of_the_readmes_and_cis():
    [command] = [b.strip() for b in blocks() if b.startswith("pip install")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if "pip install -e" in line]
    assert len(commands) >= 2 and all(command in line for line in commands)
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def check(recipe: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ftcore.cli", "check", str(recipe)], capture_output=True, text=True,
                          cwd=recipe.parent, timeout=120)


def test_the_recipe_shown_passes_ftcore_check(tmp_path):
    [recipe] = blocks("ftr")
    (tmp_path / "pairs.jsonl").write_text(pairs_jsonl())
    (tmp_path / "r.ftr").write_text(recipe)
    out = check(tmp_path / "r.ftr")
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_real_recipe_named_exists_and_passes_ftcore_check():
    [command] = [b.strip() for b in blocks() if b.startswith("ftcore run")]
    recipe = ROOT / shlex.split(command)[2]
    out = check(recipe)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_table_of_reported_numbers_is_what_the_objectives_report():
    from ftcore_preference.losses import STATISTICS

    table = DOC[DOC.index("| name | meaning |"):].split("\n\n")[0]
    names = re.findall(r"`([a-z_]+)`", "\n".join(line.split("|")[1] for line in table.splitlines()[2:]))
    assert sorted(names) == sorted(("loss",) + STATISTICS)
