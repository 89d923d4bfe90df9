"""Which row fields a data block needs, and of which type: what validation checks.

Pure Python, used at lowering time: the validate stage's parameters list every field the format,
the cleaners and the split read, so validation checks exactly what later stages rely on. The
format says which fields it reads (:meth:`ftcore.api.Format.fields`).
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


def needed_fields(format_fields: Mapping[str, str], cleaner_fields: list[str], stratify: str | None,
                  split_field: str | None) -> dict[str, str]:
    """Every field the block reads: the format's (from its ``fields(args)``), the cleaners', the
    stratify field and the split method's ``field``."""
    fields = dict(format_fields)
    for field in cleaner_fields:
        if field and field not in fields:
            fields[field] = "text"
    for extra in (stratify, split_field):
        if extra and extra not in fields:
            fields[extra] = "value"
    return fields
