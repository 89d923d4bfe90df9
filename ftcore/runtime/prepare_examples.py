"""The decoded training examples ``ftcore prepare`` prints, kept in the stage cache once rendered.

Decoding three examples needs the tokenizer (transformers, which imports torch) and the tokenized
rows (datasets): seconds of imports on a cache where every stage is reused. The rendered lines
depend only on the tokenize stage's output, the tokenizer, how many are shown, the code that
renders them (this package's ``prepare.py``) and the installed transformers/tokenizers (which
decode), so a warm run with the same of all of those prints the stored lines instead.

Stored under ``<cache>/_examples/<key>.json`` (written to a temporary file, then renamed); a
missing or unreadable file is simply rendered again.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path
from typing import Callable, Optional

FOLDER = "_examples"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "none"


def examples_key(tokenize_fingerprint: str, tokenizer_fingerprint: str, count: int) -> str:
    """The name of the stored examples of one tokenize stage output, tokenizer and count."""
    renderer = Path(__file__).with_name("prepare.py").read_bytes()
    parts = [tokenize_fingerprint, tokenizer_fingerprint, count, hashlib.sha256(renderer).hexdigest(),
             _version("transformers"), _version("tokenizers")]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:24]


def read_examples(cache: Path, key: str) -> Optional[list]:
    """The stored rich Texts for ``key``, or None when there are none (or they cannot be read)."""
    from rich.text import Span, Text

    try:
        stored = json.loads((Path(cache) / FOLDER / f"{key}.json").read_text(encoding="utf-8"))
        return [Text(item["plain"], spans=[Span(start, end, style) for start, end, style in item["spans"]])
                for item in stored["examples"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_examples(cache: Path, key: str, texts: list) -> None:
    """Store rendered rich Texts under ``key``; texts with styles that are not plain names are not stored."""
    examples = []
    for text in texts:
        spans = [[s.start, s.end, s.style] for s in text.spans]
        if not all(isinstance(style, str) for _, _, style in spans) or not isinstance(text.style, str) \
                or text.style:
            return
        examples.append({"plain": text.plain, "spans": spans})
    folder = Path(cache) / FOLDER
    tmp = folder / f".{key}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"examples": examples}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")
    except OSError:  # a read-only or full cache: the examples are rendered again next time
        tmp.unlink(missing_ok=True) if tmp.parent.is_dir() else None


def cached_examples(cache: Path, key: Optional[str], render: Callable[[], list]) -> list:
    """The examples stored under ``key``, else ``render()``'s, stored for next time (``key`` None: not stored)."""
    if key is not None:
        stored = read_examples(cache, key)
        if stored is not None:
            return stored
    texts = render()
    if key is not None:
        write_examples(cache, key, texts)
    return texts
