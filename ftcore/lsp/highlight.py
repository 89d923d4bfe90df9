"""Semantic tokens: highlighting from the server, for editors that do not read TextMate grammars
(Neovim, for one). The roles match the TextMate grammar's scopes: block keywords, attribute
names, calls, parameter names, references, literals and comments."""

from __future__ import annotations

from typing import Optional

from ftcore.lsp.positions import UTF16, position_of
from ftcore.lsp.scan import Token, tokens

TOKEN_TYPES = ["namespace", "property", "function", "parameter", "variable", "string", "number", "comment",
               "keyword"]
TOKEN_MODIFIERS = ["declaration"]
_DECLARATION = 1  # bit of "declaration" in TOKEN_MODIFIERS

# After these a name continues the statement (a wrapped argument list, a call, a value).
_CONTINUES = {",", "(", "[", ":", "=", "."}


def _statement_start(toks: list[Token], i: int, text: str) -> bool:
    prev = _previous(toks, i)
    if prev is None or prev.type in ("{", "}"):
        return True
    newline_between = "\n" in text[prev.end:toks[i].start]
    return newline_between and prev.type not in _CONTINUES and not (prev.type == "NAME" and prev.text in ("let", "import"))


def _previous(toks: list[Token], i: int) -> Optional[Token]:
    j = i - 1
    while j >= 0 and toks[j].type == "COMMENT":
        j -= 1
    return toks[j] if j >= 0 else None


def _opens_block(toks: list[Token], i: int) -> bool:
    """Whether the name at ``i`` is followed by an optional label and ``{`` (a block's keyword)."""
    j, depth = i + 1, 0
    while j < len(toks):
        t = toks[j]
        if t.type in ("(", "["):
            depth += 1
        elif t.type in (")", "]"):
            depth -= 1
        elif depth == 0 and t.type == "{":
            return True
        elif depth == 0 and (t.type in ("}", ",", ":", "=") or (t.type == "NAME" and j > i + 1
                                                                 and toks[j - 1].type not in (".", "(", ","))):
            return False
        j += 1
    return False


def classify(text: str, toks: Optional[list[Token]] = None) -> list[tuple[Token, str, int]]:
    """Each highlighted token with its type (one of ``TOKEN_TYPES``) and modifier bits."""
    toks = tokens(text) if toks is None else toks
    out: list[tuple[Token, str, int]] = []
    block_name: Optional[Token] = None
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prev = _previous(toks, i)
        if tok.type in ("COMMENT", "STRING"):
            out.append((tok, tok.type.lower(), 0))
        elif tok.type in ("NUMBER", "PERCENT"):
            out.append((tok, "number", 0))
        elif tok.type != "NAME":
            continue
        elif prev is not None and prev.type == "NAME" and prev.text == "let" and _statement_start(toks, i - 1, text):
            out.append((tok, "variable", _DECLARATION))
        elif tok.text in ("let", "import") and _statement_start(toks, i, text):
            out.append((tok, "keyword", 0))
        elif nxt is not None and nxt.type == "(":
            out.append((tok, "function", 0))
        elif nxt is not None and nxt.type == ":":
            out.append((tok, "parameter", 0))
        elif tok.text in ("true", "false"):
            out.append((tok, "keyword", 0))
        elif _statement_start(toks, i, text):
            block_name = tok if _opens_block(toks, i) else None
            out.append((tok, "namespace" if block_name is not None else "property", 0))
        elif block_name is not None and prev is block_name and nxt is not None and nxt.type == "{":
            out.append((tok, "variable", _DECLARATION))  # data tickets { : the name a block gives itself
        else:
            out.append((tok, "variable", 0))
    return out


def semantic_tokens(text: str, encoding: str = UTF16) -> list[int]:
    """The LSP encoding of :func:`classify`: five integers per token, positions relative to the last."""
    data: list[int] = []
    line, col = 0, 0
    for tok, kind, modifiers in classify(text):
        start = position_of(text, tok.start, encoding)
        end = position_of(text, tok.end, encoding)
        data += [start.line - line, start.character - (col if start.line == line else 0),
                 end.character - start.character, TOKEN_TYPES.index(kind), modifiers]
        line, col = start.line, start.character
    return data
