"""The recipe parser's LALR tables: shipped as JSON, else built once and kept in the user's cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lark import Lark

from ftcore.lang import parser as parser_module
from ftcore.lang import parser_tables as tables

ROOT = Path(__file__).resolve().parents[2]
BROKEN = 'model "m" {\n  lr = 3 }\n}\nlet = 4\ntrain "t" { steps [1, 2 }\n'


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("FTCORE_USER_CACHE", str(folder))
    return folder


@pytest.fixture
def builds(monkeypatch):
    """Count the parsers built from the grammar (the slow path)."""
    count = []

    def counting(*args, **kwargs):
        count.append(1)
        return Lark(*args, **kwargs)

    monkeypatch.setattr(tables, "Lark", type("CountingLark", (), {"__new__": lambda cls, *a, **k: counting(*a, **k),
                                                                   "load": staticmethod(Lark.load)}))
    return count


@pytest.fixture
def other_lark(monkeypatch):
    """Pretend another lark version is installed: the shipped tables no longer apply."""
    monkeypatch.setattr(tables.lark, "__version__", "0.0.0-other")


def test_shipped_tables_are_for_the_grammar_in_the_package():
    shipped = tables._read_shipped()
    assert shipped is not None and shipped["grammar"] == tables.grammar_text(), \
        "ftr.lark changed: regenerate its tables with `python -m ftcore.lang.parser_tables`"
    assert shipped["options"] == tables.OPTIONS


def test_the_shipped_tables_are_used_without_building(builds, cache_dir):
    tables.load_parser()
    assert builds == [] and not cache_dir.exists()


def _parse_with(parser, text):
    parser_module._parser.cache_clear()
    original = parser_module.load_parser
    parser_module.load_parser = lambda: parser
    try:
        module, diagnostics = parser_module.parse(text, "t.ftr")
        return repr(module), [(d.message, d.span, d.hint) for d in diagnostics]
    finally:
        parser_module.load_parser = original
        parser_module._parser.cache_clear()


def _corpus() -> list[str]:
    """Every shipped and fixture recipe, and each with a stray character put in at several places."""
    texts = [p.read_text(encoding="utf-8") for folder in (ROOT / "recipes", ROOT / "tests" / "lang" / "fixtures")
             for p in sorted(folder.rglob("*.ftr"))]
    broken = [text[:at] + stray + text[at:] for text in texts for at, stray in
              zip(range(7, len(text), max(1, len(text) // 6)), ["}", "{", '"', "= =", ",", ")", "@"])]
    return texts + broken + [BROKEN]


def test_loaded_tables_parse_and_report_errors_exactly_as_a_built_parser():
    """State numbers differ from build to build (lark orders sets by hash), so compare behaviour."""
    built, loaded = Lark(tables.grammar_text(), **tables.OPTIONS), tables.load_parser()
    corpus = _corpus()
    assert len(corpus) > 20
    for text in corpus:
        assert _parse_with(loaded, text) == _parse_with(built, text), text


def test_another_lark_builds_once_then_loads_from_the_user_cache(other_lark, builds, cache_dir):
    first = tables.load_parser()
    assert builds == [1]
    (stored,) = (cache_dir / "parser").glob("*.json")
    assert json.loads(stored.read_text())["lark"] == "0.0.0-other"
    second = tables.load_parser()
    assert builds == [1], "the cached tables were not used"
    assert _parse_with(second, BROKEN) == _parse_with(first, BROKEN)


@pytest.mark.parametrize("damage", ["", "{not json", '{"format": 1}', "[1, 2]"])
def test_a_damaged_cache_file_is_rebuilt(other_lark, builds, cache_dir, damage):
    tables.load_parser()
    (stored,) = (cache_dir / "parser").glob("*.json")
    stored.write_text(damage)
    tables.load_parser()
    assert builds == [1, 1]
    assert json.loads(stored.read_text())["grammar"] == tables.grammar_text()


def test_tables_stored_for_another_grammar_are_not_used(other_lark, builds, cache_dir):
    tables.load_parser()
    (stored,) = (cache_dir / "parser").glob("*.json")
    planted = json.loads(stored.read_text())
    planted["grammar"] = planted["grammar"].replace("start:", "start :")
    stored.write_text(json.dumps(planted))
    tables.load_parser()
    assert builds == [1, 1]


def test_an_unwritable_cache_folder_still_parses(other_lark, builds, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FTCORE_USER_CACHE", str(blocker / "cache"))
    assert _parse_with(tables.load_parser(), BROKEN)[1]
    assert list(tmp_path.iterdir()) == [blocker]


def test_the_cache_can_be_turned_off(other_lark, builds, monkeypatch, tmp_path):
    monkeypatch.setenv("FTCORE_USER_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tables.load_parser()
    tables.load_parser()
    assert builds == [1, 1] and list(tmp_path.iterdir()) == []
