"""The metric contract: streaming, mergeable across processes, told what it consumes.

An evaluation runs the model over a split batch by batch. For each batch it builds an
:class:`EvalBatch` holding only what the requested metrics declared in :attr:`Metric.needs`
(it generates text only when some metric needs ``"generations"``), calls every metric's
:meth:`Metric.update`, and at the end merges the metrics of all processes with
:meth:`Metric.merge` before :meth:`Metric.compute` reports one or more named values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional, Sequence

NEEDS = ("loss", "predictions", "logits", "generations")
"""What a metric may consume:

- ``"loss"``: ``loss_sum`` and ``count`` (summed loss of the batch's targets, and how many there
  are: tokens for language models, examples for classifiers);
- ``"predictions"``: ``predictions`` and ``labels`` as 1-D integer tensors of the same length
  (the argmax class of every labelled example or token; ignored positions removed);
- ``"logits"``: ``logits`` (``[n, classes]``, float) and ``labels`` (``[n]``) for classifiers;
- ``"generations"``: ``generated`` and ``references`` (lists of strings, one per example, and
  ``prompts``), produced by decoding the prompt part of each example (greedily unless the
  evaluate block's ``generation`` attribute asks for sampling; at most
  :meth:`Metric.max_new_tokens` tokens); ``stopped`` says for each answer whether it ended at
  the end-of-sequence token (``"eos"``) or was cut at the length limit (``"length"``). The
  prompt is what carries no loss: for causal LMs the tokens before the first labelled one (the
  first token when every token is labelled, as with plain text), for seq2seq the source; the
  reference is the labelled tokens, decoded.

Besides its values, a metric may give a score for each example (:meth:`Metric.per_example`,
written to the run's ``predictions/`` files so a user can see which examples failed) and
details that are not single numbers (:meth:`Metric.details`, such as a confusion matrix).
"""


@dataclass
class EvalBatch:
    """What one evaluation batch produced; fields a metric did not ask for may be None."""

    loss_sum: float = 0.0
    count: int = 0
    labels: Any = None
    predictions: Any = None
    logits: Any = None
    generated: Optional[list[str]] = None
    references: Optional[list[str]] = None
    prompts: Optional[list[str]] = None
    stopped: Optional[list[str]] = None
    """For each generated answer: ``"eos"`` (the model ended it) or ``"length"`` (cut at the limit)."""
    size: int = 0
    """Number of examples in the batch (padding examples of the last batch excluded)."""


@dataclass
class MetricInfo:
    """What a metric knows about the evaluation: the task and, for classifiers, the label names."""

    task: str = ""
    label_names: Sequence[str] = field(default_factory=tuple)
    split: str = ""


class Metric(ABC):
    """A metric on a held-out split (``accuracy``, ``f1(average: "macro")``, ``rouge``).

    The registered ``impl`` is the class; the evaluation builds one instance per evaluation with
    ``Metric(args, info)``. Keep the state small and picklable (counts, sums, confusion
    matrices, lists of strings): with several processes each rank updates its own instance and
    the instances are gathered and merged on every rank.
    """

    needs: ClassVar[frozenset[str]] = frozenset({"predictions"})
    """Which :data:`NEEDS` this metric consumes; the evaluation computes only what is needed."""

    higher_is_better: ClassVar[bool] = True
    """Whether larger values are better (early stopping's ``mode: auto`` and reports use it)."""

    def __init__(self, args: Mapping[str, Any], info: MetricInfo):
        self.args = dict(args)
        self.info = info

    @abstractmethod
    def update(self, batch: EvalBatch) -> None:
        """Add one batch to the state."""

    @abstractmethod
    def merge(self, other: "Metric") -> None:
        """Add another process's state (an instance of the same class) into this one."""

    def max_new_tokens(self) -> int:
        """The longest answer to generate for this metric, in tokens (used when it needs ``"generations"``).

        The ``max_new_tokens`` argument when the metric declares one, else 128. Greedy decoding
        is deterministic, so metrics asking for different lengths share one generation: each
        sees the answers cut to its own length.
        """
        return int(self.args.get("max_new_tokens", 128))

    @abstractmethod
    def compute(self) -> dict[str, float]:
        """The final values, by name (``{"f1": 0.91}``; ``{"rouge1": ..., "rougeL": ...}``).

        A metric whose result is only :meth:`details` (a confusion matrix) may return ``{}``.
        """

    def per_example(self, batch: EvalBatch) -> Optional[list[dict[str, float]]]:
        """This metric's score of each example of ``batch`` (same order as its valid examples), or None.

        Called only when per-example results are written; it must not change the state. The
        default (None) leaves the metric out of the per-example results: corpus statistics
        such as BLEU have no per-example value that means the same thing.
        """
        return None

    def details(self) -> dict[str, Any]:
        """JSON data that is not a single number (``{"confusion_matrix": {...}}``), after merging; ``{}`` by default."""
        return {}
