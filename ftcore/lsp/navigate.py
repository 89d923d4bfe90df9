"""Go to definition (``import`` paths, ``let`` names, block labels) and the document outline."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from ftcore.lsp.hover import word_at
from ftcore.lsp.scan import Symbol, Token, outline, token_at, tokens

# Where a definition is: the file, and the start and end offsets of the name in its text.
Target = tuple[Path, int, int]
ReadText = Callable[[Path], Optional[str]]


def _string_value(literal: str) -> str:
    body = literal[1:-1] if literal.endswith('"') and len(literal) > 1 else literal[1:]
    return body.replace('\\"', '"').replace("\\\\", "\\")


def imports_of(toks: list[Token]) -> list[tuple[Token, str]]:
    """The ``import "path"`` statements of a token list: the string token and the path it names."""
    return [(toks[i + 1], _string_value(toks[i + 1].text)) for i in range(len(toks) - 1)
            if toks[i].type == "NAME" and toks[i].text == "import" and toks[i + 1].type == "STRING"]


def _let_in(toks: list[Token], name: str) -> Optional[Token]:
    for i in range(len(toks) - 2):
        if toks[i].text == "let" and toks[i + 1].type == "NAME" and toks[i + 1].text == name and toks[i + 2].type == "=":
            return toks[i + 1]
    return None


def _block_labelled(text: str, toks: list[Token], label: str) -> Optional[tuple[int, int]]:
    for sym in outline(text, toks):
        if sym.kind == "block" and sym.name.partition(" ")[2] == label:
            return sym.name_start, sym.name_end
    return None


def definition(text: str, offset: int, path: Path, read: ReadText) -> Optional[Target]:
    """Where the name or import at ``offset`` of ``text`` (the file ``path``) is defined, or None.

    ``import "x.ftr"`` leads to that file; a ``let`` name to its ``let`` (in this file or one it
    imports, nearest first); a reference's first part to the block it labels (``tickets`` in
    ``tickets.test`` to ``data tickets``). ``read`` gives a file's text (an editor's buffer or
    the file on disk), None when it cannot be read.
    """
    toks = tokens(text)
    tok = token_at(toks, offset)
    if tok is None:
        return None
    for string, target in imports_of(toks):
        if string == tok:
            file = (path.parent / target).resolve()
            return (file, 0, 0) if read(file) is not None else None
    found = word_at(text, offset, toks)
    if found is None:
        return None
    _, start, end = found
    dotted = text[start:end]
    first = dotted.split(".")[0]
    return _find(text, toks, path, first, "." in dotted, read, set())


def _find(text: str, toks: list[Token], path: Path, name: str, dotted: bool, read: ReadText,
          seen: set[Path]) -> Optional[Target]:
    seen.add(path.resolve())
    if not dotted:
        let = _let_in(toks, name)
        if let is not None:
            return path, let.start, let.end
    labelled = _block_labelled(text, toks, name)
    if labelled is not None:
        return (path, *labelled)
    for _, target in imports_of(toks):
        file = (path.parent / target).resolve()
        sub = read(file) if file not in seen else None
        if sub is not None:
            hit = _find(sub, tokens(sub), file, name, dotted, read, seen)
            if hit is not None:
                return hit
    return None


def symbols(text: str) -> list[Symbol]:
    """The outline of ``text``: blocks with their attributes and nested blocks, lets and imports."""
    return outline(text)
