"""The training loss of each task, computed from the logits so label smoothing applies everywhere."""

from __future__ import annotations

from typing import Any


def model_inputs(batch: dict[str, Any], task: str) -> dict[str, Any]:
    """What the model's forward takes: everything but the labels (seq2seq needs them for the decoder)."""
    if task == "seq2seq":
        return dict(batch)
    return {k: v for k, v in batch.items() if k != "labels"}


def loss_and_count(logits, labels, task: str, label_smoothing: float = 0.0, reduction: str = "mean"):
    """Cross-entropy for ``task`` and the number of targets it averages over.

    causal_lm shifts labels by one; seq2seq and token classification score every labelled
    position; classification scores one label per example. Positions labelled -100 are ignored.
    """
    import torch.nn.functional as F

    if task == "causal_lm":
        logits, labels = logits[:, :-1, :], labels[:, 1:]
    if task in ("causal_lm", "seq2seq", "token_classification"):
        flat_logits = logits.reshape(-1, logits.size(-1)).float()
        flat_labels = labels.reshape(-1)
    else:
        flat_logits, flat_labels = logits.float(), labels.reshape(-1)
    count = (flat_labels != -100).sum()
    loss = F.cross_entropy(flat_logits, flat_labels, ignore_index=-100, label_smoothing=label_smoothing,
                           reduction=reduction)
    return loss, count
