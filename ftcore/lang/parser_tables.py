"""The LALR parser of ``ftr.lark``, built once and loaded from JSON in every later process.

Building lark's LALR tables from the grammar costs more than parsing a recipe, so the tables ship
with the package in ``ftr_tables.json`` (written by ``python -m ftcore.lang.parser_tables``; a
test fails when ``ftr.lark`` changes without it). They are lark's own serialized form, which is
only valid for the lark version that wrote it: with another lark installed, the parser is built
from the grammar once and its tables are kept in the user's cache folder
(:mod:`ftcore.user_cache`) under a key of grammar, lark version and options.

Never pickle (lark's own ``cache=True`` writes a pickle to the shared temporary folder, where
another local user could plant one): the tables are plain JSON, and a stored copy is used only if
it names exactly this grammar, this lark version and these options.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import lark
from lark import Lark

_HERE = Path(__file__).resolve().parent  # ftr.lark and its tables are package data next to this module
OPTIONS = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": True}
TABLES_FILE = "ftr_tables.json"
FORMAT = 1  # bump when the layout of the stored JSON changes
_INT_KEYS = "__int_keys__"  # lark's tables use dicts keyed by int, which JSON objects cannot hold


def grammar_text() -> str:
    """The text of the recipe grammar, ``ftr.lark``."""
    return _HERE.joinpath("ftr.lark").read_text(encoding="utf-8")


def load_parser() -> Lark:
    """The recipe parser: from the shipped tables, else the user's cache, else built (and cached)."""
    grammar = grammar_text()
    shipped = _parser_from(_read_shipped(), grammar)
    if shipped is not None:
        return shipped
    from ftcore import user_cache

    name = f"parser/{_cache_key(grammar)}.json"
    cached = _parser_from(user_cache.read_json(name, _from_json_object), grammar)
    if cached is not None:
        return cached
    built = Lark(grammar, **OPTIONS)
    user_cache.write_json(name, tables_of(built, grammar))
    return built


def tables_of(parser: Lark, grammar: str) -> dict:
    """The JSON-ready tables of a built parser, labelled with what they are valid for."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = parser.memo_serialize([TerminalDef, Rule])
    return {"format": FORMAT, "lark": lark.__version__, "options": OPTIONS, "grammar": grammar,
            "data": _to_json(data), "memo": _to_json(memo)}


def _parser_from(stored: Optional[dict], grammar: str) -> Optional[Lark]:
    """A parser from stored tables, or None unless they were written for this grammar, lark and options."""
    if not isinstance(stored, dict) or stored.get("format") != FORMAT or stored.get("lark") != lark.__version__ \
            or stored.get("options") != OPTIONS or stored.get("grammar") != grammar:
        return None
    try:
        return Lark.load({"data": stored["data"], "memo": stored["memo"]})
    except Exception:  # noqa: BLE001 - damaged tables are a cache miss: the grammar is still there to build from
        return None


def _read_shipped() -> Optional[dict]:
    try:
        text = _HERE.joinpath(TABLES_FILE).read_text(encoding="utf-8")
        return decode(text)
    except (OSError, ValueError):
        return None


def _cache_key(grammar: str) -> str:
    import hashlib

    text = json.dumps([FORMAT, lark.__version__, OPTIONS, grammar], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _to_json(value: Any) -> Any:
    """lark's serialized data as JSON values: int-keyed dicts become ``{"__int_keys__": [[k, v], ...]}``."""
    if isinstance(value, dict):
        if value and all(isinstance(k, int) and not isinstance(k, bool) for k in value):
            return {_INT_KEYS: [[k, _to_json(v)] for k, v in value.items()]}
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"cannot store a dict with keys {sorted(map(repr, value))[:3]} as JSON")
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _from_json_object(obj: dict) -> Any:
    if len(obj) == 1 and _INT_KEYS in obj:
        return {k: v for k, v in obj[_INT_KEYS]}
    return obj


def decode(text: str) -> Any:
    """Read stored tables (the inverse of ``json.dumps(tables_of(...))``)."""
    return json.loads(text, object_hook=_from_json_object)


def write_shipped_tables() -> str:
    """Build the parser from ``ftr.lark`` and write ``ftr_tables.json`` next to it; returns the path."""
    grammar = grammar_text()
    path = _HERE / TABLES_FILE
    text = json.dumps(tables_of(Lark(grammar, **OPTIONS), grammar), indent=None, separators=(",", ":"))
    with open(str(path), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return str(path)


if __name__ == "__main__":
    print(f"wrote {write_shipped_tables()}")
