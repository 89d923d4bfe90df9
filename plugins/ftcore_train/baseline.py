"""The starting model of a run, rebuilt for ``baseline true``: what fine-tuning is measured against.

The evaluate stage rebuilds the model exactly as the train stage did before its first step (same
base, adapter, dropout and seed), folds the adapter in (a fresh LoRA adapter changes nothing)
and evaluates it on the same split as the fine-tuned model.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence


def starting_model(start: Mapping[str, Any], seed: int, *, tokenizer=None, labels: Sequence[str] = ()):
    """The model as it was before training: ``start`` holds the train stage's ``model`` and ``dropout``."""
    from ftcore.plugins.components import call_component
    from ftcore_hf.build import adapter_of, build_model
    from ftcore_train.seeding import seed_everything

    seed_everything(seed)  # the same freshly initialised head (or tiny model) as the run started from
    model = build_model(start["model"], tokenizer=tokenizer, labels=list(labels), dropout=start.get("dropout"))
    adapter = start["model"]["adapter"]
    return call_component(adapter, adapter_of(adapter).merged, model, adapter["args"])


def baseline_meaning(task: str, start: Mapping[str, Any]) -> str:
    """One sentence saying what the baseline numbers are the numbers of."""
    base = start["model"]["base"]
    name = f'{base.get("component", "base").split(":")[-1]}({", ".join(f"{k}: {v!r}" for k, v in base["args"].items())})'
    if task in ("classification", "token_classification"):
        return (f"{name} with its classification head freshly initialised (seeded like the run), "
                "before any training step: chance-level predictions unless the base already had this head")
    return f"{name} before any training step"
