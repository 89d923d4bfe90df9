"""docs/writing_plugins.md is true: its commands run, and its code is what the scaffold writes.

Every fenced block of the page is accounted for:

- the ``bash`` block of "From nothing to a published package" runs, line by line as written, in a
  fresh virtual environment (which sees this environment's packages, as a user's would after
  ``pip install ftcore``): scaffold, install, ``ftcore plugins``/``describe``, the generated
  tests (one trains a tiny model through the new source), and the wheel;
- the blocks of "What the scaffold writes" are exactly the files ``ftcore new-plugin lines
  --kind source`` writes (so the bash run above executes them);
- the blocks of "A metric in a few lines" are built into a distribution and run by
  tests/plugins/ftcore_metrics/test_docs_metric_example.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ftcore.scaffold import names_for
from ftcore.scaffold.templates import files_for

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "writing_plugins.md"
TESTED_ELSEWHERE = {"A metric in a few lines"}


def blocks_by_section() -> list[tuple[str, str, str, str]]:
    """Every fenced block as ``(section, file name given before it or "", language, text)``."""
    out, section, named, block, language = [], "", "", None, ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if block is not None:
            if line.startswith("```"):
                out.append((section, named, language, "\n".join(block) + "\n"))
                block, named = None, ""
            else:
                block.append(line)
        elif line.startswith("```"):
            language, block = line[3:].strip(), []
        elif line.startswith("## "):
            section = line[3:].strip()
        else:
            match = re.match(r"`([\w./-]+\.(?:py|toml))`:?$", line.strip())
            if match:
                named = match.group(1)
    return out


def test_every_code_block_is_run_or_compared():
    sections = {section for section, _, _, _ in blocks_by_section()}
    assert sections == {"From nothing to a published package", "What the scaffold writes"} | TESTED_ELSEWHERE


def test_the_scaffold_files_shown_are_the_ones_it_writes():
    files = files_for("source", names_for("lines"))
    shown = [(named, text) for section, named, _, text in blocks_by_section() if section == "What the scaffold writes"]
    assert [named for named, _ in shown] == ["ftcore_lines/plugin.py", "ftcore_lines/source.py", "tests/test_lines.py"]
    for named, text in shown:
        assert text == files[named], f"{named} in the doc differs from what ftcore new-plugin writes"


@pytest.fixture
def fresh_env(tmp_path):
    """A new virtual environment seeing this one's packages (ftcore and its dependencies), with ftcore's
    console script of its own, as after ``pip install ftcore``."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "parent_env.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip"]
    done = subprocess.run(pip + ["install", "--quiet", "--no-deps", "--no-build-isolation", "-e", str(ROOT)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (venv / "bin" / "pip").write_text(f'#!/bin/sh\nexec "{python}" -m pip "$@"\n')
    (venv / "bin" / "pip").chmod(0o755)
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
    env.pop("PYTHONPATH", None)
    env.pop("FTCORE_PLUGINS", None)
    return env


def test_from_nothing_to_a_published_package(fresh_env, tmp_path):
    (script,) = [text for section, _, language, text in blocks_by_section()
                 if section == "From nothing to a published package" and language == "bash"]
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(["bash", "-e", "-x", "-c", script], capture_output=True, text=True, env=fresh_env, cwd=work)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert re.search(r"\d+ passed", done.stdout) and "skipped" not in done.stdout
    assert "source lines  (from plugin lines, ftcore-lines 0.1.0)" in done.stdout
    assert (work / "ftcore-lines" / "dist" / "ftcore_lines-0.1.0-py3-none-any.whl").is_file()
