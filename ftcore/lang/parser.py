"""Parse ``.ftr`` text into a :class:`~ftcore.lang.ast.Module`, reporting syntax errors in words.

The lark parser is built once per process (LALR, contextual lexer). Syntax errors become
diagnostics with the position of the offending token and a description a person understands
("expected a value, found '}'"); parsing continues past an error so one run reports several.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ftcore.lang import ast
from ftcore.lang.diagnostics import Diagnostics
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
    grammar = resources.files("ftcore.lang").joinpath("ftr.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def describe_expected(expected: set[str]) -> str:
    """Summarise a set of expected terminals in words: ``a value``, ``'}' or a name``."""
    expected = {e for e in expected if not e.startswith("__")}
    words: list[str] = []
    if _VALUE_TOKENS <= expected:
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
    """Name a found token in words: ``'}'``, ``the name foo``, ``the end of the file``."""
    if tok.type == "$END":
        return "the end of the file"
    if tok.type == "NAME":
        return f"the name {tok.value}"
    if tok.type == "STRING":
        return f"the string {tok.value}"
    if tok.type in ("NUMBER", "PERCENT"):
        return f"the number {tok.value}"
    return f"'{tok.value}'"


def parse(text: str, path: str = "<recipe>") -> tuple[ast.Module, Diagnostics]:
    """Parse one file's text. Returns the module (empty on a fatal error) and its diagnostics."""
    diagnostics = Diagnostics()
    comments: list[ast.Comment] = []
    _collect_comments(text, path, comments)
    errors: list[UnexpectedInput] = []

    def on_error(err: UnexpectedInput) -> bool:
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
    items = ToAst(path).transform(tree)
    return ast.Module(path, tuple(items), tuple(comments), text), diagnostics


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
        expected = describe_expected(set(err.expected))
        if tok.type == "$END":
            return f"unexpected end of file: expected {expected}", _end_span(text, path), _eof_hint(text)
        span = token_span(path, tok)
        hint = None
        if tok.type == "EQUAL":
            hint = "attributes are written without '=': `epochs 3`"
        elif tok.type == "COLON" and "NAME" not in err.expected:
            hint = "keyword arguments go inside a call or after an attribute's name: `split train: 80%`"
        return f"unexpected {describe_token(tok)}: expected {expected}", span, hint
    return str(err), ast.Span(path, 1, 1, 1, 2), None


def _end_span(text: str, path: str) -> ast.Span:
    lines = text.splitlines() or [""]
    n = len(lines)
    # point just after the last non-empty line
    while n > 1 and not lines[n - 1].strip():
        n -= 1
    col = len(lines[n - 1]) + 1
    return ast.Span(path, n, col, n, col + 1, len(text), len(text))


def _eof_hint(text: str) -> str | None:
    opened = text.count("{") - text.count("}")
    if opened > 0:
        return f"{opened} block{'s are' if opened > 1 else ' is'} not closed: add '}}'"
    if text.count("(") > text.count(")"):
        return "a call is not closed: add ')'"
    if text.count("[") > text.count("]"):
        return "a list is not closed: add ']'"
    return None
