"""Batching tokenized rows for training: padding, and the attention layout of packed rows.

``collator_for(info, tokenizer)`` returns a callable turning a list of rows (dicts from a
``tokenized`` dataset) into a dict of tensors. Columns other than the model inputs (``_loc``) are
ignored. For packed rows it adds ``position_ids`` restarting at each sample and a 4-D additive
attention mask ``(batch, 1, length, length)`` that is causal within each sample and closed
between samples; Hugging Face Llama-family models take it as is with eager or sdpa attention.
"""

from __future__ import annotations

from typing import Any, Optional

from ftcore_data.formats import IGNORE


def _pad(seqs, value: int, length: int):
    import torch

    out = torch.full((len(seqs), length), value, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.as_tensor(s, dtype=torch.long)
    return out


class PadCollator:
    """Right-pads ``input_ids`` (pad id), ``attention_mask`` (0) and list ``labels`` (-100)."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, rows: list[dict[str, Any]]) -> dict:
        import torch

        length = max(len(r["input_ids"]) for r in rows)
        batch = {"input_ids": _pad([r["input_ids"] for r in rows], self.pad_token_id, length),
                 "attention_mask": _pad([r["attention_mask"] for r in rows], 0, length)}
        labels = [r["labels"] for r in rows]
        if isinstance(labels[0], list):
            batch["labels"] = _pad(labels, IGNORE, max(len(x) for x in labels))
        else:
            batch["labels"] = torch.as_tensor(labels, dtype=torch.long)
        return batch


class PackedCollator:
    """Pads packed rows and builds ``position_ids`` and the block-diagonal causal 4-D mask."""

    def __init__(self, pad_token_id: int, dtype=None, seq_lens: bool = False):
        self.pad_token_id = pad_token_id
        self.dtype = dtype
        self.seq_lens = seq_lens  # also hand the samples' lengths to the model (``packed_seq_lens``)

    def __call__(self, rows: list[dict[str, Any]]) -> dict:
        import torch

        dtype = self.dtype or torch.float32
        length = max(len(r["input_ids"]) for r in rows)
        positions = torch.zeros((len(rows), length), dtype=torch.long)
        allowed = torch.zeros((len(rows), 1, length, length), dtype=torch.bool)
        causal = torch.ones((length, length), dtype=torch.bool).tril()
        for b, row in enumerate(rows):
            start = 0
            for n in row.get("seq_lens") or [len(row["input_ids"])]:
                positions[b, start:start + n] = torch.arange(n)
                allowed[b, 0, start:start + n, start:start + n] = causal[:n, :n]
                start += n
            for pad in range(start, length):  # padding attends to itself only: no empty rows, no NaN
                allowed[b, 0, pad, pad] = True
        mask = torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)
        batch = {"input_ids": _pad([r["input_ids"] for r in rows], self.pad_token_id, length),
                 "labels": _pad([r["labels"] for r in rows], IGNORE, length),
                 "position_ids": positions, "attention_mask": mask}
        if self.seq_lens:
            batch["packed_seq_lens"] = [list(r.get("seq_lens") or [len(r["input_ids"])]) for r in rows]
        return batch


def collator_for(info: dict, tokenizer: Any = None, dtype: Optional[Any] = None, seq_lens: bool = False):
    """The collator for a tokenize stage's ``info``; ``dtype`` is the model's (for the packed mask); with
    ``seq_lens``, packed batches also carry each row's sample lengths as ``packed_seq_lens`` (for a model
    whose attention reads them)."""
    pad = info.get("pad_token_id")
    if pad is None and tokenizer is not None:
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if info.get("packing"):
        return PackedCollator(pad or 0, dtype, seq_lens)
    return PadCollator(pad or 0)
