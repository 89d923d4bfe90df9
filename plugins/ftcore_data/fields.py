"""Which row fields a data block needs, and of which type: what validation checks.

Pure Python, used at lowering time: the validate stage's parameters list every field the format,
the cleaners and the split read, so validation checks exactly what later stages rely on.
"""

from __future__ import annotations

import string
from typing import Any, Mapping

# Field types: "text" a string; "label" a string, integer or boolean; "messages" a list of
# {role, content} objects; "value" any string, number or boolean.
FIELD_TYPES = ("text", "label", "messages", "value")

CHAT_ROLES = ("system", "user", "assistant", "tool")


def template_fields(template: str) -> list[str]:
    """The ``{name}`` placeholders of an instruction template, in order, without repeats.

    Raises ValueError for a malformed template (an unclosed brace, ``{0}``, ``{a.b}``).
    """
    names: list[str] = []
    for _, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f'"{{{name}}}" is not a field placeholder: write {{field_name}} '
                             'and double a literal brace: {{ }}')
        if name not in names:
            names.append(name)
    return names


def format_fields(name: str, args: Mapping[str, Any]) -> dict[str, str]:
    """The fields a format reads, with their types."""
    if name == "classification":
        out = {args["text"]: "text", args["label"]: "label"}
        if args.get("text_pair"):
            out[args["text_pair"]] = "text"
        return out
    if name == "instruction":
        out = {f: "text" for f in template_fields(args["template"])}
        out[args["completion"]] = "text"
        return out
    if name == "chat":
        return {args["messages"]: "messages"}
    if name == "seq2seq":
        return {args["source"]: "text", args["target"]: "text"}
    if name == "text":
        return {args["field"]: "text"}
    return {}


def needed_fields(format_name: str, format_args: Mapping[str, Any], cleaners: list[tuple[str, Mapping]],
                  stratify: str | None, hash_field: str | None) -> dict[str, str]:
    """Every field the block reads: the format's, the cleaners', the stratify and hash fields."""
    fields = dict(format_fields(format_name, format_args))
    for _, args in cleaners:
        field = args.get("field")
        if field and field not in fields:
            fields[field] = "text"
    for extra in (stratify, hash_field):
        if extra and extra not in fields:
            fields[extra] = "value"
    return fields
