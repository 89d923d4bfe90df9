"""Generation for the metrics that need ``"generations"`` (ROUGE, BLEU, chrF, exact match...) and for predictions.

Each tokenized example is split into a prompt and a reference: for causal LMs the prompt is the
tokens before the first labelled one (the first token alone when every token is labelled, as
with plain text) and the reference is the first run of labelled tokens after it (one answer;
later turns of a conversation are not part of it); for seq2seq the prompt is the source and the
reference the target. Packed rows are split back into their examples. Prompts are decoded in
batches — left-padded for causal LMs, so every answer starts at the same position — and every
answer stops at the end-of-sequence token or after ``max_new_tokens`` tokens; which of the two
ended it is reported, so a model that never learnt to stop is visible. Decoding is greedy unless
the :class:`GenerationSettings` ask for sampling (temperature, top-p, seeded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

IGNORE = -100


@dataclass(frozen=True)
class GenerationSettings:
    """How answers are decoded: greedy by default, or sampled with ``temperature`` and ``top_p``."""

    sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: Optional[int] = None
    """When set, the answer length for every metric (overriding each metric's own)."""
    seed: int = 0
    """Seeds sampling, so a run's samples can be reproduced."""

    @classmethod
    def from_params(cls, params: Optional[dict[str, Any]], seed: int = 0) -> "GenerationSettings":
        """Settings from the evaluate stage's ``generation`` parameters (None: greedy)."""
        params = dict(params or {})
        return cls(sample=bool(params.get("sample", False)), temperature=float(params.get("temperature", 1.0)),
                   top_p=float(params.get("top_p", 1.0)), max_new_tokens=params.get("max_new_tokens"), seed=seed)


@dataclass
class Example:
    """One example to answer: the prompt's token ids and the reference answer's."""

    prompt: list[int]
    reference: list[int]


def causal_example(ids: Sequence[int], labels: Sequence[int]) -> Optional[Example]:
    """Prompt and reference of one causal-LM example; None when no token carries a label."""
    first = next((i for i, label in enumerate(labels) if label != IGNORE), None)
    if first is None:
        return None
    start = max(first, 1)
    reference = []
    for label in labels[start:]:
        if label == IGNORE:
            if reference:
                break
            continue
        reference.append(int(label))
    return Example(list(ids[:start]), reference)


def examples_of(row: dict[str, Any], task: str) -> list[Example]:
    """The examples in one tokenized row (several for a packed row)."""
    ids, labels = list(row["input_ids"]), list(row["labels"])
    if task == "seq2seq":
        return [Example(ids, [int(x) for x in labels if x != IGNORE])]
    out, start = [], 0
    for n in row.get("seq_lens") or [len(ids)]:
        example = causal_example(ids[start:start + n], labels[start:start + n])
        start += n
        if example is not None:
            out.append(example)
    return out


def _position_limit(model) -> Optional[int]:
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0 and not getattr(config, "is_encoder_decoder", False):
            return value
    return None


def generate(model, prompts: list[list[int]], *, task: str, max_new_tokens: int, pad_id: int,
             eos_id: Optional[int], device=None, synced: bool = False, settings: Optional[GenerationSettings] = None,
             stops: Optional[list[str]] = None) -> list[list[int]]:
    """Answers (token ids, end-of-sequence excluded) to ``prompts``, decoded as one batch.

    Greedy unless ``settings.sample``; ``stops`` (when given) gets ``"eos"`` or ``"length"``
    for each answer: whether the model ended it or the length limit cut it.
    """
    import torch
    from transformers import GenerationConfig

    model = getattr(model, "module", model)  # a DeepSpeed engine wraps the model
    length = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), length), dtype=torch.long)
    for i, p in enumerate(prompts):
        at = slice(length - len(p), length) if task == "causal_lm" else slice(0, len(p))
        ids[i, at] = torch.as_tensor(p, dtype=torch.long)
        mask[i, at] = 1
    limit = _position_limit(model)
    if limit is not None and task == "causal_lm":
        max_new_tokens = max(1, min(max_new_tokens, limit - length))
    settings = settings or GenerationSettings()
    sampling = {"do_sample": True, "temperature": settings.temperature, "top_p": settings.top_p, "top_k": 0} \
        if settings.sample else {"do_sample": False}
    config = GenerationConfig(max_new_tokens=max_new_tokens, num_beams=1, pad_token_id=pad_id, eos_token_id=eos_id,
                              **sampling)
    if settings.sample:
        torch.manual_seed(settings.seed)
    start_id = getattr(model.config, "decoder_start_token_id", None)
    if start_id is not None:
        config.decoder_start_token_id = start_id
    if device is not None:
        ids, mask = ids.to(device), mask.to(device)
    out = model.generate(input_ids=ids, attention_mask=mask, generation_config=config, synced_gpus=synced)
    new = out[:, length:] if task == "causal_lm" else out[:, 1:]  # seq2seq output starts with the start token
    answers = []
    for row in new.tolist():
        ended = eos_id is not None and eos_id in row
        if ended:
            row = row[: row.index(eos_id)]
        answers.append(row)
        if stops is not None:
            stops.append("eos" if ended else "length")
    return answers


def decode(tokenizer, ids: Sequence[int]) -> str:
    """Token ids as text, special tokens left out, surrounding whitespace trimmed."""
    return tokenizer.decode(list(ids), skip_special_tokens=True).strip()
