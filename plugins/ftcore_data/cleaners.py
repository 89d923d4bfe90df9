"""Cleaning steps. Each factory takes the step's arguments (and the tokenizer) and returns a
``(mode, function)`` pair: ``("filter", keep(value) -> bool)`` or ``("map", rewrite(value) -> value)``.

A chat field's value is a list of messages; filters look at the joined contents, rewrites apply
to every message's content.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any, Callable

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")


def text_of(value: Any) -> str:
    """The text a filter looks at: the string, or a conversation's contents joined by newlines."""
    if isinstance(value, list):
        return "\n".join(m["content"] for m in value)
    return value or ""


def rewrite(value: Any, fn: Callable[[str], str]) -> Any:
    """Apply ``fn`` to a string, or to every message's content."""
    if isinstance(value, list):
        return [{"role": m["role"], "content": fn(m["content"])} for m in value]
    return fn(value) if value is not None else value


def drop_empty(args, tokenizer=None):
    """Keep rows whose field has non-whitespace text."""
    return "filter", lambda v: bool(text_of(v).strip())


def normalized(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: what ``dedupe(normalize: true)`` compares."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def dedupe(args, tokenizer=None):
    """Keep the first row of each distinct value (stateful: run in one process)."""
    seen: set[bytes] = set()
    norm = normalized if args.get("normalize") else (lambda t: t)

    def keep(value):
        key = hashlib.blake2b(norm(text_of(value)).encode("utf-8"), digest_size=16).digest()
        if key in seen:
            return False
        seen.add(key)
        return True

    return "filter", keep


def min_chars(args, tokenizer=None):
    """Keep rows with at least ``limit`` characters."""
    return "filter", lambda v: len(text_of(v)) >= args["limit"]


def max_chars(args, tokenizer=None):
    """Keep rows with at most ``limit`` characters."""
    return "filter", lambda v: len(text_of(v)) <= args["limit"]


def max_tokens(args, tokenizer=None):
    """Keep rows with at most ``limit`` tokens (no special tokens counted)."""
    if tokenizer is None:
        raise ValueError("max_tokens needs the tokenizer")
    return "filter", lambda v: len(tokenizer(text_of(v), add_special_tokens=False)["input_ids"]) <= args["limit"]


def keep_regex(args, tokenizer=None):
    """Keep rows whose field matches ``pattern``."""
    pattern = re.compile(args["pattern"])
    return "filter", lambda v: pattern.search(text_of(v)) is not None


def drop_regex(args, tokenizer=None):
    """Drop rows whose field matches ``pattern``."""
    pattern = re.compile(args["pattern"])
    return "filter", lambda v: pattern.search(text_of(v)) is None


def normalize_unicode(args, tokenizer=None):
    """Rewrite the field in Unicode normal form ``form``."""
    form = args.get("form") or "NFKC"
    return "map", lambda v: rewrite(v, lambda t: unicodedata.normalize(form, t))


def mask_emails(args, tokenizer=None):
    """Replace e-mail addresses with ``replacement``."""
    repl = args.get("replacement", "[EMAIL]")
    return "map", lambda v: rewrite(v, lambda t: EMAIL.sub(repl, t))


def mask_phones(args, tokenizer=None):
    """Replace phone numbers with ``replacement``."""
    repl = args.get("replacement", "[PHONE]")
    return "map", lambda v: rewrite(v, lambda t: PHONE.sub(repl, t))
