"""Text for ``ftcore describe NAME``: a block's attributes or a component's parameters."""

from __future__ import annotations

import textwrap
from typing import Optional

from ftcore.lang.diagnostics import did_you_mean
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import AttrSpec, BlockSpec, ComponentSpec, Param, show


def _param_line(p: Param, indent: str = "  ") -> list[str]:
    head = f"{indent}{p.name}: {p.type.description}"
    head += "  (required)" if p.required else f"  = {show(p.default)}"
    lines = [head]
    if p.help:
        lines += textwrap.wrap(p.help, 96, initial_indent=indent + "    ", subsequent_indent=indent + "    ")
    return lines


def _provider(plugin: str, registry: Optional[Registry]) -> str:
    info = registry.plugins.get(plugin, {}) if registry is not None else {}
    dist = str(info.get("dist", ""))
    if dist and dist != "?" and not dist.startswith("("):
        return f"from plugin {plugin}, {dist} {info.get('version', '?')}"
    return f"from plugin {plugin}"


def describe_component(spec: ComponentSpec, registry: Optional[Registry] = None) -> str:
    """A component's kind, plugin (and distribution, given the registry), help, and every parameter."""
    lines = [f"{spec.kind} {spec.name}  ({_provider(spec.plugin, registry)})"]
    claimants = registry.dispute(spec.kind, spec.name) if registry is not None else None
    if claimants:
        lines.append("  conflict: also provided by " + ", ".join(f'plugin "{p}"' for p in claimants if p != spec.plugin)
                     + "; a recipe using this name is refused until only one plugin provides it")
    if spec.help:
        lines += textwrap.wrap(spec.help, 100, initial_indent="  ", subsequent_indent="  ")
    for key, value in spec.meta.items():
        if value in (None, "", (), [], {}, frozenset()):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} from {v}" for k, v in value.items())
        elif isinstance(value, (list, tuple, set, frozenset)):
            value = ", ".join(str(v) for v in value)
        lines.append(f"  {key}: {value}")
    if spec.params or spec.variadic:
        lines.append("parameters:")
        for p in spec.params:
            lines += _param_line(p)
        if spec.variadic:
            lines.append(f"  ...{spec.variadic.name}: any number of {spec.variadic.type.description}")
    else:
        lines.append("parameters: none")
    usage = ", ".join(f"{p.name}: ..." for p in spec.params if p.required)
    lines.append(f"usage: {spec.name}({usage})" if usage or spec.params else f"usage: {spec.name}")
    if spec.impl is None:
        lines.append("note: declared only; no plugin provides code that runs it yet")
    return "\n".join(lines)


def _attr_lines(attr: AttrSpec) -> list[str]:
    if attr.is_single:
        p = attr.params[0]
        return _param_line(Param(attr.name, p.type, p.default if not attr.required else p.default,
                                 attr.help or p.help))
    if attr.is_many:
        lines = [f"  {attr.name}: one or more of {attr.variadic.type.description}, comma-separated"]
    else:
        names = ", ".join(f"{p.name}: ..." for p in attr.params)
        lines = [f"  {attr.name} {names}"]
    if attr.help:
        lines += textwrap.wrap(attr.help, 96, initial_indent="      ", subsequent_indent="      ")
    for p in attr.params:
        lines += _param_line(p, "      ")
    return lines


def describe_attribute(block: BlockSpec, attr: AttrSpec) -> str:
    """One attribute of a block: its type or parameters, defaults and help (what an editor hovers)."""
    lines = [f"attribute {attr.name} of block {block.name}" + ("  (required)" if attr.required else "")]
    lines += [line[2:] if line.startswith("  ") else line for line in _attr_lines(attr)]
    return "\n".join(lines)


def describe_block(spec: BlockSpec, registry: Optional[Registry] = None) -> str:
    """A block's label, attributes (with types and defaults) and nested blocks."""
    lines = [f"block {spec.name}  (from plugin {spec.plugin})"]
    claimed = {a: p for (b, a), p in (registry.disputed_attrs.items() if registry is not None else ()) if b == spec.name}
    for attr, plugins in claimed.items():
        lines.append(f'  conflict: attribute "{attr}" is declared by ' + " and ".join(f'"{p}"' for p in plugins)
                     + "; a recipe using it is refused until only one plugin declares it")
    if spec.help:
        lines += textwrap.wrap(spec.help, 100, initial_indent="  ", subsequent_indent="  ")
    if spec.label is not None:
        need = "required" if spec.label_required else "optional"
        lines.append(f"label ({need}): {spec.label.description}" + (f" — {spec.label_help}" if spec.label_help else ""))
    lines.append("may appear several times" if spec.multiple else "at most once per recipe")
    if spec.attrs:
        lines.append("attributes:")
        for attr in spec.attrs:
            lines += _attr_lines(attr)
    for nested in spec.blocks:
        lines.append(f"nested block: {nested.name} (ftcore describe {spec.name}.{nested.name})")
    if spec.example:
        lines.append(f"example: {spec.example}")
    return "\n".join(lines)


def describe(registry: Registry, name: str) -> tuple[str, bool]:
    """Describe ``name`` (a block, ``block.nested``, a component, or ``kind:name``); False if unknown."""
    if ":" in name:
        kind, _, comp = name.partition(":")
        spec = registry.component(kind, comp)
        if spec is not None:
            return describe_component(spec, registry), True
    parts = name.split(".")
    block = registry.blocks.get(parts[0])
    for part in parts[1:]:
        block = block.block(part) if block is not None else None
    texts = []
    if block is not None:
        texts.append(describe_block(block, registry))
    texts += [describe_component(c, registry) for c in registry.find(name)]
    if texts:
        return "\n\n".join(texts), True
    every = list(registry.blocks) + [n for _, n in registry.components]
    hint = did_you_mean(name, every)
    return f'unknown block or component "{name}"' + (f" ({hint})" if hint else "") + \
        "\nrun 'ftcore plugins' to see everything the installed plugins provide", False
