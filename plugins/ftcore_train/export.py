"""The trained model on disk: ``model/`` in the run directory, and exports with a model card."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Optional

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
    ZeRO partitions; LoRA weights are merged into the base for ``model/``.
    """
    import torch

    from ftcore_hf.build import build_model

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
    if hasattr(fresh, "merge_and_unload"):
        tmp = run_dir / ".tmp-adapter"
        fresh.save_pretrained(str(tmp), safe_serialization=True)
        _replace_dir(tmp, run_dir / "adapter")
        fresh = fresh.merge_and_unload()
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


def model_card(recipe: str, info: dict[str, Any], metrics: dict[str, dict[str, float]], summary: dict[str, Any]) -> str:
    """A README.md for an exported model: what it is, its labels, how it was trained and its metrics."""
    base = info.get("base", {})
    lines = [f"# {recipe}", "", "Fine-tuned with ftcore.", "",
             f"- task: {info.get('task')}",
             f"- base model: {base.get('component', '?').split(':')[-1]}({json.dumps(base.get('args', {}))})",
             f"- adapter: {info.get('adapter', {}).get('component', 'adapter:full').split(':')[-1]}",
             f"- optimizer steps: {summary.get('steps')}"]
    if info.get("label_names"):
        lines.append(f"- labels: {', '.join(info['label_names'])}")
    if metrics:
        lines += ["", "## Metrics", "", "| split | metric | value |", "|---|---|---|"]
        for split, values in metrics.items():
            for name, value in values.items():
                if isinstance(value, (int, float)):
                    lines.append(f"| {split} | {name} | {value:.4f} |")
    lines += ["", "## Use", "", "```python", "from transformers import AutoModel, AutoTokenizer",
              "model = AutoModel.from_pretrained(\"<this folder>\")", "```", ""]
    return "\n".join(lines)


def export_hf(model_dir: Path, dest: Path, *, overwrite: bool, card: Optional[str], adapter_dir: Optional[Path]) -> Path:
    """Copy the trained model (or only its adapter) to ``dest`` through a temporary folder, with a card."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()) and not overwrite:
        raise RunError(f"export folder {dest} already holds files", 'choose another folder or write '
                       'export hf("...", overwrite: true)')
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".tmp-{dest.name}")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(adapter_dir if adapter_dir is not None else model_dir, tmp)
    if adapter_dir is not None:
        for name in os.listdir(model_dir):
            if name.startswith("tokenizer") or name in ("special_tokens_map.json", MODEL_INFO):
                shutil.copy2(Path(model_dir) / name, tmp / name)
    if card is not None:
        (tmp / "README.md").write_text(card, encoding="utf-8")
    _replace_dir(tmp, dest)
    return dest
