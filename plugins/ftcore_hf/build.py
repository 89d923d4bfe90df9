"""Build the model a run trains from the model block's parameters (run time only)."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Optional, Sequence


def load_impl(ref: str) -> Any:
    """Import ``"module:attribute"`` (a component's or stage's ``impl``)."""
    module, _, attr = ref.partition(":")
    obj = import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def load_tokenizer(model: dict[str, Any]):
    """The tokenizer of the model block's base (``model`` is :func:`ftcore_hf.plugin.model_params` data)."""
    return load_impl(model["base_impl"]).tokenizer(model["base"]["args"], int(model["max_length"]))


def build_model(model: dict[str, Any], *, tokenizer=None, labels: Optional[Sequence[str]] = None,
                dropout: Optional[float] = None):
    """Load the base model for the task, then apply dropout, adapter, freezing and gradient checkpointing.

    Seed torch before calling: a freshly initialised head (or a tiny model) follows the seed.
    """
    from ftcore_hf.adapters import freeze
    from ftcore_hf.dropout import dropout_overrides

    task = model["task"]
    source = load_impl(model["base_impl"])
    net = source.model(model["base"]["args"], task=task, labels=labels if task in ("classification",
                       "token_classification") else None, overrides=dropout_overrides(dropout), tokenizer=tokenizer)
    if model.get("gradient_checkpointing"):
        net.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        net.config.use_cache = False
    net = load_impl(model["adapter_impl"])(net, model["adapter"]["args"], task)
    if model.get("freeze"):
        freeze(net, model["freeze"])
    return net
