"""LSP positions (0-based, UTF-16 code units by default) against ftcore's 1-based character spans."""

from lsprotocol import types

from ftcore.lang.ast import Span
from ftcore.lsp.positions import offset_of, position_of, span_range

TEXT = 'recipe "🤖 bot" {\n  seed 4\n}\n'


def test_characters_beyond_the_basic_plane_count_twice_in_utf16():
    brace = TEXT.index("{")
    assert position_of(TEXT, brace) == types.Position(line=0, character=brace + 1)
    assert position_of(TEXT, brace, "utf-32") == types.Position(line=0, character=brace)
    assert position_of(TEXT, brace, "utf-8") == types.Position(line=0, character=brace + 3)
    assert offset_of(TEXT, 0, brace + 1) == brace
    assert offset_of(TEXT, 1, 7) == TEXT.index("4")
    assert offset_of(TEXT, 9, 0) == len(TEXT)


def test_a_span_becomes_the_same_characters():
    brace = TEXT.index("{")
    rng = span_range(TEXT, Span("r.ftr", 1, brace + 1, 1, brace + 2))  # the "{", in characters from 1
    assert (rng.start.character, rng.end.character) == (brace + 1, brace + 2)  # one more unit: the emoji
    assert span_range(TEXT, Span("<none>", 0, 0, 0, 0)).start == types.Position(line=0, character=0)
