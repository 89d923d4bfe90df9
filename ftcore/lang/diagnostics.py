"""Compiler-style diagnostics: ``path:line:col: message``, the source line, a caret under the span.

Every phase collects :class:`Diagnostic` objects into a :class:`Diagnostics` list instead of
raising at the first problem, so that one ``ftcore check`` reports everything wrong with a
recipe. :class:`RecipeError` carries the whole list out to the command line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ftcore.lang.ast import Span


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a recipe, with where it is and, when we can tell, how to fix it."""

    message: str
    span: Optional[Span] = None
    hint: Optional[str] = None
    severity: str = "error"  # "error" or "warning"


class Diagnostics(list):
    """An ordered collection of diagnostics gathered by one phase of the compiler."""

    def error(self, message: str, span: Optional[Span] = None, hint: Optional[str] = None) -> None:
        """Record an error at ``span``."""
        self.append(Diagnostic(message, span, hint, "error"))

    def warning(self, message: str, span: Optional[Span] = None, hint: Optional[str] = None) -> None:
        """Record a warning at ``span``; warnings never stop a run."""
        self.append(Diagnostic(message, span, hint, "warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        """Only the diagnostics of severity ``error``."""
        return [d for d in self if d.severity == "error"]

    def raise_if_errors(self) -> None:
        """Raise :class:`RecipeError` carrying every diagnostic if any of them is an error."""
        if self.errors:
            raise RecipeError(list(self))


class RecipeError(Exception):
    """A recipe (or its command line) is wrong; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.message for d in self.diagnostics))


def did_you_mean(word: str, candidates: Iterable[str]) -> Optional[str]:
    """Return ``did you mean "x"?`` for the closest candidate to a misspelled ``word``, or None."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not close:  # short names: one typo ("rl" for "lr", "f2" for "f1") is below difflib's cutoff
        close = [c for c in pool if _one_edit_apart(word, c)][:1]
    return f'did you mean "{close[0]}"?' if close else None


_DID_YOU_MEAN = re.compile(r'did you mean "([^"\\]+)"\?')


def suggested_name(hint: Optional[str]) -> Optional[str]:
    """The name a :func:`did_you_mean` hint suggests (``did you mean "rouge"?`` gives ``rouge``), or None.

    Editors offer it as a quick fix that replaces the misspelled name.
    """
    match = _DID_YOU_MEAN.search(hint or "")
    return match.group(1) if match else None


def _one_edit_apart(a: str, b: str) -> bool:
    """True when one insertion, deletion, substitution or swap of neighbours turns ``a`` into ``b``."""
    if a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 2:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


class SourceCache:
    """Source text of the files diagnostics point into, read once and kept by path."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}

    def add(self, path: str, text: str) -> None:
        """Remember ``text`` as the content of ``path`` (used for files parsed from memory)."""
        self._texts[path] = text
        self._lines.pop(path, None)

    def line(self, path: str, number: int) -> Optional[str]:
        """Return line ``number`` (1-based) of ``path`` without its newline, or None."""
        if path not in self._texts:
            text = read_recipe_text(path)
            if text is None:
                return None
            self._texts[path] = text
        lines = self._lines.get(path)
        if lines is None:
            # Only "\n" ends a line, as for the parser: str.splitlines() would also split at form
            # feeds, "\x1c" or "\u2028" inside strings and comments, and point at the wrong line.
            # Split once per file: a recipe with thousands of diagnostics must not split it each time.
            lines = self._lines[path] = self._texts[path].split("\n")
        if 1 <= number <= len(lines):
            return lines[number - 1].rstrip("\r")
        return None


QUOTABLE_BYTES = 1 << 20


def read_recipe_text(path: str) -> Optional[str]:
    """The text of ``path`` if it is a regular ``.ftr`` file of at most 1 MiB, else None.

    A diagnostic's span never makes ftcore quote another kind of file (a secrets file, a device).
    """
    p = Path(path)
    try:
        if p.suffix != ".ftr" or not p.is_file() or p.stat().st_size > QUOTABLE_BYTES:
            return None
        with open(p, "rb") as f:
            data = f.read(QUOTABLE_BYTES + 1)
    except OSError:
        return None
    if len(data) > QUOTABLE_BYTES or b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def render(diagnostic: Diagnostic, sources: SourceCache, color: bool = False) -> str:
    """Format one diagnostic as ``path:line:col: severity: message``, source line, caret, hint."""
    span = diagnostic.span
    where = f"{span}: " if span is not None and span.line > 0 else ""
    label = diagnostic.severity
    if color:
        tint = "\x1b[1;31m" if label == "error" else "\x1b[1;33m"
        label = f"{tint}{label}\x1b[0m"
    out = [f"{where}{label}: {_cut(_one_line(diagnostic.message), MESSAGE_WIDTH)}"]
    if span is not None and span.line > 0:
        text = sources.line(span.path, span.line)
        if text is not None:
            text = text.replace("\t", " ")
            width = (span.end_col - span.col) if span.end_line == span.line else len(text) - span.col + 1
            text, col, width = _window(_one_line(text), span.col, max(1, width))
            gutter = f"{span.line:>4} | "
            out.append(f"{gutter}{text}")
            out.append(" " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" * width)
    if diagnostic.hint:
        out.append(f"     = help: {_cut(_one_line(diagnostic.hint), MESSAGE_WIDTH)}")
    return "\n".join(out)


SOURCE_WIDTH = 100  # characters of a source line shown under a diagnostic
MESSAGE_WIDTH = 200  # characters of a message or hint (a message may quote a value from the recipe)


def _cut(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _window(text: str, col: int, width: int) -> tuple[str, int, int]:
    """A piece of a long source line around the span: (shown text, caret column, caret width).

    Lines up to :data:`SOURCE_WIDTH` are shown whole; a longer one is cut around the span with
    ``...`` at the cut ends, and the caret is kept at most the shown width.
    """
    if len(text) <= SOURCE_WIDTH:
        return text, col, width
    width = min(width, SOURCE_WIDTH // 2)
    start = max(0, col - 1 - SOURCE_WIDTH // 4)
    end = min(len(text), start + SOURCE_WIDTH)
    start = max(0, end - SOURCE_WIDTH)
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(text) else ""
    return prefix + text[start:end] + suffix, col - start + len(prefix), max(1, min(width, end - (col - 1)))


def _one_line(text: str) -> str:
    """Escape line breaks and other control characters (from string values quoted in a message)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def render_all(diagnostics: Iterable[Diagnostic], sources: Optional[SourceCache] = None,
               color: bool = False) -> str:
    """Format every diagnostic, errors and warnings in source order, then a one-line count."""
    sources = sources or SourceCache()
    items = sorted(diagnostics, key=_order)
    blocks = [render(d, sources, color) for d in items]
    errors = sum(1 for d in items if d.severity == "error")
    warnings = len(items) - errors
    summary = []
    if errors:
        summary.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        summary.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    if summary:
        blocks.append(", ".join(summary) + " found")
    return "\n\n".join(blocks[:-1]) + ("\n\n" if len(blocks) > 1 else "") + blocks[-1] if blocks else ""


def _order(d: Diagnostic):
    s = d.span
    return (s.path, s.line, s.col) if s is not None else ("", 0, 0)
