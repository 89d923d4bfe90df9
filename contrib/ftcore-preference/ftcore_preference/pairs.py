"""A preference row as the model sees it, and the log-probability of each answer.

The ``preference`` format encodes a pair as one tokenized row: the chosen sequence (prompt and
chosen answer) followed by the rejected one (prompt and rejected answer). ``labels`` hold the
answer tokens (``-100`` on the prompts) and :data:`PAIR_START` at the first position of the
rejected sequence (a causal model never predicts a sequence's first token, so no target is lost).
:func:`unpair` turns a collated batch of such rows into one batch of 2·B separate sequences.
"""

from __future__ import annotations

from typing import Any, Mapping

IGNORE = -100
PAIR_START = -99


def unpair(batch: Mapping[str, Any], pad_id: int = 0) -> dict[str, Any]:
    """``input_ids``/``attention_mask``/``labels`` of the chosen sequences (rows 0..B-1), then the rejected ones.

    Raises ValueError when a row has no :data:`PAIR_START` (it was not made by the preference format).
    """
    import torch

    ids, labels, mask = batch["input_ids"], batch["labels"], batch["attention_mask"]
    if mask.dim() != 2:
        raise ValueError("preference rows cannot be packed (the attention mask is not per token)")
    chosen, rejected = [], []
    for row in range(ids.size(0)):
        length = int(mask[row].sum())
        starts = (labels[row, :length] == PAIR_START).nonzero()
        if starts.numel() != 1:
            raise ValueError("a row of the batch is not a preference pair: train on data with format preference(...)")
        cut = int(starts[0])
        row_labels = labels[row, :length].clone()
        row_labels[cut] = IGNORE
        chosen.append((ids[row, :cut], row_labels[:cut]))
        rejected.append((ids[row, cut:length], row_labels[cut:]))
    seqs = chosen + rejected
    longest = max(len(s) for s, _ in seqs)
    out_ids = torch.full((len(seqs), longest), pad_id, dtype=ids.dtype, device=ids.device)
    out_labels = torch.full((len(seqs), longest), IGNORE, dtype=labels.dtype, device=ids.device)
    out_mask = torch.zeros((len(seqs), longest), dtype=mask.dtype, device=ids.device)
    for i, (s, lab) in enumerate(seqs):
        out_ids[i, :len(s)], out_labels[i, :len(s)], out_mask[i, :len(s)] = s, lab, 1
    return {"input_ids": out_ids, "attention_mask": out_mask, "labels": out_labels}


def sequence_logps(logits, labels):
    """Summed log-probabilities of each sequence's labelled tokens and how many there are (causal shift)."""
    import torch

    logits, labels = logits[:, :-1, :].float(), labels[:, 1:]
    scored = labels != IGNORE
    targets = torch.where(scored, labels, torch.zeros_like(labels))
    token_logps = torch.gather(logits.log_softmax(-1), 2, targets.unsqueeze(-1)).squeeze(-1)
    return (token_logps * scored).sum(-1), scored.sum(-1)


def answer_logps(model, batch: Mapping[str, Any], pad_id: int = 0):
    """``(chosen, rejected, chosen_tokens, rejected_tokens)`` of a collated batch of preference rows, one forward pass."""
    pairs = unpair(batch, pad_id)
    out = model(input_ids=pairs["input_ids"], attention_mask=pairs["attention_mask"])
    logps, tokens = sequence_logps(out.logits, pairs["labels"])
    n = logps.size(0) // 2
    return logps[:n], logps[n:], tokens[:n], tokens[n:]
