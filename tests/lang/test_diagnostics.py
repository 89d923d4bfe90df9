"""Rendering diagnostics: location, source line, caret under the span, help, summary; did-you-mean."""

from __future__ import annotations

import pytest

from ftcore.lang.ast import Span
from ftcore.lang.diagnostics import Diagnostic, Diagnostics, RecipeError, SourceCache, did_you_mean, render, render_all


def sources(text: str, path: str = "r.ftr") -> SourceCache:
    cache = SourceCache()
    cache.add(path, text)
    return cache


def test_render_points_a_caret_under_the_span():
    d = Diagnostic('unknown metric "rogue"', Span("r.ftr", 2, 11, 2, 16), 'did you mean "rouge"?')
    assert render(d, sources("x\nmetrics a, rogue\n")) == (
        'r.ftr:2:11: error: unknown metric "rogue"\n'
        "   2 | metrics a, rogue\n"
        "     | " + " " * 10 + "^^^^^\n"
        '     = help: did you mean "rouge"?'
    )


def test_render_multi_line_spans_underline_to_the_end_of_the_first_line():
    d = Diagnostic("bad block", Span("r.ftr", 1, 3, 3, 2))
    assert render(d, sources("x {\n  a 1\n}\n")).splitlines()[2] == "     |   ^"


def test_tabs_keep_the_caret_aligned():
    d = Diagnostic("m", Span("r.ftr", 1, 3, 1, 4))
    lines = render(d, sources("\t\tx\n")).splitlines()
    assert lines[1] == "   1 |   x" and lines[2] == "     |   ^"


def test_only_newlines_end_lines():
    # a form feed or "\u2028" inside a comment is not a line break for the parser, nor here
    text = "# a\x0cb \u2028 c\nsecond line\n"
    assert sources(text).line("r.ftr", 2) == "second line"
    assert sources("a\r\nb\r\n").line("r.ftr", 1) == "a"


def test_messages_stay_on_one_line():
    d = Diagnostic('expected a number, got the string "a\nb"', Span("r.ftr", 1, 1, 1, 2), "tab\there")
    out = render(d, sources("x\n"))
    assert out.splitlines()[0].endswith('got the string "a\\nb"') and out.endswith("help: tab\\there")


def test_diagnostics_without_a_place_and_missing_files():
    assert render(Diagnostic("plugin conflict: x"), SourceCache()) == "error: plugin conflict: x"
    d = Diagnostic("m", Span("no/such/file.ftr", 3, 1, 3, 2))
    assert render(d, SourceCache()) == "no/such/file.ftr:3:1: error: m"


def test_render_all_sorts_by_place_and_counts():
    ds = Diagnostics()
    ds.warning("unused", Span("r.ftr", 3, 1, 3, 2))
    ds.error("second", Span("r.ftr", 2, 1, 2, 2))
    ds.error("first", Span("r.ftr", 1, 1, 1, 2))
    out = render_all(ds, sources("a\nb\nc\n"))
    assert [line for line in out.splitlines() if ": " in line and "|" not in line] == [
        "r.ftr:1:1: error: first", "r.ftr:2:1: error: second", "r.ftr:3:1: warning: unused"]
    assert out.endswith("\n\n2 errors, 1 warning found")
    assert render_all([], SourceCache()) == ""


def test_color_only_tints_the_severity():
    d = Diagnostic("m", Span("r.ftr", 1, 1, 1, 2))
    assert render(d, sources("x\n"), color=True).startswith("r.ftr:1:1: \x1b[1;31merror\x1b[0m: m")


def test_raise_if_errors_carries_everything():
    ds = Diagnostics()
    ds.warning("w")
    ds.raise_if_errors()  # warnings alone do not raise
    ds.error("e")
    with pytest.raises(RecipeError) as info:
        ds.raise_if_errors()
    assert [d.message for d in info.value.diagnostics] == ["w", "e"]


@pytest.mark.parametrize("word, names, expected", [
    ("rogue", ["rouge", "bleu"], "rouge"),
    ("trian", ["train", "data"], "train"),
    ("rl", ["lr", "eps"], "lr"),
    ("f2", ["f1", "accuracy"], "f1"),
    ("epoch", ["epochs", "batch"], "epochs"),
    ("x", ["y", "z"], None),
    ("zzz", ["train"], None),
])
def test_did_you_mean(word, names, expected):
    assert did_you_mean(word, names) == (f'did you mean "{expected}"?' if expected else None)
