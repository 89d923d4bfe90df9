"""Checking one raw row against the fields a data block needs (see :mod:`ftcore_data.fields`).

:func:`check_row` returns the typed values or a reason; the reason's first part (before ``: ``)
is the category that reports count by.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ftcore_data.fields import CHAT_ROLES

KIND = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list",
        dict: "an object", type(None): "null"}


def _kind(value: Any) -> str:
    return KIND.get(type(value), type(value).__name__)


def check_value(name: str, kind: str, value: Any) -> tuple[Any, Optional[str]]:
    """Convert ``value`` of field ``name`` to the column type for ``kind``, or return a reason."""
    if value is None:
        return None, f'missing field: "{name}"'
    if kind == "text":
        if not isinstance(value, str):
            return None, f'wrong type: "{name}" must be a string, got {_kind(value)}'
        return value, None
    if kind in ("label", "value"):
        if isinstance(value, bool):
            return ("true" if value else "false"), None
        if isinstance(value, (str, int)) or (kind == "value" and isinstance(value, float)):
            return str(value), None
        want = "a string or an integer" if kind == "label" else "a string, number or boolean"
        return None, f'wrong type: "{name}" must be {want}, got {_kind(value)}'
    if kind == "messages":
        return _check_messages(name, value)
    return value, None


def _check_messages(name: str, value: Any) -> tuple[Any, Optional[str]]:
    if not isinstance(value, list):
        return None, f'wrong type: "{name}" must be a list of messages, got {_kind(value)}'
    if not value:
        return None, f'bad conversation: "{name}" is an empty list'
    out = []
    for i, message in enumerate(value):
        if not isinstance(message, dict):
            return None, f'wrong type: "{name}[{i}]" must be an object with role and content, got {_kind(message)}'
        role, content = message.get("role"), message.get("content")
        if role not in CHAT_ROLES:
            return None, (f'bad conversation: "{name}[{i}].role" must be one of {", ".join(CHAT_ROLES)}, '
                          f"got {json.dumps(role)}")
        if not isinstance(content, str):
            return None, f'wrong type: "{name}[{i}].content" must be a string, got {_kind(content)}'
        out.append({"role": role, "content": content})
    if not any(m["role"] == "assistant" for m in out):
        return None, f'bad conversation: "{name}" has no assistant message (nothing to learn)'
    return out, None


def check_row(text: str, fields: dict[str, str], labels: set[str], label_field: Optional[str]
              ) -> tuple[dict[str, Any], Optional[str]]:
    """Parse a raw JSON row and check every needed field; return (typed values, reason or None)."""
    row = json.loads(text)
    out: dict[str, Any] = {}
    for name, kind in fields.items():
        value, reason = check_value(name, kind, row.get(name))
        if reason:
            return {}, reason
        out[name] = value
    if labels and label_field and out.get(label_field) not in labels:
        return {}, f'unknown label: "{out.get(label_field)}" is not in the format\'s labels list'
    return out, None


def category(reason: str) -> str:
    """The part of a reason that reports count by (``missing field: "text"``, ``invalid JSON``)."""
    head, _, rest = reason.partition(": ")
    if head in ("missing field",):
        return reason
    if head == "wrong type":
        return f"wrong type: {rest.split(' must ', 1)[0]}"
    return head
