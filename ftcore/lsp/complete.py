"""Completion: block and attribute names, components of the right kind, parameters, references.

Everything offered comes from the registry the installed plugins built (third-party ones
included) and from the recipe itself (``let`` names, data block labels for references).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from lsprotocol import types

from ftcore.lsp.positions import range_of
from ftcore.lsp.scan import CursorContext, Symbol, context_at, outline, tokens
from ftcore.lsp.slots import Slot, resolve
from ftcore.plugins.describe import describe_attribute, describe_block, describe_component
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import (REQUIRED, AttrSpec, BlockSpec, Boolean, Choice, Component, FilePath, ListOf, OneOf,
                                   ParamType, Reference, describe_params, show)

Kind = types.CompletionItemKind


def _doc(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```text\n{text}\n```")


def _item(label: str, kind: types.CompletionItemKind, detail: str = "", doc: Optional[str] = None,
          insert: Optional[str] = None, sort: str = "1") -> types.CompletionItem:
    return types.CompletionItem(label=label, kind=kind, detail=detail or None,
                                documentation=_doc(doc) if doc else None,
                                insert_text=insert, sort_text=f"{sort}{label}")


def _attr_signature(attr: AttrSpec) -> str:
    if attr.is_single:
        p = attr.params[0]
        return p.type.description + ("" if p.required else f" = {show(p.default)}")
    if attr.is_many:
        return f"one or more of {attr.variadic.type.description}"
    return describe_params(attr.params)


def statement_items(ctx: CursorContext, registry: Registry, block: Optional[BlockSpec]) -> list[types.CompletionItem]:
    """Names that may start a statement: the block's attributes and nested blocks, or top-level blocks."""
    items = []
    if not ctx.blocks:
        for spec in registry.blocks.values():
            items.append(_item(spec.name, Kind.Module, f"block · {spec.plugin}", describe_block(spec)))
        items.append(_item("let", Kind.Keyword, "let name = value: a variable later values may use"))
        items.append(_item("import", Kind.Keyword, 'import "base.ftr": blocks of another recipe, overridable'))
        return items
    if block is None:
        return items
    for attr in block.attrs:
        items.append(_item(attr.name, Kind.Property, _attr_signature(attr), describe_attribute(block, attr)))
    for nested in block.blocks:
        items.append(_item(nested.name, Kind.Module, f"block · {nested.plugin or block.plugin}",
                           describe_block(nested)))
    return items


def value_items(t: Optional[ParamType], registry: Registry, symbols: list[Symbol]) -> list[types.CompletionItem]:
    """Values a parameter of type ``t`` accepts that can be listed: components, choices, references."""
    if t is None:
        return []
    if isinstance(t, ListOf):
        return value_items(t.item, registry, symbols)
    if isinstance(t, OneOf):
        seen, out = set(), []
        for inner in t.types:
            for item in value_items(inner, registry, symbols):
                if item.label not in seen:
                    seen.add(item.label)
                    out.append(item)
        return out
    if isinstance(t, Component):
        out = []
        for spec in registry.of_kind(t.kind):
            signature = describe_params(spec.params) if spec.params else ""
            out.append(_item(spec.name, Kind.Function, f"{t.kind.replace('_', ' ')}{signature} · {spec.plugin}",
                             describe_component(spec)))
        return out
    if isinstance(t, Choice):
        return [_item(o, Kind.EnumMember, t.description) for o in t.options]
    if isinstance(t, Boolean):
        return [_item(v, Kind.Keyword, "true or false") for v in ("true", "false")]
    if isinstance(t, Reference):
        return [_item(ref, Kind.Reference, t.description, insert=ref) for ref in references(t, symbols)]
    return []


def references(t: Reference, symbols: list[Symbol]) -> list[str]:
    """What a reference of type ``t`` may name in this recipe.

    A reference declared with ``block`` (and ``members``) names a block of that kind by its label
    (followed by a member: ``tickets.test``); without, every labelled block's label is offered.
    """
    block = getattr(t, "block", None)
    members = tuple(getattr(t, "members", ()) or ())
    out = []
    for sym in symbols:
        if sym.kind != "block" or " " not in sym.name:
            continue
        kind, _, label = sym.name.partition(" ")
        if not label.replace(".", "").replace("_", "").isalnum() or (block is not None and kind != block):
            continue
        out += [f"{label}.{m}" for m in members] if members else [label]
    return out


def parameter_items(slot: Slot) -> list[types.CompletionItem]:
    """``name: `` for each parameter not written yet, with its type and default."""
    out = []
    owner = f'{slot.component.kind} "{slot.component.name}"' if slot.component else \
        (f"attribute {slot.attr.name}" if slot.attr else "")
    for p in slot.params:
        if p.name in slot.given:
            continue
        detail = p.type.description + ("  (required)" if p.default is REQUIRED else f" = {show(p.default)}")
        doc = f"{p.name}: {detail}\n{p.help}" + (f"\n(parameter of {owner})" if owner else "")
        out.append(_item(f"{p.name}:", Kind.Field, detail, doc, insert=f"{p.name}: ", sort="0"))
    return out


def let_items(symbols: Iterable[Symbol]) -> list[types.CompletionItem]:
    """The recipe's ``let`` variables (a value anywhere may name one)."""
    return [_item(s.name, Kind.Variable, "let variable", sort="2") for s in symbols if s.kind == "let"]


_MAX_PATHS = 200


def path_items(folder: Path, typed: str, want: str, quoted: bool) -> list[types.CompletionItem]:
    """Files and folders under ``folder`` for a path being typed (``typed`` is what the string holds).

    ``want`` is ``"recipe"`` (``.ftr`` files), ``"file"``, ``"folder"`` or ``"any"``; folders are
    always offered (a file may be inside), hidden entries only once a ``.`` is typed.
    """
    head, _, name = typed.rpartition("/")
    lead = f"{head}/" if head else ""
    try:
        entries = sorted((folder / head).iterdir()) if (folder / head).is_dir() else []
    except OSError:
        return []
    out = []
    for entry in entries[:_MAX_PATHS]:
        if entry.name.startswith(".") and not name.startswith("."):
            continue
        if entry.is_dir():
            path, kind = f"{lead}{entry.name}/", Kind.Folder
        elif want == "any" or want == "file" or (want == "recipe" and entry.suffix == ".ftr"):
            path, kind = f"{lead}{entry.name}", Kind.File
        else:
            continue
        out.append(_item(path, kind, "folder" if kind == Kind.Folder else "file",
                         insert=f'"{path}"' if quoted and kind == Kind.File else (f'"{path}' if quoted else path)))
    return out


def _path_kind(t: Optional[ParamType]) -> Optional[str]:
    if isinstance(t, FilePath):
        return t.kind
    if isinstance(t, (ListOf, OneOf)):
        inner = [t.item] if isinstance(t, ListOf) else list(t.types)
        return next((k for k in map(_path_kind, inner) if k), None)
    return None


def string_items(ctx: CursorContext, slot: Slot, folder: Optional[Path]) -> list[types.CompletionItem]:
    """Inside a string: recipe files after ``import``, files for a path parameter, a quoted choice."""
    if ctx.slot == "import":
        return path_items(folder, ctx.prefix, "recipe", False) if folder else []
    kind = _path_kind(slot.value_type)
    if kind and folder:
        return path_items(folder, ctx.prefix, kind, False)
    choices = [t for t in ([slot.value_type] + list(getattr(slot.value_type, "types", ())))
               if isinstance(t, Choice)]
    return [_item(o, Kind.EnumMember, c.description) for c in choices for o in c.options]


def complete(text: str, offset: int, registry: Registry, encoding: str = "utf-16",
             path: Optional[Path] = None) -> list[types.CompletionItem]:
    """Completion items for ``offset`` of ``text`` (the file ``path``, for relative paths); each
    replaces the name (or the string's text) typed before the offset."""
    toks = tokens(text)
    ctx = context_at(text, offset, toks)
    symbols = outline(text, toks)
    slot = resolve(ctx, registry)
    folder = path.parent if path is not None else None
    if ctx.in_string:
        items = string_items(ctx, slot, folder)
    elif ctx.slot == "import":
        items = path_items(folder, "", "recipe", True) if folder else []
    elif ctx.slot == "statement":
        items = statement_items(ctx, registry, slot.block)
    elif ctx.slot == "let":
        items = let_items(symbols)
    elif ctx.slot in ("argument", "label_or_argument"):
        items = value_items(slot.value_type, registry, symbols)
        if slot.label_of is None:
            items = parameter_items(slot) + items
        if slot.value_type is not None or slot.attr is not None:
            items += let_items(symbols)
    else:
        items = []
    edit_range = range_of(text, ctx.prefix_start, offset, encoding)
    for item in items:
        item.text_edit = types.TextEdit(range=edit_range, new_text=item.insert_text or item.label)
        item.insert_text = None
        item.filter_text = item.label.rstrip(":")
    return items

