"""The planned memory of each training process, before anything runs (``ftcore check`` and ``graph``).

Model states only (weights, gradients, optimizer states), by the ZeRO paper's per-stage formula
(Rajbhandari et al., 2020, section 5): with Ψ parameters of which Φ train, N processes, and
bytes per value b (4 in fp32, 2 in bf16/fp16):

- weights b·Ψ, gradients b·Φ, optimizer states K·Φ: AdamW's two moments (8 bytes) plus the fp32
  copy DeepSpeed keeps of the trained parameters whenever it partitions (ZeRO 1-3) or trains in
  bf16/fp16 (4 bytes more); ZeRO 0 in fp32 steps the weights themselves (K = 8);
- ZeRO 1 divides the optimizer states by N, ZeRO 2 the gradients too, ZeRO 3 the weights too.

What DeepSpeed keeps beyond the formula is kept small rather than added to it:

- communication buckets: DeepSpeed's default reduce bucket (5·10⁸ values) fills up to the size of
  all the gradients on a model under 500M parameters, a whole extra gradient copy (for the whole
  run under ZeRO 3). The train stage sizes the buckets to the model, hidden² values like the
  Hugging Face Trainer's ``"auto"`` (:func:`ftcore_train.dsconfig.size_buckets`), a few MiB;
- ZeRO 3 builds the model partitioned (:func:`ftcore_train.engine.partitioned_construction`),
  so no process ever holds all the weights.

Activations, the data, the libraries' own memory and each step's transient tensors (ZeRO 3's
gathered parameters, gradients before they are reduced) come on top. ``python -m bench.zero_memory``
compares the plan with the memory the tensors hold after a backward pass (docs/benchmarks.md):
within 20% for every stage. On CPUs glibc keeps the freed transient tensors of a step in its heap
for the next one, so a process's resident memory is higher than that, most under ZeRO 3; making
glibc hand them back at once (a fixed ``M_MMAP_THRESHOLD``) makes CPU training steps markedly
slower, so ftcore leaves glibc as it is. Parameter counts are asked of the recipe's model source and adapter
through their contracts (``ModelSource.parameter_shapes``, ``Adapter.trainable_parameters``),
which read them from the model's files without loading the weights. No torch, so ``ftcore check``
stays fast.
"""

from __future__ import annotations

from typing import Any, Optional

from ftcore.api import Adapter, ModelSource, call_component, component_object

MIB = 1024 * 1024


def model_shapes(model: dict[str, Any]) -> Optional[dict[str, list[int]]]:
    """Tensor shapes of the recipe's base model, asked of its model source (``ModelSource.parameter_shapes``);
    None when the source cannot tell before loading."""
    base = model.get("base") or {}
    if not base.get("impl"):
        return None
    source = component_object(base, ModelSource)
    return call_component(base, source.parameter_shapes, dict(base.get("args") or {}), model.get("task", ""))


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
    """Parameters that train: what the adapter says (``Adapter.trainable_parameters``), else all of them."""
    adapter = model.get("adapter") or {}
    if not adapter.get("impl"):
        return count(shapes)
    found = call_component(adapter, component_object(adapter, Adapter).trainable_parameters,
                           dict(adapter.get("args") or {}), shapes)
    return count(shapes) if found is None else int(found)


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
