"""Formats: how one validated row becomes ``input_ids``, ``attention_mask`` and ``labels``.

Each format function takes ``(row, tokenizer, max_length, args, ctx)`` and returns an
:class:`Encoded`. ``ctx`` holds what a format computed once per stage (the label index). Causal
formats put ``-100`` on the tokens that carry no loss; classification gives an integer label;
seq2seq gives the target's ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

IGNORE = -100


@dataclass
class Encoded:
    """One encoded row: ids, labels (a list, or an int for classification), and what happened."""

    input_ids: list[int] = field(default_factory=list)
    labels: Any = None
    full_length: int = 0  # length before truncation
    truncated: bool = False
    drop: str = ""  # why the row cannot be used, or empty


def _specials(tokenizer) -> tuple[list[int], list[int]]:
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    return bos, eos


def _fit(ids: list[int], labels: list[int], max_length: int, overlength: str) -> Encoded:
    """Truncate (or mark for dropping) a causal sequence; drop it when no loss token is left."""
    full = len(ids)
    if full > max_length:
        if overlength == "drop":
            return Encoded(full_length=full, drop="longer than max_length")
        ids, labels = ids[:max_length], labels[:max_length]
    if all(label == IGNORE for label in labels):
        return Encoded(full_length=full, truncated=full > max_length,
                       drop="no tokens with loss left after truncation" if full > max_length else "no tokens with loss")
    return Encoded(ids, labels, full, full > max_length)


def text(row, tokenizer, max_length, args, ctx, overlength="truncate") -> Encoded:
    """Plain text: loss on every token."""
    bos, eos = _specials(tokenizer)
    ids = bos + tokenizer(row[args["field"]], add_special_tokens=False)["input_ids"] + eos
    return _fit(ids, list(ids), max_length, overlength)


def instruction(row, tokenizer, max_length, args, ctx, overlength="truncate") -> Encoded:
    """Template-filled prompt (no loss) followed by the completion and end-of-sequence (loss)."""
    bos, eos = _specials(tokenizer)
    prompt = args["template"].format(**row)
    prompt_ids = bos + tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(row[args["completion"]], add_special_tokens=False)["input_ids"] + eos
    return _fit(prompt_ids + answer_ids, [IGNORE] * len(prompt_ids) + answer_ids, max_length, overlength)


def assistant_spans(messages: list[dict], tokenizer) -> tuple[str, list[tuple[int, int]]]:
    """Render a conversation with the chat template; return the text and each assistant turn's char span.

    A turn's span is what rendering the conversation up to and including it adds after the
    rendering up to it with the generation prompt: the answer and the template's end-of-turn
    marker.
    """
    render = lambda msgs, gen: tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=gen)  # noqa: E731
    full = render(messages, False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before, upto = render(messages[:i], True), render(messages[: i + 1], False)
        if not (upto.startswith(before) and full.startswith(upto)):
            raise ValueError("the chat template does not render a conversation's beginning as a prefix of the "
                             "whole, so assistant turns cannot be located")
        spans.append((len(before), len(upto)))
    return full, spans


def chat(row, tokenizer, max_length, args, ctx, overlength="truncate") -> Encoded:
    """A conversation through the chat template; loss only on the assistant turns' tokens."""
    text_, spans = assistant_spans(row[args["messages"]], tokenizer)
    enc = tokenizer(text_, add_special_tokens=False, return_offsets_mapping=True)
    ids = enc["input_ids"]
    labels = [tok if any(s <= a and b <= e and a < b for s, e in spans) else IGNORE
              for tok, (a, b) in zip(ids, enc["offset_mapping"])]
    return _fit(ids, labels, max_length, overlength)


def classification(row, tokenizer, max_length, args, ctx, overlength="truncate") -> Encoded:
    """Text (and optional pair) with special tokens; the label as an index into the label set."""
    pair = row[args["text_pair"]] if args.get("text_pair") else None
    full = len(tokenizer(row[args["text"]], pair)["input_ids"])
    label = ctx["label_index"][row[args["label"]]]
    if full > max_length and overlength == "drop":
        return Encoded(full_length=full, drop="longer than max_length")
    ids = tokenizer(row[args["text"]], pair, truncation=True, max_length=max_length)["input_ids"]
    return Encoded(ids, label, full, full > max_length)


def seq2seq(row, tokenizer, max_length, args, ctx, overlength="truncate") -> Encoded:
    """Source ids as input, target ids as labels (each truncated to its own limit)."""
    target_max = args.get("max_target_length") or max_length
    src = tokenizer(row[args["source"]])["input_ids"]
    tgt = tokenizer(text_target=row[args["target"]])["input_ids"]
    long = len(src) > max_length or len(tgt) > target_max
    if long and overlength == "drop":
        return Encoded(full_length=len(src), drop="longer than max_length")
    return Encoded(src[:max_length], tgt[:target_max], len(src), long)


def get(name: str):
    """The format function called ``name``."""
    return {"text": text, "instruction": instruction, "chat": chat, "classification": classification,
            "seq2seq": seq2seq}[name]


def loss_split(encoded: Encoded) -> Optional[int]:
    """Index of the first token with loss, for causal formats (None for others)."""
    if not isinstance(encoded.labels, list):
        return None
    return next((i for i, label in enumerate(encoded.labels) if label != IGNORE), None)
