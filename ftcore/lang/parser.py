"""Parse ``.ftr`` text into a :class:`~ftcore.lang.ast.Module`, reporting syntax errors in words.

The lark parser (LALR, contextual lexer) is loaded from prebuilt tables (:mod:`ftcore.lang.parser_tables`). Syntax errors become
diagnostics with the position of the offending token and a description a person understands
("expected a value, found '}'"); parsing continues past an error so one run reports several.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ftcore.lang import ast
from ftcore.lang.diagnostics import Diagnostics
from ftcore.lang.parser_tables import load_parser
from ftcore.lang.transformer import ToAst, token_span

# How tokens are named in messages.
TOKEN_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "TRUE": "true",
    "FALSE": "false",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "COLON": "':'",
    "DOT": "'.'",
    "EQUAL": "'='",
    "LET": "'let'",
    "IMPORT": "'import'",
    "$END": "the end of the file",
}

_VALUE_TOKENS = {"STRING", "NUMBER", "PERCENT", "TRUE", "FALSE", "LSQB", "NAME"}
_MAX_SYNTAX_ERRORS = 20


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return load_parser()


def describe_expected(expected: set[str]) -> str:
    """Summarise a set of expected terminals in words: ``a value``, ``'}' or a name``."""
    expected = {e for e in expected if not e.startswith("__")}
    words: list[str] = []
    if _VALUE_TOKENS - {"TRUE", "FALSE"} <= expected:  # true/false are NAMEs to lark's LALR tables
        words.append("a value")
        expected -= _VALUE_TOKENS
    for name in sorted(expected, key=lambda n: (n != "NAME", n)):
        words.append(TOKEN_WORDS.get(name, name.lower()))
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def describe_token(tok: Token) -> str:
    """Name a found token in words: ``'}'``, ``name "foo"``, ``number 3``, ``the end of the file``."""
    if tok.type == "$END":
        return "the end of the file"
    if tok.type == "NAME":
        return f'name "{tok.value}"'
    if tok.type == "STRING":
        return f"string {tok.value}"
    if tok.type == "NUMBER":
        return f"number {tok.value}"
    if tok.type == "PERCENT":
        return f"percentage {tok.value}"
    return f"'{tok.value}'"


def parse(text: str, path: str = "<recipe>") -> tuple[ast.Module, Diagnostics]:
    """Parse one file's text. Returns the module (empty on a fatal error) and its diagnostics."""
    diagnostics = Diagnostics()
    comments: list[ast.Comment] = []
    _collect_comments(text, path, comments)
    errors: list[UnexpectedInput] = []
    deep = _too_deep(text, path)
    if deep is not None:
        diagnostics.error(f"blocks, lists and calls nest more than {MAX_NESTING} deep here", deep,
                          "a recipe never needs this much nesting: look for a bracket that was never closed")
        return ast.Module(path, (), tuple(comments), text), diagnostics

    def on_error(err: UnexpectedInput) -> bool:
        if isinstance(err, UnexpectedToken):
            err.accepts  # noqa: B018 - work out what fits now: recovery moves the parser on
        errors.append(err)
        return len(errors) < _MAX_SYNTAX_ERRORS

    try:
        tree = _parser().parse(text, on_error=on_error)
    except UnexpectedInput as err:
        errors.append(err)
        tree = None
    except Exception as err:  # lark may give up after recovery; the first errors carry the news
        if not errors:
            raise
        tree = None
    seen_lines: set[int] = set()
    for err in errors:
        diag = _syntax_diagnostic(err, text, path)
        if diag[1].line in seen_lines:  # one error a line: recovery noise follows the first
            continue
        seen_lines.add(diag[1].line)
        diagnostics.error(diag[0], diag[1], diag[2])
    if tree is None or diagnostics:
        return ast.Module(path, (), tuple(comments), text), diagnostics
    to_ast = ToAst(path)
    items = to_ast.transform(tree)
    for message, span, hint in to_ast.problems:
        diagnostics.error(message, span, hint)
    if to_ast.problems:
        return ast.Module(path, (), tuple(comments), text), diagnostics
    return ast.Module(path, tuple(items), tuple(comments), text), diagnostics


MAX_NESTING = 64  # blocks, lists and calls inside one another; deeper input is refused before parsing


def _too_deep(text: str, path: str) -> Optional[ast.Span]:
    """The position where brackets outside strings and comments first nest deeper than :data:`MAX_NESTING`.

    Checked before parsing, so that no later recursive step (transforming, resolving, checking)
    meets input deep enough to exhaust Python's stack.
    """
    depth, line, col, i, n = 0, 1, 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            col += 1
            while i < n and text[i] not in '"\n':
                step = 2 if text[i] == "\\" else 1
                i += step
                col += step
            if i < n and text[i] == '"':
                i += 1
                col += 1
            continue
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if ch == "\n":
            line, col = line + 1, 1
            i += 1
            continue
        if ch in "{[(":
            depth += 1
            if depth > MAX_NESTING:
                return ast.Span(path, line, col, line, col + 1, i, i + 1)
        elif ch in "}])":
            depth = max(0, depth - 1)
        i += 1
        col += 1
    return None


def _collect_comments(text: str, path: str, out: list[ast.Comment]) -> None:
    """Find ``#`` comments outside strings (lark ignores them; the formatter keeps them)."""
    line, col, i, in_string = 1, 1, 0, False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                col += 2
                continue
            if ch == '"' or ch == "\n":
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out.append(ast.Comment(text[i:end], ast.Span(path, line, col, line, col + end - i, i, end)))
            col += end - i
            i = end
            continue
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1


def _syntax_diagnostic(err: UnexpectedInput, text: str, path: str):
    if isinstance(err, UnexpectedCharacters):
        ch = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        span = ast.Span(path, err.line, err.column, err.line, err.column + 1, err.pos_in_stream, err.pos_in_stream + 1)
        hint = None
        if ch == "'":
            hint = 'strings use double quotes: "like this"'
        elif ch == "=":
            hint = "attributes are written without '=': `epochs 3`"
        elif ch == '"':
            return "unterminated string", span, 'close the string with " on the same line'
        return f"unexpected character {ch!r}", span, hint
    if isinstance(err, UnexpectedEOF):
        end = _end_span(text, path)
        return f"unexpected end of file: expected {describe_expected(set(err.expected))}", end, _eof_hint(text)
    if isinstance(err, UnexpectedToken):
        tok = err.token
        accepts = set(err.accepts or err.expected)
        expected = describe_expected(accepts)
        if tok.type == "$END":
            return f"unexpected end of file: expected {expected}", _end_span(text, path), _eof_hint(text)
        span = token_span(path, tok)
        return f"unexpected {describe_token(tok)}: expected {expected}", span, _token_hint(tok, accepts, text)
    return str(err), ast.Span(path, 1, 1, 1, 2), None


def _end_span(text: str, path: str) -> ast.Span:
    lines = text.split("\n")
    n = len(lines)
    # point just after the last non-empty line
    while n > 1 and not lines[n - 1].strip():
        n -= 1
    col = len(lines[n - 1].rstrip("\r")) + 1
    return ast.Span(path, n, col, n, col + 1, len(text), len(text))


def _previous_word(text: str, pos: int) -> str:
    """The name just before offset ``pos`` (spaces skipped), or ``""``."""
    end = pos
    while end > 0 and text[end - 1] in " \t\r\n":
        end -= 1
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    word = text[start:end]
    return word if word.isidentifier() else ""


def _token_hint(tok: Token, accepts: set[str], text: str) -> str | None:
    """A hint for the usual mistakes behind an unexpected token."""
    wants_value = _VALUE_TOKENS - {"TRUE", "FALSE"} <= accepts
    prev = _previous_word(text, tok.start_pos or 0) or "epochs"
    after = text[tok.end_pos or 0:].split("\n", 1)[0].strip().split(" ", 1)[0].rstrip("}") or "3"
    if tok.type == "EQUAL" and wants_value:
        return f"attributes are written without '=': `{prev} {after}`"
    if tok.type == "COLON" and wants_value:
        return f"an attribute's name is not followed by ':': `{prev} {after}` (`name: value` is for arguments)"
    before = text[:tok.start_pos or 0].rstrip()
    if wants_value and tok.type in ("RBRACE", "RPAR", "RSQB") and before.endswith(","):
        return "a ',' must be followed by another argument: remove the trailing ','"
    if wants_value and tok.type == "RBRACE" and "LBRACE" in accepts and before.endswith(prev):
        return f"`{prev}` needs a value: `{prev} 3`"
    if accepts == {"STRING"}:
        return 'write it as a string, in double quotes: "like this"'
    if tok.type == "COLON" and "NAME" not in accepts:
        return "keyword arguments go inside a call or after an attribute's name: `split train: 80%`"
    if tok.type in _VALUE_TOKENS and "COLON" in accepts and "COMMA" in accepts:
        return f"separate arguments with ',', or name one with ':': `{prev}: {tok.value}`"
    if tok.type == "RBRACE" and "RBRACE" not in accepts and "$END" in accepts:
        return "this '}' closes no block: remove it"
    if "LBRACE" in accepts and not wants_value and tok.type != "LBRACE":
        return "a block holds its attributes between braces: `train { epochs 3 }`"
    return None


def _unclosed_braces(text: str) -> list[int]:
    """Line numbers of the '{' that have no matching '}' (strings and comments skipped)."""
    stack: list[int] = []
    line, i, in_string = 1, 0, False
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            line += 1
            in_string = False
        elif in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif ch == "{":
            stack.append(line)
        elif ch == "}" and stack:
            stack.pop()
        i += 1
    return stack


def _eof_hint(text: str) -> str | None:
    opened = _unclosed_braces(text)
    if opened:
        lines = " and ".join(", ".join(map(str, opened)).rsplit(", ", 1))
        if len(opened) == 1:
            return f"the block opened on line {lines} is not closed: add '}}'"
        return f"{len(opened)} blocks are not closed (opened on lines {lines}): add '}}'"
    if text.count("(") > text.count(")"):
        return "a call is not closed: add ')'"
    if text.count("[") > text.count("]"):
        return "a list is not closed: add ']'"
    return None
