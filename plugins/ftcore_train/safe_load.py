"""Loading DeepSpeed checkpoint files without running code from them.

DeepSpeed reads its ``.pt`` files with ``torch.load(weights_only=False)``, which unpickles arbitrary
objects: a file planted in a checkpoint folder would run code on ``--resume``. While
:func:`safe_unpickling` is active, every ``torch.load`` in the process is forced to
``weights_only=True`` (tensors, containers and plain values only) and only the few DeepSpeed
classes a checkpoint legitimately holds are allowed. :class:`SafeCheckpointEngine` does the same
through DeepSpeed's checkpoint-engine interface and names the file that was refused.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
from pathlib import Path
from typing import Any, Iterator


class UnsafeCheckpoint(Exception):
    """A checkpoint file holds something other than tensors and plain values."""

    def __init__(self, path: str, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def allowed_globals() -> list[Any]:
    """The non-tensor classes DeepSpeed's ZeRO optimizer states contain (found by scanning real checkpoints)."""
    from deepspeed.runtime.fp16.loss_scaler import DynamicLossScaler, LossScaler
    from deepspeed.runtime.zero.config import ZeroStageEnum
    from deepspeed.utils.tensor_fragment import fragment_address

    return [ZeroStageEnum, LossScaler, DynamicLossScaler, fragment_address]


def _first_line(exc: BaseException) -> str:
    """What the weights-only unpickler refused, in a few words (torch's own message is a paragraph)."""
    text = str(exc)
    named = re.search(r"GLOBAL ([\w.]+)", text)
    if named:
        return f"it names {named.group(1)}"
    lines = text.strip().splitlines()
    return lines[0].strip()[:200] if lines else type(exc).__name__


@contextlib.contextmanager
def safe_unpickling() -> Iterator[None]:
    """Force ``weights_only=True`` with DeepSpeed's allow-list for every ``torch.load`` inside the block."""
    import torch

    key = "TORCH_FORCE_WEIGHTS_ONLY_LOAD"
    before = os.environ.get(key)
    os.environ[key] = "1"
    try:
        with torch.serialization.safe_globals(allowed_globals()):
            yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def load_tensors_only(path: str, map_location=None) -> Any:
    """``torch.load`` of ``path`` with ``weights_only=True`` and the allow-list; :class:`UnsafeCheckpoint` if refused."""
    import torch

    try:
        with torch.serialization.safe_globals(allowed_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeCheckpoint(str(path), f"holds pickled objects that are not tensors ({_first_line(exc)})") from None


class SafeCheckpointEngine:
    """Wraps DeepSpeed's checkpoint engine: saving is unchanged, loading accepts tensors and plain values only."""

    def __init__(self, inner):
        self.inner = inner
        self.name = f"safe({getattr(inner, 'name', type(inner).__name__)})"

    def load(self, path: str, map_location=None):
        """Read one checkpoint file without unpickling arbitrary objects."""
        return load_tensors_only(path, map_location)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def install(engine) -> None:
    """Make ``engine`` (a DeepSpeed engine, or anything with a ``checkpoint_engine``) load checkpoints safely."""
    current = getattr(engine, "checkpoint_engine", None)
    if current is None or isinstance(current, SafeCheckpointEngine):
        return
    engine.checkpoint_engine = SafeCheckpointEngine(current)


def refuse_unsafe(root: Path):
    """Translate the weights-only unpickler's refusal inside DeepSpeed into :class:`UnsafeCheckpoint` for ``root``."""
    @contextlib.contextmanager
    def guard():
        try:
            yield
        except pickle.UnpicklingError as exc:
            raise UnsafeCheckpoint(str(root), f"holds pickled objects that are not tensors ({_first_line(exc)})") \
                from None
    return guard()
