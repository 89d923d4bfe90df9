"""``ftcore new-plugin``: the distribution it writes installs, is found by ftcore, and passes its own tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ftcore.cli import main
from ftcore.scaffold import KINDS, ScaffoldError, names_for, new_plugin
from ftcore.testing import pip_install, run_ftcore


def test_names_follow_the_ftcore_prefix_convention():
    assert names_for("SQLite-Source") == {"dist": "ftcore-sqlite-source", "package": "ftcore_sqlite_source",
                                          "entry": "sqlite_source", "component": "sqlite_source",
                                          "title": "sqlite-source"}
    assert names_for("ftcore-html")["dist"] == "ftcore-html"
    for bad in ("9lives", "", "class", "---"):
        with pytest.raises(ScaffoldError):
            names_for(bad)


def test_it_never_writes_into_a_folder_that_has_files(tmp_path, capsys):
    (tmp_path / "ftcore-mine").mkdir()
    (tmp_path / "ftcore-mine" / "keep.txt").write_text("mine")
    assert main(["new-plugin", "mine", "--kind", "metric", "--dir", str(tmp_path)]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "ftcore-mine").iterdir()) == ["keep.txt"]


def test_every_kind_declares_the_plugin_api_and_imports_only_the_public_api(tmp_path):
    for kind in KINDS:
        root = new_plugin(f"x-{kind}", kind, tmp_path)
        for path in root.rglob("*.py"):
            text = path.read_text()
            compile(text, str(path), "exec")
            imported = [line for line in text.splitlines() if re.match(r"(from|import) ftcore(\.|\s|$)", line)]
            assert all(line.startswith(("from ftcore.api import", "from ftcore.testing import")) for line in imported), \
                (path, imported)
        assert 'FTCORE_PLUGIN_API = "1.0"' in (root / f"ftcore_x_{kind}" / "plugin.py").read_text()
        assert f'x_{kind} = "ftcore_x_{kind}.plugin"' in (root / "pyproject.toml").read_text()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Every kind generated and installed (pip, no dependencies) into one folder put on PYTHONPATH."""
    tmp = tmp_path_factory.mktemp("scaffold")
    roots = [new_plugin(f"demo-{kind}", kind, tmp / "src") for kind in KINDS]
    return roots, pip_install(*roots, target=tmp / "site"), tmp


def test_ftcore_lists_every_generated_plugin(installed):
    roots, env, tmp = installed
    out = run_ftcore(env, tmp, "plugins")
    assert out.returncode == 0, out.stderr
    for kind in KINDS:
        assert f"\ndemo_{kind} 0.1.0  (ftcore-demo-{kind}: ftcore_demo_{kind}.plugin; plugin API 1.0)" in "\n" + out.stdout


def test_the_generated_distributions_pass_their_own_tests(installed):
    roots, env, tmp = installed
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *[str(Path(r) / "tests") for r in roots]], capture_output=True, text=True, env=env, cwd=tmp)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout
