"""Rows of a tokenized split, and the collator that turns them into padded tensors."""

from __future__ import annotations

from typing import Any, Sequence


def make_collator(info: dict[str, Any], tokenizer, dtype=None, seq_lens: bool = False):
    """The data plugin's collator for ``info`` (padding; packed rows get isolating attention masks, and with
    ``seq_lens`` their samples' lengths for :mod:`ftcore_train.packed_attention`)."""
    from ftcore_data.collate import collator_for

    return collator_for(info, tokenizer, dtype, seq_lens)


class Rows:
    """Random access to a split's rows as dicts (a ``datasets.Dataset`` or a list of dicts)."""

    COLUMNS = ("input_ids", "attention_mask", "labels", "seq_lens")

    def __init__(self, data):
        if isinstance(data, list):
            self.rows = data
        else:
            cols = [c for c in self.COLUMNS if c in data.column_names]
            table = data.select_columns(cols).to_dict()
            self.rows = [dict(zip(cols, values)) for values in zip(*(table[c] for c in cols))]

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, indices: Sequence[int]) -> list[dict[str, Any]]:
        """The rows at ``indices``."""
        return [self.rows[i] for i in indices]
