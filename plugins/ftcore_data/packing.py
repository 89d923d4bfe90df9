"""Sample packing for causal language models: several rows in one sequence, kept apart.

A packed row holds ``input_ids``, ``labels`` and ``seq_lens`` (the length of each sample in
order). Every sample's first label is ``-100``: a model predicts token t from tokens before it,
and the token before a sample's first belongs to another sample. Alone, that first token is never
predicted either, so each sample's loss is the same packed or not — provided attention is
block-diagonal and positions restart, which :mod:`ftcore_data.collate` builds.
"""

from __future__ import annotations

from ftcore_data.formats import IGNORE


def pack_rows(ids_list: list[list[int]], labels_list: list[list[int]], max_length: int) -> dict[str, list]:
    """Greedily pack samples in order into sequences of at most ``max_length`` tokens."""
    out = {"input_ids": [], "labels": [], "seq_lens": []}
    cur_ids: list[int] = []
    cur_labels: list[int] = []
    lens: list[int] = []
    for ids, labels in zip(ids_list, labels_list):
        if cur_ids and len(cur_ids) + len(ids) > max_length:
            out["input_ids"].append(cur_ids)
            out["labels"].append(cur_labels)
            out["seq_lens"].append(lens)
            cur_ids, cur_labels, lens = [], [], []
        cur_ids = cur_ids + list(ids)
        cur_labels = cur_labels + [IGNORE] + list(labels[1:])
        lens.append(len(ids))
    if cur_ids:
        out["input_ids"].append(cur_ids)
        out["labels"].append(cur_labels)
        out["seq_lens"].append(lens)
    return out


def pack_dataset(dataset, max_length: int, map_kwargs: dict):
    """Pack a tokenized dataset (batches of 1,000 rows are packed independently)."""

    def pack(batch):
        packed = pack_rows(batch["input_ids"], batch["labels"], max_length)
        packed["attention_mask"] = [[1] * len(ids) for ids in packed["input_ids"]]
        return packed

    return dataset.map(pack, batched=True, batch_size=1000, remove_columns=dataset.column_names, **map_kwargs)
