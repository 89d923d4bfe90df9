"""``preference(prompt: "prompt", chosen: "chosen", rejected: "rejected")``: a prompt with a better and a worse answer.

Plain text: the prompt and each answer are strings; the answer follows the prompt as written and
ends with the tokenizer's end-of-sequence token. With ``chat: true`` the prompt field holds the
conversation so far (a list of ``{role, content}`` messages) and each answer is the assistant's
reply, rendered with the tokenizer's chat template. Loss masks cover the answers only. Both
sequences of a pair are kept in one row (see :mod:`ftcore_preference.pairs`), each within
``max_length``: a long answer is cut at its end, and a prompt that leaves no room for an answer
drops the row (or cuts it, as the data block's overlength setting says).
"""

from __future__ import annotations

from typing import Any, Mapping

from ftcore.api import Encoded, Format
from ftcore_preference.pairs import IGNORE, PAIR_START


def _text_pair(row, tokenizer, args) -> tuple[list[int], list[int], list[int]]:
    prompt = tokenizer(row[args["prompt"]])["input_ids"]
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []

    def answer(field: str) -> list[int]:
        text = row[field]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f'field "{field}" is empty: a preference answer needs text')
        return tokenizer(text, add_special_tokens=False)["input_ids"] + eos

    return prompt, answer(args["chosen"]), answer(args["rejected"])


def _chat_pair(row, tokenizer, args) -> tuple[list[int], list[int], list[int]]:
    messages = list(row[args["prompt"]])
    prompt_text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    prompt = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]

    def answer(field: str) -> list[int]:
        reply = row[field]
        if not isinstance(reply, str) or not reply.strip():
            raise ValueError(f'field "{field}" is empty: a preference answer needs text')
        full_text = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": reply}],
                                                  tokenize=False)
        if not full_text.startswith(prompt_text):
            raise ValueError("the chat template renders the prompt differently once an answer follows it, so "
                             "the answer's tokens cannot be told apart")
        return tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]

    return prompt, answer(args["chosen"]), answer(args["rejected"])


def fit_pair(prompt: list[int], chosen: list[int], rejected: list[int], max_length: int,
             overlength: str) -> Encoded:
    """The row of a pair: prompt+chosen then prompt+rejected, each cut to ``max_length`` at the answer's end."""
    full = len(prompt) + max(len(chosen), len(rejected))
    if len(prompt) >= max_length or (full > max_length and overlength == "drop"):
        return Encoded(full_length=full, truncated=full > max_length, drop="longer than max_length")
    room = max_length - len(prompt)
    chosen, rejected = chosen[:room], rejected[:room]
    ids = prompt + chosen + prompt + rejected
    labels = [IGNORE] * len(prompt) + chosen + [PAIR_START] + [IGNORE] * (len(prompt) - 1) + rejected
    return Encoded(ids, labels, full, full > max_length)


class PreferenceFormat(Format):
    """``preference(prompt:, chosen:, rejected:, chat:)``: pairs for the ``dpo`` and ``simpo`` objectives."""

    causal = False  # a row is two sequences: never packed
    label_kind = "tokens"

    def fields(self, args: Mapping[str, Any]) -> dict[str, str]:
        """The prompt (text, or messages with ``chat: true``) and the two answers (text)."""
        return {args["prompt"]: "messages" if args.get("chat") else "text", args["chosen"]: "text",
                args["rejected"]: "text"}

    def check_tokenizer(self, tokenizer: Any, args: Mapping[str, Any]):
        """``chat: true`` needs a chat template."""
        if args.get("chat") and not getattr(tokenizer, "chat_template", None):
            return ("preference(chat: true) needs a tokenizer with a chat template, and this one has none: use a "
                    "chat model's tokenizer, or plain-text prompts (chat: false)")
        return None

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate") -> Encoded:
        """The pair as one row; a ValueError for an empty answer (reported at the row)."""
        make = _chat_pair if args.get("chat") else _text_pair
        return fit_pair(*make(row, tokenizer, args), max_length, overlength)
