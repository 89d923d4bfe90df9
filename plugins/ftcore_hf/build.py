"""Build the model a run trains from the model block's parameters (run time only).

The base and the adapter are component entries (see :func:`ftcore_hf.plugin.model_params`):
their code is loaded through the registry's ``impl`` and called only through the
:class:`ftcore.api.ModelSource` and :class:`ftcore.api.Adapter` contracts, so a third party's
model source or adapter runs exactly like ``hf``, ``tiny``, ``full`` and ``lora``. A failure
inside that code is reported as the providing plugin's (``PluginError``).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any, ContextManager, Mapping, Optional, Sequence

from ftcore.api import Adapter, ModelSource, component_object
from ftcore.plugins.components import call_component

CLASSIFIER_TASKS = ("classification", "token_classification")


def model_source(entry: Mapping[str, Any]) -> ModelSource:
    """The :class:`~ftcore.api.ModelSource` a base entry names."""
    return component_object(entry, ModelSource)


def adapter_of(entry: Mapping[str, Any]) -> Adapter:
    """The :class:`~ftcore.api.Adapter` an adapter entry names."""
    return component_object(entry, Adapter)


def load_tokenizer(model: Mapping[str, Any]):
    """The tokenizer of the model block's base (``model`` is :func:`ftcore_hf.plugin.model_params` data)."""
    base = model["base"]
    return call_component(base, model_source(base).tokenizer, base["args"], int(model["max_length"]))


def build_model(model: Mapping[str, Any], *, tokenizer=None, labels: Optional[Sequence[str]] = None,
                dropout: Optional[float] = None, construction: Optional[ContextManager] = None):
    """Load the base model for the task, then apply dropout, adapter, freezing and gradient checkpointing.

    Seed torch before calling: a freshly initialised head (or a tiny model) follows the seed.
    ``construction``, when given, is entered around the model source's call alone (the training
    stage passes ZeRO 3's partitioned construction); the adapter is applied after it.
    """
    from ftcore_hf.adapters import freeze
    from ftcore_hf.dropout import dropout_overrides

    task, base, adapter = model["task"], model["base"], model["adapter"]
    with construction if construction is not None else nullcontext():
        net = call_component(base, model_source(base).model, base["args"], task=task,
                             labels=labels if task in CLASSIFIER_TASKS else None,
                             overrides=dropout_overrides(dropout), tokenizer=tokenizer)
    if model.get("gradient_checkpointing"):
        net.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        net.config.use_cache = False
    net = call_component(adapter, adapter_of(adapter).apply, net, adapter["args"], task)
    if model.get("freeze"):
        freeze(net, model["freeze"])
    return net
