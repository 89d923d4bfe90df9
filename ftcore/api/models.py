"""Contracts of the model and training components: model sources, adapters, optimizers,
schedules and engines.

The ``model`` and ``train`` blocks name these components; the training stage looks each up
through the registry and calls only the methods below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence


class ModelSource(ABC):
    """Where a pre-trained model and its tokenizer come from (``hf("...")``, ``tiny(...)``)."""

    @abstractmethod
    def tokenizer(self, args: Mapping[str, Any], max_length: int) -> Any:
        """The tokenizer (a ``transformers`` tokenizer, or one with the same call interface);
        give it a pad token if it has none."""

    @abstractmethod
    def model(self, args: Mapping[str, Any], *, task: str, labels: Optional[Sequence[str]] = None,
              overrides: Optional[Mapping[str, Any]] = None, tokenizer: Any = None) -> Any:
        """The ``torch.nn.Module`` with the head for ``task`` (``transformers`` interface: called
        with ``input_ids``/``attention_mask``, returns an object with ``logits``).

        ``labels`` names the classes of a classifier; ``overrides`` sets config fields (dropout)
        when the model has them. Torch is seeded before the call: new heads follow the seed.
        Under ZeRO 3 the call runs inside ``deepspeed.zero.Init`` (and transformers' ZeRO-3 mode):
        each module's parameters are partitioned when its ``__init__`` returns, so set weights
        inside ``__init__`` (or load them through ``from_pretrained``), not afterwards.
        """

    def parameter_shapes(self, args: Mapping[str, Any], task: str) -> Optional[dict[str, list[int]]]:
        """The model's tensor shapes (name -> shape), found without building it (from its files), for the
        memory plan ``ftcore check`` prints; None (the default) when they cannot be known before loading.
        Must not import torch."""
        return None

    def describe(self, args: Mapping[str, Any]) -> str:
        """The model as the recipe names it, for model cards and reports."""
        return str(next(iter(args.values()), type(self).__name__))


class Adapter(ABC):
    """How a model's weights are adapted (``full``, ``lora(rank: 8)``)."""

    @abstractmethod
    def apply(self, model: Any, args: Mapping[str, Any], task: str) -> Any:
        """Return the model to train (wrapped, or with some weights frozen)."""

    def trainable_parameters(self, args: Mapping[str, Any], shapes: Mapping[str, list[int]]) -> Optional[int]:
        """How many of the parameters (the model's tensor shapes) this adapter trains, for the memory plan;
        None (the default): all of them. Must not import torch."""
        return None

    def merged(self, model: Any, args: Mapping[str, Any]) -> Any:
        """The plain model to export with the adaptation folded into its weights (default: as is)."""
        return model

    def save_adapter(self, model: Any, args: Mapping[str, Any], folder: Path) -> bool:
        """Write the adaptation alone (without the base weights) into ``folder``, for exports with
        ``merge_adapter false``; return False when there is nothing to write apart from the whole
        model (default)."""
        return False


class Optimizer(ABC):
    """The algorithm that updates the weights (``adamw(lr: 5e-5)``)."""

    @abstractmethod
    def deepspeed_section(self, args: Mapping[str, Any], weight_decay: float,
                          offload: bool) -> dict[str, Any]:
        """The ``optimizer`` section of the DeepSpeed config: ``{"type": ..., "params": {...}}``.

        ``type`` is a DeepSpeed optimizer (``AdamW``, ``Adam``, ``Lamb``, ``SGD``...) or the name
        of a ``torch.optim`` class; ``offload`` is True when ZeRO keeps optimizer states on the
        CPU. ``params`` must hold ``lr``.
        """


class Schedule(ABC):
    """How the learning rate changes over the run (``linear(warmup: 10%)``)."""

    @abstractmethod
    def factor(self, args: Mapping[str, Any], step: int, total: int) -> float:
        """The multiplier of the peak learning rate at optimizer step ``step`` (0-based) of ``total``."""

    def lr_lambda(self, args: Mapping[str, Any], total: int) -> Callable[[int], float]:
        """``factor`` as a function of the step, for ``torch.optim.lr_scheduler.LambdaLR``."""
        return lambda step: self.factor(args, step, total)


class Engine(ABC):
    """What runs the training steps (``deepspeed(zero: 2)``)."""

    @abstractmethod
    def build(self, model: Any, config: dict[str, Any], param_groups: list[dict[str, Any]],
              lr_lambda: Callable[[int], float], args: Mapping[str, Any]) -> Any:
        """An object with DeepSpeed's engine interface (``__call__``, ``backward``, ``step``,
        ``save_checkpoint``, ``load_checkpoint``, ``module``) for ``model`` and ``config``."""
