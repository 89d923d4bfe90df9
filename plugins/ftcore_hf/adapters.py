"""Adapters: how a model's weights are trained (all of them, or LoRA through peft), and freezing."""

from __future__ import annotations

import fnmatch
from typing import Any, Sequence

from ftcore.runtime.errors import RunError

# Attention projections LoRA adapts when the recipe names no targets.
DEFAULT_TARGETS = {
    "llama": ["q_proj", "v_proj"], "mistral": ["q_proj", "v_proj"], "qwen2": ["q_proj", "v_proj"],
    "gpt2": ["c_attn"], "bert": ["query", "value"], "t5": ["q", "v"],
}

PEFT_TASKS = {"causal_lm": "CAUSAL_LM", "classification": "SEQ_CLS", "seq2seq": "SEQ_2_SEQ_LM",
              "token_classification": "TOKEN_CLS"}


def apply_full(model, args: dict[str, Any], task: str):
    """Full fine-tuning: every weight stays trainable. Returns the model unchanged."""
    return model


def module_names(model) -> set[str]:
    """The last component of every submodule's name (what LoRA ``targets`` match)."""
    return {name.rsplit(".", 1)[-1] for name, _ in model.named_modules() if name}


def apply_lora(model, args: dict[str, Any], task: str):
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
