"""Positions between the editor and the compiler.

The Language Server Protocol counts lines from 0 and columns in code units of the encoding the
client and server agreed on (``utf-16`` unless negotiated, else ``utf-8`` or ``utf-32``);
ftcore's spans count lines and columns from 1 in characters. Only ``\\n`` ends a line, as for
the parser.
"""

from __future__ import annotations

from lsprotocol import types

from ftcore.lang.ast import Span


UTF16 = "utf-16"


def _char_units(ch: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(ch) > 0xFFFF else 1


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def offset_of(text: str, line: int, character: int, encoding: str = UTF16) -> int:
    """The character offset in ``text`` of an LSP position (clamped to the text)."""
    lines = text.split("\n")
    if line >= len(lines):
        return len(text)
    start = sum(len(x) + 1 for x in lines[:line])
    row = lines[line]
    units = 0
    for i, ch in enumerate(row):
        if units >= character:
            return start + i
        units += _char_units(ch, encoding)
    return start + len(row)


def position_of(text: str, offset: int, encoding: str = UTF16) -> types.Position:
    """The LSP position of character ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=line, character=_units(text[line_start:offset], encoding))


def range_of(text: str, start: int, end: int, encoding: str = UTF16) -> types.Range:
    """The LSP range of the characters ``[start, end)`` of ``text``."""
    return types.Range(start=position_of(text, start, encoding), end=position_of(text, end, encoding))


def span_range(text: str, span: Span, encoding: str = UTF16) -> types.Range:
    """The LSP range of a compiler span (1-based line and column, end exclusive) in ``text``.

    A span without a place (line 0, e.g. a plugin conflict) becomes the first character.
    """
    if span is None or span.line <= 0:
        return types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    lines = text.split("\n")

    def convert(line: int, col: int) -> types.Position:
        row = lines[line - 1] if 0 < line <= len(lines) else ""
        return types.Position(line=line - 1, character=_units(row[:max(col - 1, 0)], encoding))

    end_line, end_col = (span.end_line, span.end_col) if span.end_line > 0 else (span.line, span.col + 1)
    return types.Range(start=convert(span.line, span.col), end=convert(end_line, end_col))
