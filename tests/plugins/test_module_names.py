"""Top-level names of an impl's module: parsed once per file version, remembered across processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ftcore.plugins import module_names


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty user cache and a process that has read nothing yet (as a new ``ftcore check`` is)."""
    monkeypatch.setenv("FTCORE_USER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(module_names, "_memory", {})
    monkeypatch.setattr(module_names, "_stored", None)
    monkeypatch.setattr(module_names, "_dirty", False)
    return tmp_path / "cache" / module_names.CACHE_FILE


def new_process(monkeypatch, parse_allowed: bool):
    """Forget what this process knows; with ``parse_allowed=False`` any parse fails the test."""
    monkeypatch.setattr(module_names, "_memory", {})
    monkeypatch.setattr(module_names, "_stored", None)
    monkeypatch.setattr(module_names, "_dirty", False)
    if not parse_allowed:
        monkeypatch.setattr(module_names, "_names_in_source", lambda source: pytest.fail("parsed again"))


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "impls_mod.py"
    path.write_text("import os\nclass TopK:\n    pass\nLIMIT = 3\n")
    return path


def test_a_later_process_reads_the_names_from_the_cache_without_parsing(fresh, module, monkeypatch):
    assert module_names.top_level_names(str(module)) == {"os", "TopK", "LIMIT"}
    module_names.flush()
    assert json.loads(fresh.read_text())["modules"][str(module)]["names"] == ["LIMIT", "TopK", "os"]
    new_process(monkeypatch, parse_allowed=False)
    assert module_names.top_level_names(str(module)) == {"os", "TopK", "LIMIT"}


def test_a_module_that_may_define_names_dynamically_is_remembered_as_such(fresh, tmp_path, monkeypatch):
    path = tmp_path / "star.py"
    path.write_text("from os import *\n")
    assert module_names.top_level_names(str(path)) is None
    module_names.flush()
    new_process(monkeypatch, parse_allowed=False)
    assert module_names.top_level_names(str(path)) is None


@pytest.mark.parametrize("edit", ["same time, other size", "same size, other time"])
def test_an_edited_module_is_parsed_again(fresh, module, monkeypatch, edit):
    module_names.top_level_names(str(module))
    module_names.flush()
    before = os.stat(module)
    if edit == "same time, other size":
        module.write_text("class TopK:\n    pass\nclass Other:\n    pass\n")
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
        expected = {"TopK", "Other"}
    else:
        module.write_text("import re\nclass TopK:\n    pass\nLIMIT = 4\n")
        os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
        expected = {"re", "TopK", "LIMIT"}
    new_process(monkeypatch, parse_allowed=True)
    assert module_names.top_level_names(str(module)) == expected


@pytest.mark.parametrize("damage", ["", "{oops", "[]", '{"format": 1, "modules": []}',
                                    '{"format": 1, "modules": {"%s": {"mtime_ns": 1, "size": 1, "names": "TopK"}}}'])
def test_a_damaged_cache_is_a_miss_and_is_rewritten(fresh, module, monkeypatch, damage):
    module_names.top_level_names(str(module))
    module_names.flush()
    stat = os.stat(module)
    fresh.write_text(damage.replace("%s", str(module)).replace('"mtime_ns": 1, "size": 1',
                                                                f'"mtime_ns": {stat.st_mtime_ns}, "size": {stat.st_size}'))
    new_process(monkeypatch, parse_allowed=True)
    assert module_names.top_level_names(str(module)) == {"os", "TopK", "LIMIT"}
    module_names.flush()
    assert json.loads(fresh.read_text())["modules"][str(module)]["names"] == ["LIMIT", "TopK", "os"]


def test_deleted_modules_are_dropped_from_the_cache(fresh, module, tmp_path):
    gone = tmp_path / "gone.py"
    gone.write_text("X = 1\n")
    module_names.top_level_names(str(gone))
    gone.unlink()
    module_names.top_level_names(str(module))
    module_names.flush()
    assert set(json.loads(fresh.read_text())["modules"]) == {str(module)}


def test_without_a_writable_cache_names_are_still_found(tmp_path, module, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("FTCORE_USER_CACHE", str(blocker / "cache"))
    monkeypatch.setattr(module_names, "_memory", {})
    monkeypatch.setattr(module_names, "_stored", None)
    monkeypatch.setattr(module_names, "_dirty", False)
    assert module_names.top_level_names(str(module)) == {"os", "TopK", "LIMIT"}
    module_names.flush()


def test_a_check_writes_the_cache_once_at_exit(tmp_path):
    """Across real processes: the first check writes the names of every impl module it read, at exit."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "FTCORE_USER_CACHE": str(tmp_path / "cache")}
    recipe = str(root / "recipes" / "support-reply.ftr")
    out = subprocess.run([sys.executable, "-m", "ftcore.cli", "check", recipe], env=env, cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    modules = json.loads((tmp_path / "cache" / module_names.CACHE_FILE).read_text())["modules"]
    assert any(path.endswith(os.path.join("ftcore_data", "sources.py")) for path in modules), sorted(modules)
