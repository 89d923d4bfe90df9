"""The planned memory of each training process, before anything runs (``ftcore check`` and ``graph``).

Model states only (weights, gradients, optimizer states), by the ZeRO paper's per-stage formula
(Rajbhandari et al., 2020, section 5): with Ψ parameters of which Φ train, N processes, and
bytes per value b (4 in fp32, 2 in bf16/fp16):

- weights b·Ψ, gradients b·Φ, optimizer states K·Φ: AdamW's two moments (8 bytes) plus the fp32
  copy DeepSpeed keeps of the trained parameters whenever it partitions (ZeRO 1-3) or trains in
  bf16/fp16 (4 bytes more); ZeRO 0 in fp32 steps the weights themselves (K = 8);
- ZeRO 1 divides the optimizer states by N, ZeRO 2 the gradients too, ZeRO 3 the weights too.

Activations, the data and the libraries' own memory come on top; ``python -m bench`` compares the
plan with measured peaks. Parameter counts come from the model's files without loading them:
safetensors headers, a GGUF file's tensor table, or the shapes of a ``tiny(...)`` model. Pure
Python: no torch, so ``ftcore check`` stays fast.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, Optional

MIB = 1024 * 1024
# LoRA target names as GGUF files spell the same projections
GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
              "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}


def safetensors_shapes(path: Path) -> dict[str, list[int]]:
    """Name → shape of the floating-point tensors in a safetensors file, from its JSON header (no weights read).

    Integer tensors are buffers (``position_ids``), not parameters.
    """
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__" and v["dtype"].startswith(("F", "BF"))}


def _gguf_string(f) -> str:
    return f.read(struct.unpack("<Q", f.read(8))[0]).decode("utf-8", "replace")


_GGUF_SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def _gguf_skip(f, kind: int) -> None:
    if kind in _GGUF_SCALARS:
        f.seek(_GGUF_SCALARS[kind], 1)
    elif kind == 8:
        _gguf_string(f)
    elif kind == 9:
        inner, count = struct.unpack("<IQ", f.read(12))
        for _ in range(count):
            _gguf_skip(f, inner)
    else:
        raise ValueError(f"unknown GGUF value type {kind}")


def gguf_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor name → shape, from a GGUF file's tensor table (version 2 or 3)."""
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ValueError("not a GGUF file")
        _version, tensors, kvs = struct.unpack("<IQQ", f.read(20))
        for _ in range(kvs):
            _gguf_string(f)
            _gguf_skip(f, struct.unpack("<I", f.read(4))[0])
        shapes = {}
        for _ in range(tensors):
            name = _gguf_string(f)
            dims = struct.unpack("<I", f.read(4))[0]
            shapes[name] = list(struct.unpack(f"<{dims}Q", f.read(8 * dims)))
            f.seek(12, 1)  # type, offset
        return shapes


def tiny_shapes(args: dict[str, Any], task: str, vocab: int = 260) -> Optional[dict[str, list[int]]]:
    """The shapes of a ``tiny(...)`` model (byte tokenizer: 260 tokens); None for an unknown architecture."""
    arch, layers, h, inter = args.get("arch"), int(args["layers"]), int(args["hidden"]), int(args["intermediate"])
    shapes: dict[str, list[int]] = {"embed": [vocab, h]}
    for i in range(layers):
        p = f"layers.{i}."
        if arch == "llama":
            shapes.update({p + "q_proj.weight": [h, h], p + "k_proj.weight": [h, h], p + "v_proj.weight": [h, h],
                           p + "o_proj.weight": [h, h], p + "gate_proj.weight": [inter, h],
                           p + "up_proj.weight": [inter, h], p + "down_proj.weight": [h, inter], p + "norms": [2 * h]})
        elif arch == "t5":
            attention = {f"{p}{side}.{m}.weight": [h, h] for side in ("self", "cross", "enc") for m in "qkvo"}
            shapes.update({**attention, p + "wi.weight": [2 * inter, h], p + "wo.weight": [2 * h, inter],
                           p + "norms": [5 * h]})
        elif arch in ("gpt2", "bert"):
            shapes.update({p + "attn.weight": [4 * h, h], p + "attn.bias": [4 * h], p + "mlp.weight": [2 * inter, h],
                           p + "mlp.bias": [inter + h], p + "norms": [4 * h]})
        else:
            return None
    if arch == "t5":
        shapes["norm"] = [2 * h]
    elif arch == "llama":
        shapes["norm"] = [h]
        if task == "causal_lm":
            shapes["lm_head"] = [vocab, h]
    else:
        shapes["positions"] = [512, h]
        shapes["norm"] = [2 * h]
        if arch == "bert":
            shapes["token_types_and_pooler"] = [2 * h + h * h + h]
    return shapes


def model_shapes(model: dict[str, Any]) -> Optional[dict[str, list[int]]]:
    """Tensor shapes of the recipe's base model, read from its files; None when they cannot be found."""
    base = model.get("base") or {}
    name = str(base.get("component", "")).partition(":")[2]
    args = base.get("args") or {}
    if name == "tiny":
        return tiny_shapes(args, model.get("task", ""))
    if name != "hf":
        return None
    folder, gguf = Path(str(args.get("path", ""))), str(args.get("gguf") or "")
    if not folder.is_dir():
        from ftcore_hf.packaged import packaged_copy

        copy = packaged_copy(str(args.get("path", "")))
        if copy is None:
            return None
        folder, gguf = Path(copy[0]), gguf or copy[1]
    try:
        if gguf:
            return gguf_shapes(folder / gguf)
        index = folder / "model.safetensors.index.json"
        if index.is_file():
            shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
            return {k: v for s in shards for k, v in safetensors_shapes(folder / s).items()}
        if (folder / "model.safetensors").is_file():
            return safetensors_shapes(folder / "model.safetensors")
    except (OSError, ValueError, KeyError, struct.error):
        return None
    return None


def count(shapes: dict[str, list[int]]) -> int:
    """Number of values in all the tensors."""
    total = 0
    for shape in shapes.values():
        n = 1
        for d in shape:
            n *= int(d)
        total += n
    return total


def trainable(shapes: dict[str, list[int]], model: dict[str, Any]) -> int:
    """Parameters that train: all of them, or LoRA's low-rank pairs (rank × (in + out) per target matrix)."""
    adapter = model.get("adapter") or {}
    if str(adapter.get("component", "")).partition(":")[2] != "lora":
        return count(shapes)
    args = adapter.get("args") or {}
    rank, targets = int(args.get("rank", 8)), list(args.get("targets") or [])
    total = 0
    for name, shape in shapes.items():
        if len(shape) != 2 or not name.endswith(".weight"):
            continue
        module = name[:-len(".weight")].rpartition(".")[2]
        if any(module == t or module == GGUF_NAMES.get(t) for t in targets):
            total += rank * (int(shape[0]) + int(shape[1]))
    return total


def plan(psi: int, phi: int, zero: int, precision: str, processes: int) -> dict[str, float]:
    """Bytes per process of weights, gradients and optimizer states (see the module docstring)."""
    b = 4 if precision == "fp32" else 2
    k = 8 if (zero == 0 and precision == "fp32") else 12
    weights, grads, optim = b * psi, b * phi, k * phi
    n = max(1, processes)
    if zero >= 1:
        optim /= n
    if zero >= 2:
        grads /= n
    if zero >= 3:
        weights /= n
    return {"weights": weights, "gradients": grads, "optimizer": optim, "total": weights + grads + optim}


def _size(nbytes: float) -> str:
    return f"{nbytes / MIB / 1024:.2f} GiB" if nbytes >= 1024 * MIB else f"{nbytes / MIB:.0f} MiB"


def describe(model: dict[str, Any], settings: dict[str, Any]) -> Optional[str]:
    """The plan as one line for the terminal; None when the model's size cannot be known before loading."""
    shapes = model_shapes(model)
    if not shapes:
        return None
    psi, phi = count(shapes), trainable(shapes, model)
    zero, precision = int(settings.get("zero", 0)), str(settings.get("precision", "fp32"))
    params = f"{psi / 1e6:.1f}M parameters" + (f" ({phi / 1e6:.2f}M train)" if phi != psi else "")
    one = plan(psi, phi, zero, precision, 1)
    head = (f"memory plan: {params}, {precision}, ZeRO {zero}: model states per process "
            f"{_size(one['total'])} (weights {_size(one['weights'])}, gradients {_size(one['gradients'])}, "
            f"optimizer {_size(one['optimizer'])})")
    if zero:
        head += "; with " + ", ".join(f"{n} processes {_size(plan(psi, phi, zero, precision, n)['total'])}"
                                      for n in (2, 4, 8))
    offload = settings.get("offload", "none")
    if offload != "none":
        head += f"; offload {offload}: those states sit in host memory"
    return head + "; activations come on top"
