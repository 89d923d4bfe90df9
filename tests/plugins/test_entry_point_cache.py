"""Installed ``ftcore`` entry points, cached across processes: right after every install, upgrade and removal."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftcore.plugins import entry_point_cache

PLUGIN = "from ftcore.plugins import hookimpl\nFTCORE_PLUGIN_API = '1.0'\n"


def install(site: Path, version: str, entry: str = "toxicity = ftcore_toxicity") -> Path:
    """Lay a distribution out as pip does: its module and its ``.dist-info``."""
    (site / "ftcore_toxicity.py").write_text(PLUGIN)
    dist = site / f"ftcore_toxicity-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: ftcore-toxicity\nVersion: {version}\n")
    (dist / "entry_points.txt").write_text(f"[ftcore]\n{entry}\n")
    return dist


def answer(eps) -> list:
    return [(ep.name, ep.value, None if ep.dist is None else (ep.dist.name, ep.dist.version)) for ep in eps]


def truth() -> list:
    """What importlib.metadata itself says now."""
    return answer(sorted(importlib.metadata.entry_points(group="ftcore"), key=lambda ep: ep.name))


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("FTCORE_USER_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.fixture
def scans(monkeypatch):
    """Count the times importlib.metadata is asked (a cache miss)."""
    count = []
    real = entry_point_cache._scan

    def counting(group):
        count.append(group)
        return real(group)

    monkeypatch.setattr(entry_point_cache, "_scan", counting)
    return count


def test_an_unchanged_installation_is_answered_from_the_cache(site, scans):
    install(site, "1.0.0")
    first = answer(entry_point_cache.entry_points("ftcore"))
    assert first == truth() and ("toxicity", "ftcore_toxicity", ("ftcore-toxicity", "1.0.0")) in first
    assert answer(entry_point_cache.entry_points("ftcore")) == first
    assert scans == ["ftcore"]


def test_install_upgrade_and_removal_are_seen_at_once(site, scans):
    names = lambda: [e for e in answer(entry_point_cache.entry_points("ftcore")) if e[0] == "toxicity"]  # noqa: E731
    assert names() == []
    dist = install(site, "1.0.0")
    assert names() == [("toxicity", "ftcore_toxicity", ("ftcore-toxicity", "1.0.0"))]
    shutil.rmtree(dist)
    install(site, "1.1.0")
    assert names() == [("toxicity", "ftcore_toxicity", ("ftcore-toxicity", "1.1.0"))]
    assert answer(entry_point_cache.entry_points("ftcore")) == truth()
    shutil.rmtree(site / "ftcore_toxicity-1.1.0.dist-info")
    assert names() == []


def test_entry_points_rewritten_in_place_are_seen(site, scans):
    """A develop install rewrites ``entry_points.txt`` inside the same metadata folder."""
    dist = install(site, "1.0.0")
    entry_point_cache.entry_points("ftcore")
    (dist / "entry_points.txt").write_text("[ftcore]\ntoxicity = ftcore_toxicity\ntoxicity_two = ftcore_toxicity\n")
    assert "toxicity_two" in [ep.name for ep in entry_point_cache.entry_points("ftcore")]
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ftcore-toxicity\nVersion: 1.0.10\n")
    assert ("ftcore-toxicity", "1.0.10") in [(ep.dist.name, ep.dist.version)
                                             for ep in entry_point_cache.entry_points("ftcore")]
    assert len(scans) == 3


def test_a_stored_entry_point_loads_its_module(site):
    install(site, "1.0.0")
    entry_point_cache.entry_points("ftcore")
    (ep,) = [ep for ep in entry_point_cache.entry_points("ftcore") if ep.name == "toxicity"]
    assert isinstance(ep, entry_point_cache.StoredEntryPoint)
    assert ep.load().FTCORE_PLUGIN_API == "1.0"
    assert entry_point_cache.StoredEntryPoint("x", "os.path:join", None).load() is os.path.join


@pytest.mark.parametrize("damage", ["", "{", '{"format": 1, "snapshot": [], "entry_points": 3}'])
def test_a_damaged_cache_file_is_a_miss(site, scans, damage):
    install(site, "1.0.0")
    entry_point_cache.entry_points("ftcore")
    (stored,) = (Path(os.environ["FTCORE_USER_CACHE"]) / "entry-points").glob("*.json")
    data = json.loads(stored.read_text())
    stored.write_text(damage.replace("[]", json.dumps(data["snapshot"])))
    assert answer(entry_point_cache.entry_points("ftcore")) == truth()
    assert len(scans) == 2


def test_another_distribution_finder_turns_the_cache_off(site, scans, monkeypatch):
    class Finder:
        @staticmethod
        def find_spec(*args):
            return None

        @staticmethod
        def find_distributions(*args, **kwargs):
            return iter(())

    monkeypatch.setattr(sys, "meta_path", sys.meta_path + [Finder])
    entry_point_cache.entry_points("ftcore")
    entry_point_cache.entry_points("ftcore")
    assert len(scans) == 2


def test_a_plugin_installed_after_a_check_is_seen_by_the_next_process(tmp_path):
    """Across real processes: ``ftcore plugins`` before, after an install, after the removal."""
    site = tmp_path / "site"
    site.mkdir()
    env = {**os.environ, "FTCORE_USER_CACHE": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))}

    def listed() -> str:
        out = subprocess.run([sys.executable, "-m", "ftcore.cli", "plugins"], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "toxicity" not in listed()
    dist = install(site, "9.9.9")
    assert "toxicity 9.9.9" in listed()
    shutil.rmtree(dist)
    assert "toxicity" not in listed()
