"""What the plugins declared for a cursor position: the block, attribute, component and parameter.

:func:`resolve` binds a :class:`~ftcore.lsp.scan.CursorContext` to the registry the way the
checker binds a recipe: blocks and attributes by name, positional and named arguments to
parameters in declaration order, calls to components of the kind the parameter's type names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ftcore.lsp.scan import CursorContext
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import AttrSpec, BlockSpec, Component, ComponentSpec, ListOf, OneOf, Param, ParamType


@dataclass
class Slot:
    """The declarations that apply at a position (any of them may be None)."""

    block: Optional[BlockSpec] = None  # the block the position is in
    attr: Optional[AttrSpec] = None  # the attribute being written
    label_of: Optional[BlockSpec] = None  # set when the position is a block's label
    component: Optional[ComponentSpec] = None  # the innermost call being written
    params: tuple[Param, ...] = ()  # parameters that may be named at the position
    given: list[str] = field(default_factory=list)  # parameter names already written there
    value_type: Optional[ParamType] = None  # what a value written at the position must be


def block_spec(registry: Registry, path: list[str]) -> Optional[BlockSpec]:
    """The spec of the block at ``path`` (``["data"]``, ``["train", "checkpoint"]``), or None."""
    if not path:
        return None
    spec = registry.blocks.get(path[0])
    for name in path[1:]:
        spec = spec.block(name) if spec is not None else None
    return spec


def component_kinds(t: Optional[ParamType]) -> list[str]:
    """The component kinds a value of type ``t`` may name (through lists and alternatives)."""
    if isinstance(t, Component):
        return [t.kind]
    if isinstance(t, ListOf):
        return component_kinds(t.item)
    if isinstance(t, OneOf):
        return [k for inner in t.types for k in component_kinds(inner)]
    return []


def _list_item(t: Optional[ParamType]) -> Optional[ParamType]:
    if isinstance(t, ListOf):
        return t.item
    if isinstance(t, OneOf):
        items = [inner.item for inner in t.types if isinstance(inner, ListOf)]
        return items[0] if items else None
    return None


def param_type(params: tuple[Param, ...], variadic: Optional[Param], kwarg: Optional[str], position: int,
               given: list[str]) -> Optional[ParamType]:
    """The type of the argument being written: named ``kwarg``, else positional number ``position``."""
    if kwarg is not None:
        found = next((p for p in params if p.name == kwarg), None)
        return found.type if found is not None else None
    positional = [p for p in params if p.positional and p.name not in given]
    if position < len(positional):
        return positional[position].type
    return variadic.type if variadic is not None else None


def resolve(ctx: CursorContext, registry: Registry) -> Slot:
    """Bind the cursor context to the registry's declarations."""
    slot = Slot(block=block_spec(registry, ctx.blocks))
    if ctx.slot not in ("argument", "label_or_argument") or ctx.head is None:
        return slot
    block = slot.block
    attr = block.attr(ctx.head) if block is not None else None
    if attr is None:
        labelled = block.block(ctx.head) if block is not None else registry.blocks.get(ctx.head)
        if labelled is not None and ctx.slot == "label_or_argument" and not ctx.frames:
            slot.label_of = labelled
            slot.value_type = labelled.label
            return slot
        if labelled is not None and ctx.frames and labelled.label is not None:  # export hf("out") {
            return _through_frames(slot, (), None, ctx, registry, labelled.label, label=True)
        return slot
    slot.attr = attr
    if attr.is_single:
        params, variadic, t = (), None, attr.params[0].type
    else:
        params, variadic = attr.params, attr.variadic
        t = None
    return _through_frames(slot, params, variadic, ctx, registry, t)


def _through_frames(slot: Slot, params, variadic, ctx: CursorContext, registry: Registry,
                    t: Optional[ParamType], label: bool = False) -> Slot:
    frames = list(ctx.frames)
    kwarg, position, given = ctx.kwarg, ctx.position, list(ctx.given)
    if ctx.call_statement and frames and frames[0].name == ctx.head:
        first = frames.pop(0)  # `early_stop(patience: 2)`: the parentheses hold the attribute's own arguments
        kwarg, position, given = first.kwarg, first.position, list(first.given)
    if t is None and not label:
        t = param_type(params, variadic, kwarg, position, given)
    for frame in frames:
        if frame.kind == "list":
            t = _list_item(t) or t
            params, given = (), []
            continue
        spec = None
        for kind in component_kinds(t):
            spec = registry.component(kind, frame.name)
            if spec is not None:
                break
        if spec is None:
            return Slot(block=slot.block, attr=slot.attr)
        slot.component = spec
        params, variadic = spec.params, spec.variadic
        kwarg, position, given = frame.kwarg, frame.position, list(frame.given)
        t = param_type(params, variadic, kwarg, position, given)
    slot.value_type = t
    slot.params = tuple(params) if kwarg is None else ()
    slot.given = given
    return slot
