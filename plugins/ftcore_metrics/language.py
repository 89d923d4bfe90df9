"""Loss and perplexity on the metric contract: sums of the evaluation's loss and target count."""

from __future__ import annotations

import math
from typing import Mapping

from ftcore.api import EvalBatch, Metric, MetricInfo

FTCORE_PLUGIN_API = "1.0"


class LossSum(Metric):
    """Base of loss-derived metrics: the summed loss of every target and how many targets there were."""

    needs = frozenset({"loss"})
    higher_is_better = False

    def __init__(self, args: Mapping, info: MetricInfo):
        super().__init__(args, info)
        self.loss_sum = 0.0
        self.count = 0

    def update(self, batch: EvalBatch) -> None:
        """Add the batch's summed loss and target count."""
        self.loss_sum += float(batch.loss_sum)
        self.count += int(batch.count)

    def merge(self, other: "LossSum") -> None:
        """Add another process's sums."""
        self.loss_sum += other.loss_sum
        self.count += other.count

    def mean(self) -> float:
        """The mean loss per target (0 when there were none)."""
        return self.loss_sum / self.count if self.count else 0.0


class Loss(LossSum):
    """The mean loss per target: per token for language models, per example for classifiers."""

    def compute(self) -> dict[str, float]:
        """``{"loss": mean loss}``."""
        return {"loss": self.mean()}


class Perplexity(LossSum):
    """``exp`` of the mean token loss."""

    def compute(self) -> dict[str, float]:
        """``{"perplexity": exp(mean loss)}``; infinite when the mean loss overflows ``exp``."""
        mean = self.mean()
        return {"perplexity": math.exp(mean) if mean < 709 else math.inf}
