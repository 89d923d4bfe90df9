"""``ftcore lsp``: the Language Server Protocol server, over standard input and output (pygls).

Diagnostics as the user types (the same as ``ftcore check``, with did-you-mean quick fixes),
completion, hover, go to definition, formatting (``ftcore fmt``), document symbols and semantic
tokens (highlighting for editors that do not read the TextMate grammar). Plugins
load once, at start, through the same entry points as every other command, so third-party
plugins installed in the environment are known without any change to them. Nothing here
imports the machine-learning stack.

When the client names a workspace folder, the server works from it (paths in messages read
as ``ftcore check`` run from there would print them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from ftcore import __version__
from ftcore.lsp import complete as completion
from ftcore.lsp import diagnose, highlight, hover, navigate
from ftcore.lsp.positions import offset_of, range_of
from ftcore.lsp.scan import tokens

TRIGGERS = [".", "(", ",", ":", "\"", "/"]  # not space: a list after every space typed would get in the way
_SYMBOL_KINDS = {"block": types.SymbolKind.Namespace, "attribute": types.SymbolKind.Property,
                 "let": types.SymbolKind.Variable, "import": types.SymbolKind.File}


class RecipeServer(LanguageServer):
    """The language server: the plugin host, and what was last published for each file."""

    def __init__(self) -> None:
        super().__init__("ftcore", __version__)
        self.host = None
        self.host_error: Optional[str] = None
        self.results: dict[str, dict[str, list[types.Diagnostic]]] = {}  # open recipe -> URI -> diagnostics
        self.published: dict[str, list[types.Diagnostic]] = {}  # URI -> what the client was last sent

    def load_plugins(self) -> None:
        """Load the installed plugins once; a failure is kept and shown as a diagnostic."""
        from ftcore.plugins.manager import PluginLoadError, load_host

        try:
            self.host = load_host()
        except PluginLoadError as exc:
            self.host_error = f"{exc}\nhelp: reinstall or uninstall that plugin, or skip it with FTCORE_DISABLE_PLUGINS"
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"ftcore: {exc}"))

    @property
    def encoding(self) -> str:
        """The position encoding agreed with the client: utf-16, utf-8 or utf-32."""
        return str(self.workspace.position_encoding or "utf-16")

    def open_recipes(self) -> dict[str, str]:
        """Every open ``.ftr`` buffer: resolved path -> text (these stand in for the files on disk)."""
        out = {}
        for uri, doc in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if path and path.endswith(".ftr"):
                out[str(Path(path).resolve())] = doc.source
        return out

    def read(self, path: Path) -> Optional[str]:
        """A file's text: its open buffer, else the file on disk, else None."""
        text = self.open_recipes().get(str(path.resolve()))
        if text is not None:
            return text
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def imports_of(self, path: Path, unsaved: dict[str, str]) -> set[str]:
        """Every file ``path`` imports, directly or not (from tokens, so broken text answers too)."""
        seen: set[str] = set()
        stack = [path]
        while stack:
            current = stack.pop()
            text = unsaved.get(str(current))
            text = text if text is not None else self.read(current)
            for _, target in navigate.imports_of(tokens(text or "")):
                resolved = (current.parent / target).resolve()
                if str(resolved) not in seen:
                    seen.add(str(resolved))
                    stack.append(resolved)
        return seen

    def check(self, path: str, unsaved: dict[str, str]) -> dict[str, list[types.Diagnostic]]:
        """One open recipe's diagnostics, by the URI of the file each points into."""
        if self.host is None:
            found = {Path(path): [types.Diagnostic(range=range_of("", 0, 0), message=self.host_error or "",
                                                   source=diagnose.SOURCE)]}
        else:
            found = diagnose.check_document(Path(path), unsaved, self.host, self.encoding, self.read)
        return {from_fs_path(str(file)): diags for file, diags in found.items()}

    def publish(self, changed: Optional[str] = None) -> None:
        """Check the recipe that changed (resolved path; None: all) and the open recipes importing it,
        then publish the diagnostics of every file that changed, clearing those no longer reported."""
        unsaved = self.open_recipes()
        for gone in set(self.results) - set(unsaved):
            del self.results[gone]
        for path in unsaved:
            if changed is None or path == changed or path not in self.results or \
                    changed in self.imports_of(Path(path), unsaved):
                self.results[path] = self.check(path, unsaved)
        merged: dict[str, list[types.Diagnostic]] = {}
        for by_uri in self.results.values():
            for uri, found in by_uri.items():
                bucket = merged.setdefault(uri, [])
                bucket += [d for d in found if not any(d.range == o.range and d.message == o.message for o in bucket)]
        for uri in set(self.published) | set(merged):
            found = merged.get(uri, [])
            if uri in merged or self.published.get(uri):
                if self.published.get(uri) != found or uri == self._uri(changed):
                    self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=found))
        self.published = merged

    @staticmethod
    def _uri(path: Optional[str]) -> Optional[str]:
        return from_fs_path(path) if path else None

    def document(self, uri: str):
        """The open document ``uri`` and its file path."""
        doc = self.workspace.get_text_document(uri)
        return doc, Path(to_fs_path(uri) or doc.path)


server = RecipeServer()


@server.feature(types.INITIALIZED)
def initialized(ls: RecipeServer, params: types.InitializedParams) -> None:
    """Work from the workspace folder and load the installed plugins."""
    root = ls.workspace.root_path
    if root and os.path.isdir(root):
        os.chdir(root)
    ls.load_plugins()


def recheck(ls: RecipeServer, params) -> None:
    """Check again when a recipe opens, changes, is saved or closes.

    The recipe and every open recipe importing it are checked (a closed one is checked from
    disk by those importing it, and its own diagnostics are cleared).
    """
    path = to_fs_path(params.text_document.uri)
    ls.publish(str(Path(path).resolve()) if path else None)


for _event in (types.TEXT_DOCUMENT_DID_OPEN, types.TEXT_DOCUMENT_DID_CHANGE, types.TEXT_DOCUMENT_DID_SAVE,
               types.TEXT_DOCUMENT_DID_CLOSE):
    server.feature(_event)(recheck)


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
def on_completion(ls: RecipeServer, params: types.CompletionParams) -> Optional[types.CompletionList]:
    """Names that fit where the cursor is."""
    if ls.host is None:
        return None
    doc, path = ls.document(params.text_document.uri)
    offset = offset_of(doc.source, params.position.line, params.position.character, ls.encoding)
    items = completion.complete(doc.source, offset, ls.host.registry, ls.encoding, path)
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: RecipeServer, params: types.HoverParams) -> Optional[types.Hover]:
    """What ``ftcore describe`` says about the name under the cursor, and which plugin gives it."""
    if ls.host is None:
        return None
    doc, _ = ls.document(params.text_document.uri)
    offset = offset_of(doc.source, params.position.line, params.position.character, ls.encoding)
    found = hover.hover_text(doc.source, offset, ls.host.registry)
    if found is None:
        return None
    text, start, end = found
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```text\n{text}\n```"),
                       range=range_of(doc.source, start, end, ls.encoding))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: RecipeServer, params: types.DefinitionParams) -> Optional[types.Location]:
    """An imported file, a ``let``, or the block a reference's label names."""
    doc, path = ls.document(params.text_document.uri)
    offset = offset_of(doc.source, params.position.line, params.position.character, ls.encoding)
    target = navigate.definition(doc.source, offset, path, ls.read)
    if target is None:
        return None
    file, start, end = target
    text = ls.read(file) or ""
    return types.Location(uri=from_fs_path(str(file)), range=range_of(text, start, end, ls.encoding))


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def on_formatting(ls: RecipeServer, params: types.DocumentFormattingParams) -> Optional[list[types.TextEdit]]:
    """The whole recipe in ``ftcore fmt``'s layout; nothing while it has syntax errors."""
    from ftcore.lang.fmt import format_text

    doc, path = ls.document(params.text_document.uri)
    formatted, _ = format_text(doc.source, str(path))
    if formatted is None:
        return None
    if formatted == doc.source:
        return []
    return [types.TextEdit(range=range_of(doc.source, 0, len(doc.source), ls.encoding), new_text=formatted)]


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def on_symbols(ls: RecipeServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    """The blocks, their attributes and nested blocks, lets and imports, for an outline."""
    doc, _ = ls.document(params.text_document.uri)

    def convert(sym) -> types.DocumentSymbol:
        return types.DocumentSymbol(name=sym.name, kind=_SYMBOL_KINDS[sym.kind], detail=sym.detail,
                                    range=range_of(doc.source, sym.start, sym.end, ls.encoding),
                                    selection_range=range_of(doc.source, sym.name_start, sym.name_end, ls.encoding),
                                    children=[convert(c) for c in sym.children])

    return [convert(s) for s in navigate.symbols(doc.source)]


@server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                types.SemanticTokensLegend(token_types=highlight.TOKEN_TYPES, token_modifiers=highlight.TOKEN_MODIFIERS))
def on_semantic_tokens(ls: RecipeServer, params: types.SemanticTokensParams) -> types.SemanticTokens:
    """Highlighting for editors without the TextMate grammar: blocks, attributes, calls, parameters..."""
    doc, _ = ls.document(params.text_document.uri)
    return types.SemanticTokens(data=highlight.semantic_tokens(doc.source, ls.encoding))


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
def on_code_action(ls: RecipeServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Quick fixes: replace a misspelled name with the one ``did you mean`` suggests."""
    doc, _ = ls.document(params.text_document.uri)
    return diagnose.quick_fixes(params.text_document.uri, doc.source, params.context.diagnostics, ls.encoding)


def serve() -> int:
    """Run the server on standard input and output until the client says exit."""
    if sys.stdin.isatty():
        print("ftcore lsp speaks the Language Server Protocol on standard input and output: an editor starts it "
              "(see docs/editors.md). Press Ctrl-D to quit.", file=sys.stderr)
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() from a plugin must not corrupt the protocol stream
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0
