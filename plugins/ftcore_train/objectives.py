"""The built-in ``supervised`` objective: the task's cross-entropy (the train block's default)."""

from __future__ import annotations

from typing import Any, Mapping

from ftcore.api import Objective, ObjectiveStep
from ftcore_train.losses import loss_and_count, model_inputs


class Supervised(Objective):
    """Cross-entropy of the labels for the model block's task, with the regularize block's label smoothing."""

    def loss(self, model: Any, batch: Mapping[str, Any], args: Mapping[str, Any],
             step: ObjectiveStep) -> tuple[Any, dict[str, float]]:
        """The mean cross-entropy over the batch's labelled targets; no statistics besides the loss."""
        out = model(**model_inputs(dict(batch), step.task))
        loss, _ = loss_and_count(out.logits, batch["labels"], step.task, step.label_smoothing)
        return loss, {}
