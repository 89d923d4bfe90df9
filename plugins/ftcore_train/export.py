"""The trained model on disk: ``model/`` (and ``adapter/``) in the run directory, and loading it back."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Optional

from ftcore.plugins.components import call_component
from ftcore.runtime.errors import RunError

MODEL_INFO = "ftcore_model.json"


def full_state_dict(engine, zero: int, rank: int) -> Optional[dict[str, Any]]:
    """The complete weights on rank 0 (gathered from every process under ZeRO-3); None elsewhere."""
    module = engine.module
    if zero == 3:
        import deepspeed

        with deepspeed.zero.GatheredParameters(list(module.parameters()), modifier_rank=None):
            state = {k: v.detach().cpu().clone() for k, v in module.state_dict().items()} if rank == 0 else None
        return state
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()} if rank == 0 else None


def _replace_dir(tmp: Path, final: Path) -> None:
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)


def save_final_model(engine, params: dict[str, Any], tokenizer, info: dict[str, Any], run_dir: Path, rank: int,
                     zero: int) -> Path:
    """Write ``model/`` (safetensors, config with label names, tokenizer), and ``adapter/`` for LoRA.

    The weights are loaded into a freshly built copy of the model, so the saved files never hold
    ZeRO partitions. The adapter component (:class:`ftcore.api.Adapter`) writes ``adapter/``
    (``save_adapter``: LoRA's weights alone) and folds itself into the weights for ``model/``
    (``merged``).
    """
    import torch

    from ftcore_hf.build import adapter_of, build_model

    run_dir = Path(run_dir)
    final = run_dir / "model"
    state = full_state_dict(engine, zero, rank)
    if rank != 0:
        return final
    labels = [str(x) for x in (info.get("label_names") or [])]
    fresh = build_model(params["model"], tokenizer=tokenizer, labels=labels, dropout=params.get("dropout"))
    missing, unexpected = fresh.load_state_dict({k: v.to(torch.float32) if v.is_floating_point() else v
                                                 for k, v in state.items()}, strict=False)
    if unexpected or [m for m in missing if "lm_head" not in m and "embed" not in m]:
        raise RunError(f"saving the model: weights do not match (missing {missing[:3]}, unexpected {unexpected[:3]})")
    adapter_entry = params["model"]["adapter"]
    adapter, adapter_args = adapter_of(adapter_entry), adapter_entry["args"]
    tmp = run_dir / ".tmp-adapter"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    if call_component(adapter_entry, adapter.save_adapter, fresh, adapter_args, tmp):
        _replace_dir(tmp, run_dir / "adapter")
    else:
        shutil.rmtree(tmp)
    fresh = call_component(adapter_entry, adapter.merged, fresh, adapter_args)
    tmp = run_dir / ".tmp-model"
    if tmp.exists():
        shutil.rmtree(tmp)
    fresh.save_pretrained(str(tmp), safe_serialization=True)
    if tokenizer is not None:
        tokenizer.save_pretrained(str(tmp))
    (tmp / MODEL_INFO).write_text(json.dumps({"task": params["model"]["task"], "label_names": labels,
                                              "base": params["model"]["base"], "adapter": params["model"]["adapter"]},
                                             indent=2), encoding="utf-8")
    _replace_dir(tmp, final)
    return final


def load_saved_model(path: Path, task: str):
    """Load a model written by :func:`save_final_model` (safetensors only, no remote code)."""
    from ftcore_hf.sources import auto_class

    return auto_class(task).from_pretrained(str(path), use_safetensors=True, trust_remote_code=False)
