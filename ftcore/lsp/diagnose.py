"""Diagnostics for an open recipe: exactly what ``ftcore check`` reports, as LSP diagnostics.

The recipe is compiled with the same pipeline as ``ftcore check`` (parse, resolve, check,
lower, graph passes), reading the editor's unsaved buffers instead of the files on disk.
Diagnostics are grouped by the file they point into: an error in an imported recipe is shown
in that file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from lsprotocol import types

from ftcore.lang.diagnostics import Diagnostic, RecipeError, suggested_name
from ftcore.lsp.positions import UTF16, span_range

SOURCE = "ftcore"


def shown_path(path: Path) -> str:
    """The path as ``ftcore check`` run from the current folder would print it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def check_document(path: Path, unsaved: dict[str, str], host, encoding: str = UTF16,
                   read: Optional[Callable[[Path], Optional[str]]] = None) -> dict[Path, list[types.Diagnostic]]:
    """Compile ``path`` (absolute) and return its diagnostics, and those of files it imports, by file."""
    from ftcore.compiler.pipeline import compile_recipe

    found: list[Diagnostic]
    try:
        recipe, _ = compile_recipe(shown_path(path), host=host, unsaved=unsaved)
        found = list(recipe.warnings)
    except RecipeError as err:
        found = list(err.diagnostics)
    except Exception as exc:  # a plugin's bug must not take the editor's server down
        found = [Diagnostic(f"internal error while checking: {type(exc).__name__}: {exc}", None,
                            "this is a bug in ftcore or a plugin; run 'ftcore check --debug' for the traceback")]
    by_file: dict[Path, list[types.Diagnostic]] = {path: []}
    texts: dict[Path, str] = {}
    for diag in found:
        span = diag.span
        target = Path(span.path).resolve() if span is not None and span.line > 0 else path
        if target not in texts:
            texts[target] = unsaved.get(str(target)) or ((read(target) if read else None) or _read(target))
        by_file.setdefault(target, []).append(to_lsp(diag, texts[target], encoding))
    return by_file


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def to_lsp(diag: Diagnostic, text: str, encoding: str = UTF16) -> types.Diagnostic:
    """One compiler diagnostic as an LSP diagnostic: message, then its help line; a did-you-mean
    suggestion rides along in ``data`` for the quick fix."""
    message = diag.message + (f"\nhelp: {diag.hint}" if diag.hint else "")
    severity = types.DiagnosticSeverity.Error if diag.severity == "error" else types.DiagnosticSeverity.Warning
    suggestion = suggested_name(diag.hint)
    return types.Diagnostic(range=span_range(text, diag.span, encoding), message=message, severity=severity,
                            source=SOURCE, data={"replacement": suggestion} if suggestion else None)


def quick_fixes(uri: str, text: str, diagnostics: list[types.Diagnostic], encoding: str = UTF16) -> list[types.CodeAction]:
    """A "replace with the suggested name" fix for each diagnostic that carries a suggestion."""
    from ftcore.lsp.positions import offset_of

    actions = []
    for diag in diagnostics:
        data = diag.data if isinstance(diag.data, dict) else {}
        name = data.get("replacement")
        if diag.source != SOURCE or not name:
            continue
        start = offset_of(text, diag.range.start.line, diag.range.start.character, encoding)
        end = offset_of(text, diag.range.end.line, diag.range.end.character, encoding)
        replacement = replace_name(text[start:end], name)
        if replacement is None:
            continue
        edit = types.TextEdit(range=diag.range, new_text=replacement)
        actions.append(types.CodeAction(title=f'Change to "{name}"', kind=types.CodeActionKind.QuickFix,
                                        diagnostics=[diag], is_preferred=True,
                                        edit=types.WorkspaceEdit(changes={uri: [edit]})))
    return actions


def replace_name(written: str, name: str) -> Optional[str]:
    """The text that replaces ``written`` (a name, a quoted word or a dotted reference) by ``name``.

    A quoted word stays quoted; in a dotted reference (``tickts.test``) only the part most
    like ``name`` changes. None when ``written`` is none of these.
    """
    import difflib

    if len(written) >= 2 and written.startswith('"') and written.endswith('"'):
        return f'"{name}"'
    parts = written.split(".")
    if not written or not all(p.isidentifier() for p in parts):
        return None
    if len(parts) == 1:
        return name
    best = max(range(len(parts)), key=lambda i: difflib.SequenceMatcher(None, parts[i], name).ratio())
    parts[best] = name
    return ".".join(parts)
