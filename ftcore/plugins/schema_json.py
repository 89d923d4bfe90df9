"""``ftcore schema``: the recipe language the installed plugins define, as JSON data for tools.

Every block (label, attributes, nested blocks), every component kind and component, and every
parameter with its type (structured, not just in words), default and help, each with the
plugin that declared it and that plugin's version.
"""

from __future__ import annotations

import json
from typing import Any

from ftcore import __version__
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import (AttrSpec, BlockSpec, Boolean, Choice, Component, ComponentSpec, FilePath, Float,
                                   Fraction, Integer, ListOf, OneOf, Param, ParamType, PortionType, Reference, String,
                                   to_json)

SCHEMA_VERSION = 1

# Types described by their name alone (and their bounds); the first match wins.
_SIMPLE = ((Integer, "integer"), (Fraction, "fraction"), (Float, "number"), (PortionType, "portion"),
           (String, "string"), (Boolean, "boolean"))


def type_json(t: ParamType) -> dict[str, Any]:
    """A parameter type as data: ``{"type": "integer", "min": 1, "description": "an integer ≥ 1"}``."""
    out: dict[str, Any]
    simple = next((name for cls, name in _SIMPLE if isinstance(t, cls)), None)
    if simple is not None:
        out = {"type": simple}
    elif isinstance(t, Choice):
        out = {"type": "choice", "options": list(t.options)}
    elif isinstance(t, Reference):
        out = {"type": "reference"}
        if getattr(t, "block", None):
            out["block"] = t.block
        if getattr(t, "members", None):
            out["members"] = list(t.members)
    elif isinstance(t, FilePath):
        out = {"type": "path", "kind": t.kind, "must_exist": t.must_exist}
    elif isinstance(t, Component):
        out = {"type": "component", "kind": t.kind}
    elif isinstance(t, ListOf):
        out = {"type": "list", "item": type_json(t.item)}
        if t.min_items:
            out["min_items"] = t.min_items
    elif isinstance(t, OneOf):
        out = {"type": "one_of", "types": [type_json(inner) for inner in t.types]}
    else:  # a plugin's own type: named by its class
        out = {"type": "custom", "class": f"{type(t).__module__}.{type(t).__qualname__}"}
    for bound in ("min", "max", "min_open", "max_open"):
        value = getattr(t, bound, None)
        if value is not None and value is not False:  # a bound of 0 is a bound
            out[bound] = value
    out["description"] = t.description
    return out


def _default(value: Any) -> Any:
    data = to_json(value)
    try:
        json.dumps(data)
    except (TypeError, ValueError):
        return str(value)
    return data


def param_json(p: Param) -> dict[str, Any]:
    """A parameter: name, type, whether it is required, its default, help, and if it may be positional."""
    out: dict[str, Any] = {"name": p.name, "type": type_json(p.type), "required": p.required}
    if not p.required:
        out["default"] = _default(p.default)
    out["positional"] = p.positional
    out["help"] = p.help
    return out


def attribute_json(attr: AttrSpec) -> dict[str, Any]:
    """An attribute: ``shape`` is ``value`` (one value), ``list`` (comma-separated) or ``arguments``."""
    out: dict[str, Any] = {"name": attr.name, "required": attr.required, "help": attr.help}
    if attr.is_single:
        p = attr.params[0]
        out["shape"] = "value"
        out["type"] = type_json(p.type)
        if not p.required:
            out["default"] = _default(p.default)
    elif attr.is_many:
        out["shape"] = "list"
        out["item"] = type_json(attr.variadic.type)
    else:
        out["shape"] = "arguments"
        out["params"] = [param_json(p) for p in attr.params]
        if attr.variadic is not None:
            out["variadic"] = param_json(attr.variadic)
    return out


def block_json(spec: BlockSpec, registry: Registry) -> dict[str, Any]:
    """A block: label, whether it may repeat or is required, attributes, nested blocks, plugin."""
    attrs = []
    for attr in spec.attrs:
        entry = attribute_json(attr)
        entry["plugin"] = next((p for p, names in registry.extensions.items() if f"{spec.name}.{attr.name}" in names),
                               spec.plugin)
        attrs.append(entry)
    return {
        "name": spec.name,
        "plugin": spec.plugin,
        "help": spec.help,
        "label": None if spec.label is None else {"type": type_json(spec.label), "required": spec.label_required,
                                                  "help": spec.label_help},
        "multiple": spec.multiple,
        "required": spec.required,
        "attributes": attrs,
        "blocks": [block_json(nested, registry) for nested in spec.blocks],
        "example": spec.example,
    }


def component_json(spec: ComponentSpec) -> dict[str, Any]:
    """A component: kind, name, parameters, help, facts for rules (``meta``), plugin, whether it runs."""
    return {
        "kind": spec.kind,
        "name": spec.name,
        "plugin": spec.plugin,
        "help": spec.help,
        "params": [param_json(p) for p in spec.params],
        "variadic": param_json(spec.variadic) if spec.variadic is not None else None,
        "meta": _default(dict(spec.meta)),
        "runs": spec.impl is not None,
    }


def language_schema(registry: Registry) -> dict[str, Any]:
    """Everything the installed plugins let a recipe say, as JSON data."""
    return {
        "schema_version": SCHEMA_VERSION,
        "ftcore_version": __version__,
        "plugins": {name: dict(info) for name, info in sorted(registry.plugins.items())},
        "blocks": [block_json(spec, registry) for spec in registry.blocks.values()],
        "kinds": [{"name": kind, "help": help, "plugin": registry.kind_owner.get(kind, "")}
                  for kind, help in sorted(registry.kinds.items())],
        "components": [component_json(spec) for _, spec in sorted(registry.components.items())],
    }
