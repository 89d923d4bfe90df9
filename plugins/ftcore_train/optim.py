"""Parameter groups (weight decay on weights only) and learning-rate schedules."""

from __future__ import annotations

import math
from typing import Any, Callable

NO_DECAY_MARKERS = ("bias", "norm", "ln_", "layernorm", "layer_norm", "rmsnorm")


def no_decay(name: str, param) -> bool:
    """True for biases and normalisation weights (one-dimensional or named so), which get no decay."""
    lowered = name.lower()
    return param.ndim < 2 or any(m in lowered for m in NO_DECAY_MARKERS)


def param_groups(model, weight_decay: float) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Two optimizer groups of trainable parameters: decayed weights, and biases and norms without decay.

    Returns the groups and, for reports and tests, the parameter names in each.
    """
    decay, plain, names = [], [], {"decay": [], "no_decay": []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if no_decay(name, p):
            plain.append(p)
            names["no_decay"].append(name)
        else:
            decay.append(p)
            names["decay"].append(name)
    groups = [g for g in ({"params": decay, "weight_decay": weight_decay},
                          {"params": plain, "weight_decay": 0.0}) if g["params"]]
    return groups, names


def warmup_steps(warmup: dict[str, Any], total: int) -> int:
    """Warm-up length in steps from the schedule's ``warmup`` (``{"count": n}`` or ``{"fraction": f}``)."""
    if warmup.get("fraction") is not None:
        return int(round(warmup["fraction"] * total))
    return int(warmup.get("count") or 0)


def lr_lambda(schedule: dict[str, Any], total: int) -> Callable[[int], float]:
    """The multiplier of the peak learning rate at each optimizer step (for ``LambdaLR``)."""
    name = schedule["component"].split(":", 1)[1]
    args = schedule.get("args", {})
    warm = warmup_steps(args.get("warmup") or {"count": 0}, total)
    end = float(args.get("end", 0.0) or 0.0)

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / (warm + 1)
        if name == "constant":
            return 1.0
        progress = min(1.0, (step - warm) / max(1, total - warm))
        if name == "linear":
            return end + (1.0 - end) * (1.0 - progress)
        if name == "cosine":
            return end + (1.0 - end) * 0.5 * (1.0 + math.cos(math.pi * progress))
        raise ValueError(f"unknown schedule {name}")

    return factor
