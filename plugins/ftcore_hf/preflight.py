"""Checks of the model block that ``ftcore check`` can make before anything is loaded.

* ``trust_remote_code: true`` is a warning naming the folder whose Python files ``prepare`` and
  ``run`` would execute.
* A model whose fp32 weights alone exceed this machine's memory is an error (it would end in an
  allocation failure after minutes of data preparation); one whose full training state (weights,
  gradients, Adam moments: 16 bytes a parameter) exceeds it is a warning.

Parameter counts come from the recipe for ``tiny`` models and from the safetensors headers of a
local ``hf`` folder (a few kilobytes read, no tensor loaded). Nothing here imports torch.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Optional

BYTE_VOCAB = 300  # the byte-level tokenizer of tiny models (bytes and special tokens)
POSITIONS = 512


def tiny_parameters(args: dict) -> int:
    """About how many parameters ``tiny(...)`` builds (within a few percent for every arch)."""
    layers, hidden, inter = int(args["layers"]), int(args["hidden"]), int(args["intermediate"])
    per_layer = 4 * hidden * hidden + 2 * hidden * inter
    if args.get("arch") == "llama":
        per_layer += hidden * inter  # the gate projection
    stacks = per_layer * layers
    if args.get("arch") == "t5":
        stacks = per_layer * layers + (per_layer + 4 * hidden * hidden) * layers  # decoder with cross-attention
    return stacks + (BYTE_VOCAB + POSITIONS) * hidden


def safetensors_parameters(folder: Path) -> Optional[int]:
    """The number of parameters in the ``*.safetensors`` files of ``folder``, from their headers
    (:func:`ftcore_hf.shapes.safetensors_shapes`, which the memory plan reads too); None if none."""
    from ftcore_hf.shapes import parameter_count, safetensors_shapes

    files = sorted(Path(folder).glob("*.safetensors")) if Path(folder).is_dir() else []
    if not files:
        return None
    try:
        return sum(parameter_count(safetensors_shapes(path)) for path in files)
    except (OSError, ValueError, KeyError, AttributeError, TypeError, struct.error):
        return None


def machine_memory() -> Optional[int]:
    """Total main memory in bytes, or None where it cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _count(n: int) -> str:
    return f"{n / 1e9:.1f} billion" if n >= 1e9 else f"{n / 1e6:.1f} million"


def model_problems(base, full_training: bool, memory: Optional[int],
                   recipe_dir: Optional[Path] = None) -> list[tuple[str, str, str, str]]:
    """(severity, message, argument, hint) for the model source ``base`` (a bound ``tiny`` or ``hf`` component).

    A relative ``hf`` path is looked up under ``recipe_dir``.
    """
    out: list[tuple[str, str, str, str]] = []
    params: Optional[int] = None
    what = str(base.name)
    if base.name == "hf" and base.args.get("trust_remote_code"):
        folder = base.args.get("path")
        out.append(("warning", f'trust_remote_code: true: ftcore prepare and ftcore run will execute Python code '
                               f'from "{folder}" (its configuration and modelling files)', "trust_remote_code",
                    "only for a model whose code you have read and trust; most models need no code of their own"))
    if base.name == "tiny":
        if not all(isinstance(base.args.get(k), int) for k in ("layers", "hidden", "intermediate")):
            return out  # an argument failed to bind: that is reported already
        params = tiny_parameters(base.args)
        what = f"tiny(layers: {base.args['layers']}, hidden: {base.args['hidden']})"
    elif base.name == "hf":
        folder = base.args.get("path")
        if isinstance(folder, str) and folder:
            local = Path(folder) if Path(folder).is_absolute() else Path(recipe_dir or ".") / folder
            if local.is_dir():
                params = safetensors_parameters(local)
    if params is None or memory is None:
        return out
    weights, training = 4 * params, 16 * params
    if weights > memory:
        out.append(("error", f"{what} has about {_count(params)} parameters: its weights alone need "
                             f"{_gb(weights)} in fp32, more than this machine's {_gb(memory)} of memory", "",
                    "choose a smaller model (fewer layers, a smaller hidden size)"))
    elif full_training and training > memory:
        out.append(("warning", f"training all of {what} ({_count(params)} parameters) needs about {_gb(training)} "
                               f"for weights, gradients and Adam states in fp32; this machine has {_gb(memory)}",
                    "", "train an adapter (adapter lora(...)), offload to the CPU with ZeRO, or use more GPUs"))
    return out


def check_model_block(recipe, diagnostics, memory: Optional[int] = None) -> None:
    """Report :func:`model_problems` of the recipe's model block at the positions that cause them."""
    block = recipe.block("model")
    if block is None or block.get("base") is None:
        return
    base = block["base"]
    adapter = block.get("adapter")
    full = adapter is None or getattr(adapter, "name", "full") == "full"
    recipe_dir = Path(recipe.path).resolve().parent if getattr(recipe, "path", None) else None
    found = model_problems(base, full, memory if memory is not None else machine_memory(), recipe_dir)
    for severity, message, arg, hint in found:
        where = base.arg_spans.get(arg, base.span) if arg else base.span
        getattr(diagnostics, severity)(message, where, hint)
