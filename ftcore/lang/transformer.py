"""Turn lark's parse tree into the recipe AST (:mod:`ftcore.lang.ast`), with a span on every node."""

from __future__ import annotations

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


def parse_number(text: str):
    """An int when the literal is integral in form (``128``), else a float (``5e-5``, ``0.1``)."""
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


@v_args(meta=True)
class ToAst(Transformer):
    """The lark transformer; one method per grammar rule."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

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
        return ast.Num(parse_number(str(tok)), str(tok), token_span(self.path, tok))

    def percent(self, meta, children):
        (tok,) = children
        return ast.Percent(parse_number(str(tok)[:-1]), str(tok), token_span(self.path, tok))

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
