"""Adapters: how a model's weights are trained (all of them, or LoRA through peft), and freezing.

``FullAdapter`` and ``LoraAdapter`` implement :class:`ftcore.api.Adapter`; the ``adapter``
components name them as ``impl``. peft is imported only when LoRA is applied.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any, Mapping, Sequence

from ftcore.api import Adapter, RunError

# Attention projections LoRA adapts when the recipe names no targets.
DEFAULT_TARGETS = {
    "llama": ["q_proj", "v_proj"], "mistral": ["q_proj", "v_proj"], "qwen2": ["q_proj", "v_proj"],
    "gpt2": ["c_attn"], "bert": ["query", "value"], "t5": ["q", "v"],
}

PEFT_TASKS = {"causal_lm": "CAUSAL_LM", "classification": "SEQ_CLS", "seq2seq": "SEQ_2_SEQ_LM",
              "token_classification": "TOKEN_CLS"}


class FullAdapter(Adapter):
    """``full``: every weight stays trainable (minus the ones the model block freezes)."""

    def apply(self, model, args: Mapping[str, Any], task: str):
        """Return the model unchanged."""
        return model


def module_names(model) -> set[str]:
    """The last component of every submodule's name (what LoRA ``targets`` match)."""
    return {name.rsplit(".", 1)[-1] for name, _ in model.named_modules() if name}


class LoraAdapter(Adapter):
    """``lora(rank, alpha, dropout, targets)``: peft LoRA; the base weights stay frozen."""

    def trainable_parameters(self, args, shapes):
        """rank × (in + out) for every target matrix."""
        from ftcore_hf.shapes import lora_trainable

        return lora_trainable(dict(shapes), dict(args))

    def apply(self, model, args: Mapping[str, Any], task: str):
        """Wrap ``model`` with peft LoRA (rank, alpha, dropout, targets); heads of classifiers stay trainable."""
        from peft import LoraConfig, get_peft_model

        targets = list(args.get("targets") or DEFAULT_TARGETS.get(model.config.model_type, []))
        if not targets:
            raise RunError(f"lora: no default target modules for model type {model.config.model_type}",
                           "name them: lora(targets: [\"q_proj\", \"v_proj\"])")
        present = module_names(model)
        missing = [t for t in targets if t not in present]
        if missing:
            linear = sorted(n for n in present if "proj" in n or n in ("query", "key", "value", "dense", "c_attn", "q", "v"))
            raise RunError(f"lora: the model has no module called {', '.join(repr(m) for m in missing)}",
                           f"modules that can be targeted include: {', '.join(linear[:12]) or 'none found'}")
        config = LoraConfig(r=int(args["rank"]), lora_alpha=float(args["alpha"]), lora_dropout=float(args["dropout"]),
                            target_modules=targets, task_type=PEFT_TASKS[task])
        return get_peft_model(model, config)

    def merged(self, model, args: Mapping[str, Any]):
        """The base model with the low-rank updates added into its weights (peft ``merge_and_unload``)."""
        return model.merge_and_unload()

    def save_adapter(self, model, args: Mapping[str, Any], folder: Path) -> bool:
        """Write the LoRA weights and ``adapter_config.json`` alone (peft layout, safetensors)."""
        model.save_pretrained(str(folder), safe_serialization=True)
        return True


def freeze(model, patterns: Sequence[str]) -> list[str]:
    """Freeze every parameter whose name contains a pattern (or matches it as a glob); returns their names.

    Raises :class:`RunError` for a pattern that matches nothing, naming a few real parameter names.
    """
    frozen: list[str] = []
    names = [n for n, _ in model.named_parameters()]
    for pattern in patterns:
        hits = [n for n in names if pattern in n or fnmatch.fnmatch(n, pattern)]
        if not hits:
            raise RunError(f'freeze: "{pattern}" matches no parameter',
                           "parameter names look like: " + ", ".join(names[:4]))
        frozen.extend(hits)
    params = dict(model.named_parameters())
    for name in frozen:
        params[name].requires_grad_(False)
    return sorted(set(frozen))
