"""The ``balanced_accuracy`` metric: the mean of per-class recall."""

from collections import Counter

from ftcore.api import Metric


class BalancedAccuracy(Metric):
    """Keeps, per true class, how many examples there were and how many were predicted right."""

    needs = frozenset({"predictions"})

    def __init__(self, args, info):
        super().__init__(args, info)
        self.support, self.hits = Counter(), Counter()

    def update(self, batch):
        """Count one batch's examples and correct predictions per true class."""
        for truth, guess in zip(batch.labels.tolist(), batch.predictions.tolist()):
            self.support[truth] += 1
            self.hits[truth] += truth == guess

    def merge(self, other):
        """Add another process's counts."""
        self.support.update(other.support)
        self.hits.update(other.hits)

    def compute(self):
        """Mean recall over the classes present in the split."""
        recalls = [self.hits[c] / n for c, n in self.support.items() if n]
        return {"balanced_accuracy": sum(recalls) / len(recalls) if recalls else 0.0}
