"""The built-in cleaning steps, on the :class:`ftcore.api.Cleaner` contract.

Each class is the ``impl`` of the cleaner of the same name in snake case; the clean stage builds
it with ``(args, tokenizer)`` and calls :meth:`apply` on batches of the step's field. A chat
field's value is a list of messages: filters look at the joined contents (:func:`text_of`),
rewrites apply to every message's content (:func:`rewrite_text`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any, Sequence

from ftcore.api import Cleaner, rewrite_text, text_of

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")


def normalized(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: what ``dedupe(normalize: true)`` compares."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class DropEmpty(Cleaner):
    """Keep rows whose field has non-whitespace text."""

    def apply(self, values: Sequence[Any]) -> list[bool]:
        """True for every value with text."""
        return [bool(text_of(v).strip()) for v in values]


class Dedupe(Cleaner):
    """Keep the first row of each distinct value; stateful, so the stage runs it in one process, in order."""

    stateful = True

    def __init__(self, args, tokenizer=None):
        super().__init__(args, tokenizer)
        self.seen: set[bytes] = set()
        self.norm = normalized if self.args.get("normalize") else (lambda t: t)

    def apply(self, values: Sequence[Any]) -> list[bool]:
        """True for a value not seen before (in this batch or an earlier one)."""
        keep = []
        for value in values:
            key = hashlib.blake2b(self.norm(text_of(value)).encode("utf-8"), digest_size=16).digest()
            keep.append(key not in self.seen)
            self.seen.add(key)
        return keep


class MinChars(Cleaner):
    """Keep rows with at least ``limit`` characters."""

    def apply(self, values: Sequence[Any]) -> list[bool]:
        """True for values of ``limit`` characters or more."""
        return [len(text_of(v)) >= self.args["limit"] for v in values]


class MaxChars(Cleaner):
    """Keep rows with at most ``limit`` characters."""

    def apply(self, values: Sequence[Any]) -> list[bool]:
        """True for values of ``limit`` characters or fewer."""
        return [len(text_of(v)) <= self.args["limit"] for v in values]


class MaxTokens(Cleaner):
    """Keep rows with at most ``limit`` tokens (special tokens not counted); registered with ``needs_tokenizer``."""

    def apply(self, values: Sequence[Any]) -> list[bool]:
        """True for values of ``limit`` tokens or fewer."""
        if not values:
            return []
        ids = self.tokenizer([text_of(v) for v in values], add_special_tokens=False)["input_ids"]
        return [len(i) <= self.args["limit"] for i in ids]


class _Regex(Cleaner):
    """A filter on whether ``pattern`` matches anywhere in the text."""

    keep_matches = True

    @classmethod
    def check(cls, args):
        """The pattern must compile."""
        try:
            re.compile(args["pattern"])
        except re.error as exc:
            return [(f"invalid regular expression: {exc}", "pattern", "see Python's re module syntax")]
        return []

    def apply(self, values: Sequence[Any]) -> list[bool]:
        """True where a match is what the step keeps."""
        pattern = re.compile(self.args["pattern"])
        return [(pattern.search(text_of(v)) is not None) == self.keep_matches for v in values]


class KeepRegex(_Regex):
    """Keep only rows whose field matches ``pattern``."""


class DropRegex(_Regex):
    """Drop rows whose field matches ``pattern``."""

    keep_matches = False


class NormalizeUnicode(Cleaner):
    """Rewrite the field in Unicode normal form ``form``."""

    mode = "rewrite"

    def apply(self, values: Sequence[Any]) -> list[Any]:
        """Every value in the normal form."""
        form = self.args.get("form") or "NFKC"
        return [rewrite_text(v, lambda t: unicodedata.normalize(form, t)) for v in values]


class MaskEmails(Cleaner):
    """Replace e-mail addresses with ``replacement``."""

    mode = "rewrite"

    def apply(self, values: Sequence[Any]) -> list[Any]:
        """Every value with its addresses replaced."""
        repl = self.args.get("replacement", "[EMAIL]")
        return [rewrite_text(v, lambda t: EMAIL.sub(repl, t)) for v in values]


class MaskPhones(Cleaner):
    """Replace phone numbers with ``replacement``."""

    mode = "rewrite"

    def apply(self, values: Sequence[Any]) -> list[Any]:
        """Every value with its phone numbers replaced."""
        repl = self.args.get("replacement", "[PHONE]")
        return [rewrite_text(v, lambda t: PHONE.sub(repl, t)) for v in values]
