"""Hover: what ``ftcore describe`` says about the name under the cursor, and which plugin gives it."""

from __future__ import annotations

from typing import Optional

from ftcore.lsp.scan import Token, context_at, token_at, tokens
from ftcore.lsp.slots import block_spec, component_kinds, resolve
from ftcore.plugins.describe import describe_attribute, describe_block, describe_component
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import REQUIRED, show


def provenance(registry: Registry, plugin: str) -> str:
    """``plugin metrics 0.1.0 (distribution ftcore)``: who provides a declaration, in which version."""
    info = registry.plugins.get(plugin, {})
    return f"plugin {plugin} {info.get('version', '?')} (distribution {info.get('dist', '?')})"


def _attr_plugin(registry: Registry, block: str, attr: str, default: str) -> str:
    for plugin, names in registry.extensions.items():
        if f"{block}.{attr}" in names:
            return plugin
    return default


def word_at(text: str, offset: int, toks: Optional[list[Token]] = None) -> Optional[tuple[Token, int, int]]:
    """The NAME token under ``offset``, with the start and end of the dotted reference it is part of."""
    toks = tokens(text) if toks is None else toks
    tok = token_at(toks, offset)
    if tok is None or tok.type != "NAME":
        return None
    i = toks.index(tok)
    start, end = i, i
    while start >= 2 and toks[start - 1].type == "." and toks[start - 2].type == "NAME":
        start -= 2
    while end + 2 < len(toks) and toks[end + 1].type == "." and toks[end + 2].type == "NAME":
        end += 2
    return tok, toks[start].start, toks[end].end


def hover_text(text: str, offset: int, registry: Registry) -> Optional[tuple[str, int, int]]:
    """Describe the name at ``offset``; returns (plain text, start offset, end offset) or None."""
    toks = tokens(text)
    found = word_at(text, offset, toks)
    if found is None:
        return None
    tok, start, end = found
    i = toks.index(tok)
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    ctx = context_at(text, tok.start if tok.start == start else start, toks)
    where = (tok.start, tok.end)
    if ctx.slot == "statement":
        block = block_spec(registry, ctx.blocks)
        if block is None and not ctx.blocks:
            spec = registry.blocks.get(tok.text)
            return (_with(describe_block(spec), registry, spec.plugin), *where) if spec else None
        if block is None:
            return None
        attr = block.attr(tok.text)
        if attr is not None:
            plugin = _attr_plugin(registry, block.name, attr.name, block.plugin)
            return (_with(describe_attribute(block, attr), registry, plugin), *where)
        nested = block.block(tok.text)
        if nested is not None:
            return (_with(describe_block(nested), registry, nested.plugin or block.plugin), *where)
        return None
    slot = resolve(ctx, registry)
    if nxt is not None and nxt.type == ":":  # a parameter name
        param = next((p for p in slot.params if p.name == tok.text), None)
        if param is None:
            return None
        owner = f'{slot.component.kind} {slot.component.name}' if slot.component else \
            (f"attribute {slot.attr.name}" if slot.attr else "")
        lines = [f"{param.name}: {param.type.description}" +
                 ("  (required)" if param.default is REQUIRED else f"  = {show(param.default)}")]
        if param.help:
            lines.append(f"  {param.help}")
        if owner:
            lines.append(f"parameter of {owner}")
        plugin = slot.component.plugin if slot.component else (slot.block.plugin if slot.block else "")
        return (_with("\n".join(lines), registry, plugin) if plugin else "\n".join(lines), *where)
    for kind in component_kinds(slot.value_type):
        spec = registry.component(kind, tok.text)
        if spec is not None:
            return (_with(describe_component(spec), registry, spec.plugin), *where)
    let = _let_value(toks, text, tok.text) if start == tok.start and end == tok.end else None
    if let is not None:
        return (f"let {tok.text} = {let}", *where)
    return None


def _let_value(toks: list[Token], text: str, name: str) -> Optional[str]:
    for i in range(len(toks) - 3):
        if toks[i].text == "let" and toks[i + 1].text == name and toks[i + 2].type == "=":
            line_end = text.find("\n", toks[i + 3].start)
            return text[toks[i + 3].start:line_end if line_end >= 0 else len(text)].strip()
    return None


def _with(description: str, registry: Registry, plugin: str) -> str:
    return f"{description}\nprovided by {provenance(registry, plugin)}"
