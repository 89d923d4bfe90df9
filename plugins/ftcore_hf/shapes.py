"""Tensor shapes of the hf plugin's models, read without building them (no torch).

What :meth:`ftcore.api.ModelSource.parameter_shapes` and
:meth:`ftcore.api.Adapter.trainable_parameters` answer for ``hf``, ``tiny`` and ``lora``: the
safetensors headers of a model folder, a GGUF file's tensor table, or the shapes a ``tiny(...)``
model will have. The train plugin's memory plan asks through the contracts.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any, Optional

# LoRA target names as GGUF files spell the same projections
GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
              "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}


HEADER_LIMIT = 100 << 20  # a safetensors header larger than this is not read


def safetensors_shapes(path: Path) -> dict[str, list[int]]:
    """Name → shape of the floating-point tensors in a safetensors file, from its JSON header (no weights read).

    Integer tensors are buffers (``position_ids``), not parameters. A header over ``HEADER_LIMIT``
    (no real model's is) is refused with ValueError rather than read into memory.
    """
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        if size > HEADER_LIMIT:
            raise ValueError(f"{path}: safetensors header of {size} bytes")
        header = json.loads(f.read(size))
    return {k: v["shape"] for k, v in header.items() if k != "__metadata__" and v["dtype"].startswith(("F", "BF"))}


_GGUF_SCALARS = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_U32, _U64 = struct.Struct("<I"), struct.Struct("<Q")


class _GgufHeader:
    """A cursor over a GGUF file's header, mapped into memory rather than read value by value.

    The key-value section of a model with a tokenizer holds a hundred thousand strings (the
    vocabulary) before the tensor table; skipping them by offset arithmetic on a memory map takes
    a few milliseconds, where a read call per string took about 50.
    """

    def __init__(self, view) -> None:
        self.view, self.at = view, 0

    def take(self, n: int) -> int:
        """Advance by ``n`` bytes; the offset where they start. A truncated file is a ValueError."""
        start, self.at = self.at, self.at + n
        if self.at > len(self.view):
            raise ValueError("the GGUF header ends early")
        return start

    def u32(self) -> int:
        """The next little-endian uint32."""
        return _U32.unpack_from(self.view, self.take(4))[0]

    def u64(self) -> int:
        """The next little-endian uint64."""
        return _U64.unpack_from(self.view, self.take(8))[0]

    def string(self) -> str:
        """The next length-prefixed UTF-8 string."""
        n = self.u64()
        start = self.take(n)
        return bytes(self.view[start:start + n]).decode("utf-8", "replace")

    def skip(self, kind: int) -> None:
        """Skip one value of GGUF type ``kind``."""
        if kind in _GGUF_SCALARS:
            self.take(_GGUF_SCALARS[kind])
        elif kind == 8:
            self.take(self.u64())
        elif kind == 9:
            inner, count = self.u32(), self.u64()
            if inner in _GGUF_SCALARS:
                self.take(_GGUF_SCALARS[inner] * count)
            elif inner == 8:  # the vocabulary: one tight loop over the length prefixes
                at, unpack = self.at, _U64.unpack_from
                try:
                    for _ in range(count):
                        at += 8 + unpack(self.view, at)[0]
                except struct.error:
                    raise ValueError("the GGUF header ends early") from None
                self.take(at - self.at)
            else:
                for _ in range(count):
                    self.skip(inner)
        else:
            raise ValueError(f"unknown GGUF value type {kind}")


def gguf_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor name → shape, from a GGUF file's tensor table (version 2 or 3)."""
    import mmap

    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ValueError("not a GGUF file")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
            h = _GgufHeader(view)
            h.take(4)
            _version, tensors, kvs = h.u32(), h.u64(), h.u64()
            for _ in range(kvs):
                h.skip(8)  # the key
                h.skip(h.u32())
            shapes = {}
            for _ in range(tensors):
                name = h.string()
                dims = h.u32()
                shapes[name] = list(struct.unpack_from(f"<{dims}Q", view, h.take(8 * dims)))
                h.take(12)  # type, offset
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


def hf_shapes(args: dict[str, Any]) -> Optional[dict[str, list[int]]]:
    """Shapes of an ``hf(...)`` model from its files (a folder, or the copy a package ships); None if unknown."""
    from ftcore_hf.packaged import packaged_copy

    folder, gguf = Path(str(args.get("path", ""))), str(args.get("gguf") or "")
    if not folder.is_dir():
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


def parameter_count(shapes: dict[str, list[int]]) -> int:
    """The number of values in tensors of these shapes."""
    return sum(math.prod(int(d) for d in shape) for shape in shapes.values())


def lora_trainable(shapes: dict[str, list[int]], args: dict[str, Any]) -> int:
    """LoRA's trained parameters: rank × (in + out) for every target matrix."""
    rank, targets = int(args.get("rank", 8)), list(args.get("targets") or [])
    total = 0
    for name, shape in shapes.items():
        if len(shape) != 2 or not name.endswith(".weight"):
            continue
        module = name[:-len(".weight")].rpartition(".")[2]
        if any(module == t or module == GGUF_NAMES.get(t) for t in targets):
            total += rank * (int(shape[0]) + int(shape[1]))
    return total
