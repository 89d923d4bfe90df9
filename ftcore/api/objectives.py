"""Contract of training objectives: what the train stage minimises on each batch.

The ``train`` block's ``objective`` attribute names one (``supervised``, the default, is the
cross-entropy of the task; a plugin may add others, such as preference tuning). The train stage
loads the recipe's objective through the registry and, for every micro-batch, calls
:meth:`Objective.loss` with the model (the DeepSpeed engine, called like the model) and the
collated batch; it back-propagates the returned loss and logs the returned statistics.

An objective that needs more than the data split (reference log-probabilities computed by a
cached stage of its plugin, say) declares it when it is registered::

    register.component("objective", "dpo", params, help, impl="pkg.objective:DPO",
                       inputs={"reference": "preference.reference.logps"})

Each ``inputs`` entry (a name and a ``"<stage id>.<output>"``) becomes an input of the train
stage; the stage passes the loaded values to :meth:`Objective.setup` under those names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence


@dataclass(frozen=True)
class ObjectiveStep:
    """What the train stage tells an objective about a batch.

    ``task`` the model block's task; ``split`` ``"train"`` or ``"eval"``; ``indices`` the
    positions in that split of the batch's rows, in batch order (to look up per-row values an
    input stage computed); ``label_smoothing`` the regularize block's value; ``training`` False
    when the loss is only measured (evaluation, no backward pass).
    """

    task: str
    split: str = "train"
    indices: Sequence[int] = field(default_factory=tuple)
    label_smoothing: float = 0.0
    training: bool = True


class Objective(ABC):
    """A training objective (``supervised``, ``dpo(beta: 0.1)``).

    The batch is the data plugin's collation of tokenized rows: ``input_ids``,
    ``attention_mask`` and ``labels`` tensors (``-100`` where no loss), already on the model's
    device; a format made for the objective decides what the rows hold.
    """

    statistics: tuple[str, ...] = ()
    """Names of the statistics :meth:`loss` returns; when not empty the train stage also
    measures them on the eval split at every evaluation (``eval.<name>``, averaged over rows)."""

    task_metrics: bool = True
    """False when the task's metrics (``loss``, ``perplexity``...) do not apply to this objective's
    batches: evaluation during training then reports the objective's own mean ``loss`` and
    :attr:`statistics` instead. Declare the statistics' names in the component's ``statistics=``
    meta too, so ``ftcore check`` accepts ``early_stop(on: eval.<name>)``."""

    def setup(self, args: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
        """Called once before training with the values of the inputs the component declared
        (see the module's documentation); default: nothing to do."""

    def check_data(self, info: Mapping[str, Any], args: Mapping[str, Any]) -> str | None:
        """Why the tokenized data (the tokenize stage's ``info``: its ``format``, ``packing``...)
        cannot be trained with this objective, with how to fix it; or None (default)."""
        return None

    @abstractmethod
    def loss(self, model: Any, batch: Mapping[str, Any], args: Mapping[str, Any],
             step: ObjectiveStep) -> tuple[Any, dict[str, float]]:
        """The scalar loss tensor of ``batch`` (to back-propagate when ``step.training``) and
        named statistics of the batch (plain floats, averaged over micro-batches and processes
        in ``metrics.jsonl``; the eval split's averages are reported as ``eval.<name>``)."""
