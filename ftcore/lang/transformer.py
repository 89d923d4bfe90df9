"""Turn lark's parse tree into the recipe AST (:mod:`ftcore.lang.ast`), with a span on every node."""

from __future__ import annotations

import math

from lark import Token, Transformer, v_args

from ftcore.lang import ast


def token_span(path: str, tok: Token) -> ast.Span:
    """The span of one token."""
    return ast.Span(path, tok.line, tok.column, tok.end_line, tok.end_column, tok.start_pos, tok.end_pos)


def meta_span(path: str, meta) -> ast.Span:
    """The span of a tree node, from lark's propagated positions."""
    if getattr(meta, "empty", True):
        return ast.Span(path, 0, 0, 0, 0)
    return ast.Span(path, meta.line, meta.column, meta.end_line, meta.end_column, meta.start_pos, meta.end_pos)


def unquote(text: str) -> str:
    """The value of a string literal: quotes removed, ``\\"``, ``\\\\``, ``\\n`` and ``\\t`` decoded."""
    body = text[1:-1]
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


INT_LIMIT = 2**63 - 1  # the largest integer a recipe may write (what a 64-bit integer holds)


class NumberError(ValueError):
    """A number literal no recipe value can hold (too many digits, or beyond a 64-bit float)."""


def parse_number(text: str):
    """An int when the literal is integral in form (``128``), else a float (``5e-5``, ``0.1``).

    Raises :class:`NumberError` for an integer beyond ±(2**63 - 1) and for a float literal
    that rounds to infinity (``1e309``): both are mistakes, never a setting.
    """
    if any(c in text for c in ".eE"):
        value = float(text)
        if math.isinf(value):
            raise NumberError(f"{_short(text)} is too large for a number (the largest is about 1.8e308)")
        return value
    digits = len(text.lstrip("+-").lstrip("0"))
    if digits > len(str(INT_LIMIT)) or abs(int(text)) > INT_LIMIT:
        raise NumberError(f"{_short(text)} is too large for an integer (the largest is {INT_LIMIT})")
    return int(text)


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text)} characters)"


@v_args(meta=True)
class ToAst(Transformer):
    """The lark transformer; one method per grammar rule."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.problems: list[tuple[str, ast.Span, str]] = []  # (message, span, hint) found while transforming

    def _number(self, text: str, tok: Token):
        try:
            return parse_number(text)
        except NumberError as exc:
            self.problems.append((str(exc), token_span(self.path, tok),
                                  "write the value the setting needs; numbers this large are always a mistake"))
            return 0

    def _span(self, meta) -> ast.Span:
        return meta_span(self.path, meta)

    def start(self, meta, items):
        return list(items)

    def import_stmt(self, meta, children):
        (tok,) = children
        return ast.Import(unquote(tok), self._span(meta))

    def let_stmt(self, meta, children):
        name, value = children
        return ast.Let(str(name), value, self._span(meta), token_span(self.path, name))

    def block(self, meta, children):
        kind, label, *body = children
        return ast.Block(str(kind), label, tuple(body), self._span(meta), token_span(self.path, kind))

    def label(self, meta, children):
        (value,) = children
        if isinstance(value, Token):  # a bare STRING token
            return ast.Str(unquote(value), token_span(self.path, value))
        return value

    def attribute(self, meta, children):
        name, *args = children
        return ast.Attribute(str(name), tuple(args), self._span(meta), token_span(self.path, name))

    def call_stmt(self, meta, children):
        (call,) = children
        return ast.Attribute(call.name, call.args, call.span, call.name_span, paren=True)

    def arg(self, meta, children):
        (value,) = children
        return ast.Arg(None, value, value.span)

    def kwarg(self, meta, children):
        name, value = children
        return ast.Arg(str(name), value, self._span(meta), token_span(self.path, name))

    def string(self, meta, children):
        (tok,) = children
        return ast.Str(unquote(tok), token_span(self.path, tok))

    def number(self, meta, children):
        (tok,) = children
        return ast.Num(self._number(str(tok), tok), str(tok), token_span(self.path, tok))

    def percent(self, meta, children):
        (tok,) = children
        return ast.Percent(self._number(str(tok)[:-1], tok), str(tok), token_span(self.path, tok))

    def true(self, meta, children):
        return ast.Bool(True, token_span(self.path, children[0]))

    def false(self, meta, children):
        return ast.Bool(False, token_span(self.path, children[0]))

    def list(self, meta, children):
        return ast.ListV(tuple(c for c in children if c is not None), self._span(meta))

    def call(self, meta, children):
        name, *args = children
        return ast.Call(str(name), tuple(a for a in args if a is not None), self._span(meta),
                        token_span(self.path, name))

    def ref(self, meta, children):
        return ast.Ref(tuple(str(c) for c in children), self._span(meta))
