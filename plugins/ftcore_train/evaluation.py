"""Evaluation: loss and counts over a split, sharded across processes and summed."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ftcore_train.losses import loss_and_count, model_inputs
from ftcore_train.ordering import eval_shards

CLASSIFYING = ("classification", "token_classification")


def evaluate_sums(forward: Callable[..., Any], rows, collate, *, task: str, batch: int, num_labels: int = 0,
                  rank: int = 0, world: int = 1, device=None, all_reduce: Optional[Callable] = None) -> dict[str, Any]:
    """Summed loss, target count and (for classifiers) the confusion matrix of ``forward`` on ``rows``.

    ``forward(**inputs)`` returns an output with ``logits``. Every process runs the same number
    of batches (padded ones are masked out), as ZeRO-3 requires; ``all_reduce`` sums across them.
    """
    import torch

    loss_sum = torch.zeros((), dtype=torch.float64)
    count = torch.zeros((), dtype=torch.float64)
    confusion = torch.zeros((max(num_labels, 1), max(num_labels, 1)), dtype=torch.float64)
    with torch.no_grad():
        for indices, valid in eval_shards(len(rows), batch, rank, world):
            b = collate(rows.take(indices))
            keep = torch.tensor(valid)
            labels = b["labels"].clone()
            if labels.dim() == 1:
                labels[~keep] = -100
            else:
                labels[~keep, :] = -100
            b["labels"] = labels
            if device is not None:
                b = {k: v.to(device) if hasattr(v, "to") else v for k, v in b.items()}
            logits = forward(**model_inputs(b, task)).logits
            loss, n = loss_and_count(logits, b["labels"], task, 0.0, reduction="sum")
            loss_sum += loss.double().cpu()
            count += n.double().cpu()
            if task in CLASSIFYING and num_labels:
                pred = logits.argmax(-1).reshape(-1).cpu()
                truth = b["labels"].reshape(-1).cpu()
                sel = truth != -100
                idx = truth[sel] * num_labels + pred[sel]
                confusion += torch.bincount(idx, minlength=num_labels * num_labels).reshape(
                    num_labels, num_labels).double()
    if all_reduce is not None:
        for t in (loss_sum, count, confusion):
            all_reduce(t)
    return {"loss_sum": loss_sum, "count": count, "confusion": confusion}
