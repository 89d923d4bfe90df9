"""Parameter groups (weight decay on weights only), the built-in schedules and optimizers.

Schedules implement :class:`ftcore.api.Schedule` and optimizers :class:`ftcore.api.Optimizer`;
the ``schedule`` and ``optimizer`` components name these classes as ``impl``. Light on purpose
(no torch import): ``ftcore check`` asks the optimizer for its DeepSpeed section.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

from ftcore.api import Optimizer, Schedule, component_object
from ftcore.plugins.components import call_component

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


def warmup_steps(warmup: Mapping[str, Any], total: int) -> int:
    """Warm-up length in steps from the schedule's ``warmup`` (``{"count": n}`` or ``{"fraction": f}``)."""
    if warmup.get("fraction") is not None:
        return int(round(warmup["fraction"] * total))
    return int(warmup.get("count") or 0)


def lr_lambda(schedule: Mapping[str, Any], total: int) -> Callable[[int], float]:
    """The multiplier of the peak learning rate at each optimizer step (for ``LambdaLR``).

    ``schedule`` is the schedule's component entry; its impl (a :class:`ftcore.api.Schedule`)
    computes the factors. An exception inside it, at any step, is the providing plugin's error.
    """
    impl = component_object(schedule, Schedule)
    args = dict(schedule.get("args") or {})
    fn = call_component(schedule, impl.lr_lambda, args, total)
    return lambda step: call_component(schedule, fn, step)


# ------------------------------------------------------------------ built-in schedules


class WarmupSchedule(Schedule):
    """Linear warm-up over ``warmup`` steps (a count or a share of the run), then :meth:`decay`."""

    def factor(self, args: Mapping[str, Any], step: int, total: int) -> float:
        """``(step + 1) / (warmup + 1)`` while warming up, then :meth:`decay` of the progress after it."""
        warm = warmup_steps(args.get("warmup") or {"count": 0}, total)
        if warm and step < warm:
            return (step + 1) / (warm + 1)
        return self.decay(args, min(1.0, (step - warm) / max(1, total - warm)))

    def decay(self, args: Mapping[str, Any], progress: float) -> float:
        """The factor after warm-up at ``progress`` (0 just after warm-up, 1 at the last step)."""
        return 1.0


class ConstantSchedule(WarmupSchedule):
    """``constant(warmup)``: warm up, then hold the peak learning rate."""


class LinearSchedule(WarmupSchedule):
    """``linear(warmup, end)``: warm up, then decay linearly to ``end`` × the peak."""

    def decay(self, args: Mapping[str, Any], progress: float) -> float:
        """From 1 down to ``end`` in a straight line."""
        end = float(args.get("end", 0.0) or 0.0)
        return end + (1.0 - end) * (1.0 - progress)


class CosineSchedule(WarmupSchedule):
    """``cosine(warmup, end)``: warm up, then follow half a cosine down to ``end`` × the peak."""

    def decay(self, args: Mapping[str, Any], progress: float) -> float:
        """From 1 down to ``end`` along half a cosine."""
        end = float(args.get("end", 0.0) or 0.0)
        return end + (1.0 - end) * 0.5 * (1.0 + math.cos(math.pi * progress))


# ------------------------------------------------------------------ built-in optimizers


# DeepSpeed builds torch.optim.AdamW/Adam with these (``torch_adam``), and passes ``fused`` on to
# torch: one kernel over all of a parameter group's tensors. On a CPU its step is several times
# faster than torch's default per-tensor loop (22M parameters: 0.011 s against 0.077 s), and it is
# the Hugging Face Trainer's default optimizer; the update it computes is the same AdamW.
TORCH_FUSED_ADAM = {"torch_adam": True, "fused": True}


class AdamWOptimizer(Optimizer):
    """``adamw(lr, betas, eps)``: DeepSpeed's AdamW with decoupled weight decay."""

    ds_type = "AdamW"

    def deepspeed_section(self, args: Mapping[str, Any], weight_decay: float, offload: bool) -> dict[str, Any]:
        """``{"type": "AdamW", "params": {lr, betas, eps, weight_decay}}``; torch's fused kernel unless
        ZeRO-Offload needs DeepSpeed's CPU Adam (:data:`TORCH_FUSED_ADAM`)."""
        params: dict[str, Any] = {"lr": float(args["lr"]), "betas": [float(b) for b in args["betas"]],
                                  "eps": float(args["eps"]), "weight_decay": float(weight_decay)}
        self.adjust(params)
        if not offload:
            params.update(TORCH_FUSED_ADAM)
        return {"type": self.ds_type, "params": params}

    def adjust(self, params: dict[str, Any]) -> None:
        """Settings that tell this variant apart (none for AdamW)."""


class AdamOptimizer(AdamWOptimizer):
    """``adam(lr, betas, eps)``: Adam with the weight decay added to the gradient (L2), not decoupled."""

    ds_type = "Adam"

    def adjust(self, params: dict[str, Any]) -> None:
        """``adam_w_mode: false``: DeepSpeed's Adam adds the decay to the gradient."""
        params["adam_w_mode"] = False


class SGDOptimizer(Optimizer):
    """``sgd(lr, momentum)``: stochastic gradient descent (``torch.optim.SGD`` through DeepSpeed)."""

    def deepspeed_section(self, args: Mapping[str, Any], weight_decay: float, offload: bool) -> dict[str, Any]:
        """``{"type": "SGD", "params": {lr, momentum, weight_decay}}``."""
        return {"type": "SGD", "params": {"lr": float(args["lr"]), "momentum": float(args.get("momentum", 0.0)),
                                          "weight_decay": float(weight_decay)}}
