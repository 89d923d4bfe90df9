"""Formats: how one validated row becomes ``input_ids``, ``attention_mask`` and ``labels``.

Each encoding function takes ``(row, tokenizer, max_length, args, ctx)`` and returns an
:class:`Encoded`. ``ctx`` holds what a format computed once per stage (the label index). Causal
formats put ``-100`` on the tokens that carry no loss; classification gives an integer label;
seq2seq gives the target's ids. The classes at the end put each function on the
:class:`ftcore.api.Format` contract (the fields it reads, its label set, its tokenizer needs):
they are the ``impl`` each format registers, and all the tokenize stage knows of a format.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ftcore.api import IGNORE_INDEX, Encoded, Format

from ftcore_data.fields import template_fields

IGNORE = IGNORE_INDEX


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


def loss_split(encoded: Encoded) -> Optional[int]:
    """Index of the first token with loss, for causal formats (None for others)."""
    if not isinstance(encoded.labels, list):
        return None
    return next((i for i, label in enumerate(encoded.labels) if label != IGNORE), None)


def _label_order(value: str):
    """Sort key of labels: integers numerically first, then the others as text."""
    digits = value.lstrip("-").isdigit()
    return (not digits, int(value) if digits else 0, value)


class TextFormat(Format):
    """``text(field: "text")``: plain text, loss on every token."""

    def fields(self, args):
        """The text field."""
        return {args["field"]: "text"}

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        """See :func:`text`."""
        return text(row, tokenizer, max_length, args, state, overlength)


class InstructionFormat(Format):
    """``instruction(template: ..., completion: ...)``: loss only on the completion."""

    def check(self, args):
        """The template's placeholders must be field names."""
        try:
            template_fields(args["template"])
        except ValueError as exc:
            return [(f"bad instruction template: {exc}", "template", None)]
        return []

    def fields(self, args):
        """Every template placeholder and the completion field."""
        out = {f: "text" for f in template_fields(args["template"])}
        out[args["completion"]] = "text"
        return out

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        """See :func:`instruction`."""
        return instruction(row, tokenizer, max_length, args, state, overlength)


class ChatFormat(Format):
    """``chat(messages: "messages")``: a conversation through the tokenizer's chat template."""

    def fields(self, args):
        """The messages field."""
        return {args["messages"]: "messages"}

    def check_tokenizer(self, tokenizer, args):
        """The tokenizer must have a chat template."""
        if getattr(tokenizer, "chat_template", None):
            return None
        return ("format chat needs a tokenizer with a chat template, and this one has none: use a chat "
                "model's tokenizer, or the instruction format with a template")

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        """See :func:`chat`."""
        return chat(row, tokenizer, max_length, args, state, overlength)


class ClassificationFormat(Format):
    """``classification(text: ..., label: ...)``: one class index per row."""

    causal = False
    label_kind = "class"

    def fields(self, args):
        """The text (and pair) fields and the label field."""
        out = {args["text"]: "text", args["label"]: "label"}
        if args.get("text_pair"):
            out[args["text_pair"]] = "text"
        return out

    def fixed_labels(self, args):
        """The ``labels`` argument, when given."""
        return list(args.get("labels") or []) or None

    def prepare(self, splits: Mapping[str, Any], args) -> dict[str, Any]:
        """The label set (the ``labels`` argument, or every label seen, sorted) and its index."""
        names = self.fixed_labels(args)
        if names is None:
            seen: set[str] = set()
            for rows in splits.values():
                seen.update(rows.unique(args["label"]))
            names = sorted(seen, key=_label_order)
        return {"label_names": names, "label_index": {n: i for i, n in enumerate(names)}}

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        """See :func:`classification`."""
        return classification(row, tokenizer, max_length, args, state, overlength)


class Seq2SeqFormat(Format):
    """``seq2seq(source: ..., target: ...)``: source ids in, target ids as labels."""

    causal = False

    def fields(self, args):
        """The source and target fields."""
        return {args["source"]: "text", args["target"]: "text"}

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        """See :func:`seq2seq`."""
        return seq2seq(row, tokenizer, max_length, args, state, overlength)
