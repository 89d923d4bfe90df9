"""Where the cursor is in a recipe, worked out from tokens, so that half-typed text still answers.

While a person types, the recipe is rarely valid (``metrics accuracy,`` waits for its next
item), so the parser cannot say where the cursor is. This module lexes the text with the
grammar's token rules and follows the grammar's shape (blocks, attributes, arguments, calls,
lists) token by token, forgiving what does not fit. :func:`context_at` says what may be typed at
an offset; :func:`outline` lists the blocks and attributes for a document outline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

# The grammar's terminals (ftcore/lang/ftr.lark), in the order the lexer tries them.
_TOKEN = re.compile(r"""
    (?P<COMMENT>\#[^\n]*)
  | (?P<STRING>"(?:\\.|[^"\\\n])*"?)
  | (?P<PERCENT>[+-]?(?:\d+(?:\.\d*)?|\.\d+)%)
  | (?P<NUMBER>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<NAME>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<PUNCT>[{}()\[\],:.=])
  | (?P<SPACE>\s+)
  | (?P<OTHER>.)
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    """One lexed token: its terminal (NAME, STRING, NUMBER, PERCENT, COMMENT, OTHER, or the
    punctuation character itself), its text and its offsets (end exclusive)."""

    type: str
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Lex ``text`` into tokens, whitespace left out; never fails (stray characters are OTHER)."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "SPACE":
            continue
        if kind == "PUNCT":
            kind = m.group()
        out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


def token_at(toks: list[Token], offset: int) -> Optional[Token]:
    """The token under ``offset``: the one containing it, else the one ending right at it."""
    for tok in toks:
        if tok.start <= offset < tok.end:
            return tok
    for tok in toks:
        if tok.end == offset:
            return tok
    return None


@dataclass
class Frame:
    """An open call ``name(`` or list ``[`` inside an attribute: what argument comes next."""

    kind: str  # "call" or "list"
    name: str = ""
    kwarg: Optional[str] = None  # the argument name being given, after ``name:``
    position: int = 0  # index of the positional argument being given
    given: list[str] = field(default_factory=list)  # argument names already written
    done: bool = False  # a complete value was just written (a ',' or the closer comes next)


@dataclass
class CursorContext:
    """What the text before a position says about what goes at it.

    ``slot`` is one of:

    - ``"statement"``: an attribute or nested block name (a top-level block name, ``let`` or
      ``import`` when ``blocks`` is empty);
    - ``"label"``: the label of block ``head`` (``evaluate |``);
    - ``"argument"``: an argument of attribute ``head``; ``frames`` are the calls and lists
      open around the position (innermost last), ``kwarg``/``position``/``given`` say which
      argument of the innermost one (or of the attribute, without frames) is being written;
    - ``"let"``: the value of a ``let``;
    - ``"import"``: the path of an ``import`` (always ``in_string``);
    - ``"none"``: nothing can be offered (inside a string or comment, a ``let`` name...).
    """

    slot: str
    blocks: list[str] = field(default_factory=list)
    head: Optional[str] = None
    call_statement: bool = False  # the attribute is written as a call: ``early_stop(patience: 2)``
    frames: list[Frame] = field(default_factory=list)
    kwarg: Optional[str] = None
    position: int = 0
    given: list[str] = field(default_factory=list)
    prefix: str = ""  # the part of a name (or dotted reference) already typed before the position
    prefix_start: int = 0  # offset where ``prefix`` starts
    in_string: bool = False  # the position is inside a string: ``prefix`` is the text typed after its quote


@dataclass
class Symbol:
    """A block (with its attributes and nested blocks), ``let`` or ``import`` for an outline."""

    kind: str  # "block", "attribute", "let", "import"
    name: str
    detail: str
    start: int
    end: int
    name_start: int
    name_end: int
    children: list["Symbol"] = field(default_factory=list)


class _Walker:
    """Follows the grammar's shape over tokens; state after each token is the cursor's context."""

    def __init__(self, toks: list[Token], text: str):
        self.toks = toks
        self.text = text
        self.blocks: list[str] = []
        self.open_symbols: list[Symbol] = []
        self.symbols: list[Symbol] = []
        self.reset_statement()

    def reset_statement(self) -> None:
        """Forget the statement being read: the next token starts a new one."""
        self.state = "head"  # head, args, after_value, let_name, let_eq, let_value, import, label_done
        self.head: Optional[Token] = None
        self.call_statement = False
        self.frames: list[Frame] = []
        self.kwarg: Optional[str] = None
        self.position = 0
        self.given: list[str] = []
        self.statement_start = 0
        self.statement_end = 0
        self.label_text = ""

    # -- helpers

    def _peek(self, i: int, limit: int) -> Optional[Token]:
        return self.toks[i] if i < limit else None

    def _finish_statement(self) -> None:
        """Close the current attribute, let or import for the outline."""
        if self.head is None:
            return
        sym = None
        if self.state.startswith("let") and self.let_name is not None:
            sym = Symbol("let", self.let_name.text, "let", self.statement_start, self.statement_end,
                         self.let_name.start, self.let_name.end)
        elif self.head.text == "import" and self.state in ("import", "after_value"):
            sym = Symbol("import", self.label_text or "import", "import", self.statement_start,
                         self.statement_end, self.head.start, self.head.end)
        elif self.state in ("args", "after_value") and self.head.text not in ("let", "import"):
            sym = Symbol("attribute", self.head.text, "attribute", self.statement_start, self.statement_end,
                         self.head.start, self.head.end)
        if sym is not None:
            (self.open_symbols[-1].children if self.open_symbols else self.symbols).append(sym)

    def _open_block(self, brace: Token) -> None:
        head = self.head
        kind = head.text if head is not None else ""
        sym = Symbol("block", kind + (f" {self.label_text}" if self.label_text else ""), "block",
                     head.start if head else brace.start, brace.end, head.start if head else brace.start,
                     head.end if head else brace.end)
        self.open_symbols.append(sym)
        self.blocks.append(kind)
        self.reset_statement()

    def _close_block(self, brace: Token) -> None:
        self._finish_statement()
        if self.blocks:
            self.blocks.pop()
            sym = self.open_symbols.pop()
            sym.end = brace.end
            (self.open_symbols[-1].children if self.open_symbols else self.symbols).append(sym)
        self.reset_statement()

    def _start_statement(self, tok: Token, i: int, limit: int) -> int:
        self._finish_statement()
        self.reset_statement()
        self.head = tok
        self.statement_start = tok.start
        self.statement_end = tok.end
        self.let_name = None
        if tok.text == "let":
            self.state = "let_name"
        elif tok.text == "import":
            self.state = "import"
        else:
            nxt = self._peek(i + 1, limit)
            if nxt is not None and nxt.type == "(":
                self.call_statement = True
                self.frames.append(Frame("call", tok.text))
                self.state = "args"
                return i + 2
            self.state = "args"
        return i + 1

    # -- the walk

    def walk(self, limit: int) -> None:
        """Consume tokens ``[0, limit)``; the state afterwards describes the position after them."""
        i = 0
        toks = self.toks
        while i < limit:
            tok = toks[i]
            if tok.type == "COMMENT":
                i += 1
                continue
            if tok.type not in ("{", "}"):
                self.statement_end = max(self.statement_end, tok.end)
            if tok.type == "}" and not self.frames:
                self._close_block(tok)
                i += 1
                continue
            if tok.type in ("{", "}") and self.frames:  # an unclosed call: recover at the brace
                self.frames = []
                self.state = "after_value"
                continue
            if self.frames:
                i = self._in_frame(tok, i, limit)
                continue
            i = self._at_statement_level(tok, i, limit)

    def _at_statement_level(self, tok: Token, i: int, limit: int) -> int:
        state = self.state
        if tok.type == "{":
            if self.head is not None and state in ("args", "after_value"):
                self._open_block(tok)
            return i + 1
        if state == "head" or (state == "after_value" and tok.type == "NAME"):
            if tok.type == "NAME":
                return self._start_statement(tok, i, limit)
            return i + 1
        if state == "let_name":
            if tok.type == "NAME":
                self.let_name = tok
                self.state = "let_eq"
            return i + 1
        if state == "let_eq":
            self.state = "let_value" if tok.type == "=" else "head"
            return i + 1
        if state == "let_value":
            return self._value(tok, i, limit, after="let_done")
        if state == "let_done":
            if tok.type == "NAME":
                return self._start_statement(tok, i, limit)
            return i + 1
        if state == "import":
            if tok.type == "STRING":
                self.label_text = tok.text
                self.state = "after_value"
            return i + 1
        if state == "args":
            if tok.type == "NAME" and self._peek(i + 1, limit) is not None and self._peek(i + 1, limit).type == ":":
                self.kwarg = tok.text
                self.given.append(tok.text)
                return i + 2
            if not self.label_text and self.position == 0 and self.kwarg is None:
                end = self._value_end(i, limit)
                self.label_text = self.text[tok.start:self.toks[end - 1].end] if end > i else ""
            return self._value(tok, i, limit, after="after_value")
        if state == "after_value":
            if tok.type == ",":
                self.state = "args"
                if self.kwarg is None:
                    self.position += 1
                self.kwarg = None
            return i + 1
        return i + 1

    def _value_end(self, i: int, limit: int) -> int:
        """Index just after the value starting at token ``i`` (a rough span for outline labels)."""
        depth = 0
        j = i
        while j < limit:
            t = self.toks[j]
            if t.type in ("(", "["):
                depth += 1
            elif t.type in (")", "]"):
                depth -= 1
                if depth <= 0:
                    return j + 1
            elif depth == 0 and j > i and t.type != "." and self.toks[j - 1].type != ".":
                return j
            j += 1
        return j

    def _open(self, tok: Token, i: int, limit: int) -> Optional[int]:
        """If token ``i`` opens a call ``name(`` or a list ``[``, enter it and return the next index."""
        nxt = self._peek(i + 1, limit)
        if tok.type == "NAME" and nxt is not None and nxt.type == "(":
            self.frames.append(Frame("call", tok.text))
            return i + 2
        if tok.type == "[":
            self.frames.append(Frame("list"))
            return i + 1
        return None

    def _value(self, tok: Token, i: int, limit: int, after: str) -> int:
        """One value at statement level (or the start of a call or list in it)."""
        opened = self._open(tok, i, limit)
        if opened is not None:
            return opened
        if tok.type == "NAME":
            i = self._skip_dots(i, limit)
            self.state = after
            return i
        if tok.type in ("STRING", "NUMBER", "PERCENT"):
            self.state = after
        return i + 1

    def _skip_dots(self, i: int, limit: int) -> int:
        """Past a dotted reference ``a.b.c`` starting at token ``i``."""
        i += 1
        while i + 1 < limit and self.toks[i].type == "." and self.toks[i + 1].type == "NAME":
            i += 2
        return i

    def _in_frame(self, tok: Token, i: int, limit: int) -> int:
        frame = self.frames[-1]
        if tok.type in (")", "]"):  # either closes the innermost frame: forgiving a mismatch
            self.frames.pop()
            if self.frames:
                self.frames[-1].done = True
            elif self.call_statement:
                self.state = "after_value"
                self.call_statement = False
                self.kwarg = None
            else:
                self.state = "after_value" if self.state != "let_value" else "let_done"
            return i + 1
        if frame.done:
            if tok.type == ",":
                frame.done = False
                if frame.kwarg is None:
                    frame.position += 1
                frame.kwarg = None
            return i + 1
        nxt = self._peek(i + 1, limit)
        if tok.type == "NAME" and nxt is not None and nxt.type == ":" and frame.kind == "call":
            frame.kwarg = tok.text
            frame.given.append(tok.text)
            return i + 2
        opened = self._open(tok, i, limit)
        if opened is not None:
            return opened
        if tok.type == "NAME":
            frame.done = True
            return self._skip_dots(i, limit)
        if tok.type in ("STRING", "NUMBER", "PERCENT"):
            frame.done = True
        return i + 1


_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\.?\Z")


def context_at(text: str, offset: int, toks: Optional[list[Token]] = None) -> CursorContext:
    """What may be written at ``offset`` of ``text`` (see :class:`CursorContext`)."""
    toks = tokens(text) if toks is None else toks
    for tok in toks:
        if tok.start >= offset:
            break
        inside = offset < tok.end or (tok.type == "COMMENT" and offset == tok.end) or (
            tok.type == "STRING" and offset == tok.end and (len(tok.text) < 2 or not tok.text.endswith('"')))
        if inside and tok.type == "COMMENT":
            return CursorContext("none", prefix_start=offset)
        if inside and tok.type == "STRING":  # what the string is for is decided where it starts
            ctx = context_at(text, tok.start, toks)
            ctx.in_string, ctx.prefix, ctx.prefix_start = True, text[tok.start + 1:offset], tok.start + 1
            return ctx
    # A name (or dotted reference) being typed: it is the prefix, and the walk stops before it.
    prefix_start = offset
    match = _PREFIX.search(text[max(0, offset - 256):offset])
    if match:
        start = offset - len(match.group())
        if any(t.start == start and t.type == "NAME" for t in toks):
            prefix_start = start
    limit = sum(1 for t in toks if t.start < prefix_start)
    walker = _Walker(toks, text)
    walker.let_name = None
    walker.walk(limit)
    ctx = CursorContext("none", list(walker.blocks), walker.head.text if walker.head else None,
                        walker.call_statement, [Frame(f.kind, f.name, f.kwarg, f.position, list(f.given), f.done)
                                                for f in walker.frames],
                        walker.kwarg, walker.position, list(walker.given), text[prefix_start:offset], prefix_start)
    state = walker.state
    if walker.frames:
        ctx.slot = "none" if walker.frames[-1].done else "argument"
    elif state in ("head", "after_value", "let_done"):
        ctx.slot = "statement"
        ctx.head = None
    elif state == "args":
        ctx.slot = "argument"
        if not walker.given and walker.position == 0 and walker.kwarg is None and not walker.call_statement:
            ctx.slot = "label_or_argument"
    elif state == "let_value":
        ctx.slot = "let"
    elif state == "import":
        ctx.slot = "import"
    return ctx


def outline(text: str, toks: Optional[list[Token]] = None) -> list[Symbol]:
    """The blocks (with attributes and nested blocks), lets and imports of ``text``, in order."""
    toks = tokens(text) if toks is None else toks
    walker = _Walker(toks, text)
    walker.let_name = None
    walker.walk(len(toks))
    walker._finish_statement()
    while walker.open_symbols:  # unclosed blocks run to the end of the text
        sym = walker.open_symbols.pop()
        sym.end = len(text)
        (walker.open_symbols[-1].children if walker.open_symbols else walker.symbols).append(sym)
    return walker.symbols
