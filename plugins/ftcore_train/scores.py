"""Metric arithmetic from accumulated counts: accuracy, precision, recall, F1, perplexity."""

from __future__ import annotations

import math
from typing import Any


def from_confusion(confusion, average: str = "macro") -> dict[str, float]:
    """Accuracy, precision, recall and F1 from a confusion matrix (rows: truth, columns: prediction)."""
    import torch

    c = confusion.double()
    tp = torch.diagonal(c)
    support, predicted = c.sum(1), c.sum(0)
    total = c.sum()
    accuracy = float(tp.sum() / total) if total > 0 else 0.0
    if average == "micro":
        return {"accuracy": accuracy, "precision": accuracy, "recall": accuracy, "f1": accuracy}
    precision = torch.where(predicted > 0, tp / predicted.clamp(min=1), torch.zeros_like(tp))
    recall = torch.where(support > 0, tp / support.clamp(min=1), torch.zeros_like(tp))
    f1 = torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall).clamp(min=1e-12),
                     torch.zeros_like(tp))
    present = support > 0
    if average == "weighted":
        w = support / support.sum().clamp(min=1)
        agg = lambda v: float((v * w).sum())  # noqa: E731
    else:
        agg = lambda v: float(v[present].mean()) if present.any() else 0.0  # noqa: E731
    return {"accuracy": accuracy, "precision": agg(precision), "recall": agg(recall), "f1": agg(f1)}


def summarize(sums: dict[str, Any], task: str, wanted: list[dict[str, Any]]) -> dict[str, float]:
    """The requested metrics (``[{"name": "f1", "args": {...}}]``) from summed loss, counts and confusion."""
    out: dict[str, float] = {}
    loss = float(sums["loss_sum"]) / max(1.0, float(sums["count"]))
    for metric in wanted:
        name, args = metric["name"], metric.get("args", {})
        key = name if not args.get("average") or args["average"] == "macro" else f"{name}_{args['average']}"
        if name == "loss":
            out[key] = loss
        elif name == "perplexity":
            out[key] = math.exp(min(loss, 50.0))
        elif name in ("accuracy", "precision", "recall", "f1"):
            out[key] = from_confusion(sums["confusion"], args.get("average", "macro"))[name]
        else:
            raise KeyError(name)
    return out
