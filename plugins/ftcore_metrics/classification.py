"""Classification metrics on the metric contract: accuracy, precision, recall, F1 and the confusion matrix.

Each keeps a sparse confusion count (``(truth, prediction) -> n``) of the labelled examples (or
tokens, for token classification): small, picklable and merged by adding counts. Precision,
recall and F1 follow scikit-learn's definitions: the classes are those seen as a label or as a
prediction, and a ratio with a zero denominator counts as 0.

- ``macro``: the mean over classes, each class counting the same;
- ``micro``: from the pooled counts (for single-label classification, equal to accuracy);
- ``weighted``: the mean over classes weighted by how many examples carry the class.

A non-macro average is reported under ``<name>_<average>`` (``f1_weighted``) so that several
averages of one metric can be listed together.
"""

from __future__ import annotations

from collections import Counter
from typing import Mapping

from ftcore.api import EvalBatch, Metric, MetricInfo

FTCORE_PLUGIN_API = "1.0"


class ConfusionCounts(Metric):
    """Base of the classification metrics: counts ``(truth, prediction)`` pairs of every batch."""

    needs = frozenset({"predictions"})

    def __init__(self, args: Mapping, info: MetricInfo):
        super().__init__(args, info)
        self.pairs: Counter = Counter()

    def update(self, batch: EvalBatch) -> None:
        """Count the batch's (label, predicted class) pairs."""
        self.pairs.update(zip(_ints(batch.labels), _ints(batch.predictions)))

    def merge(self, other: "ConfusionCounts") -> None:
        """Add another process's counts."""
        self.pairs.update(other.pairs)

    def per_class(self) -> tuple[dict, dict, dict]:
        """True positives, predicted counts and support (label counts) of every class seen."""
        tp, predicted, support = Counter(), Counter(), Counter()
        for (truth, pred), n in self.pairs.items():
            predicted[pred] += n
            support[truth] += n
            if truth == pred:
                tp[truth] += n
        return tp, predicted, support

    def key(self, name: str) -> str:
        """``name`` for the macro average, ``name_<average>`` otherwise."""
        average = self.args.get("average", "macro")
        return name if average == "macro" else f"{name}_{average}"

    def averaged(self, score) -> float:
        """``score(tp, predicted, support)`` per class, combined with the ``average`` argument."""
        tp, predicted, support = self.per_class()
        average = self.args.get("average", "macro")
        if average == "micro":
            return score(sum(tp.values()), sum(predicted.values()), sum(support.values()))
        classes = sorted(set(predicted) | set(support))
        if not classes:
            return 0.0
        values = {c: score(tp[c], predicted[c], support[c]) for c in classes}
        if average == "weighted":
            total = sum(support.values())
            return sum(values[c] * support[c] for c in classes) / total if total else 0.0
        return sum(values.values()) / len(classes)


class Accuracy(ConfusionCounts):
    """Share of labelled examples (tokens, for token classification) whose prediction is the label."""

    def per_example(self, batch: EvalBatch) -> list[dict[str, float]]:
        """1.0 where the prediction is the label, else 0.0 (one entry per labelled example)."""
        return [{"correct": float(t == p)} for t, p in zip(_ints(batch.labels), _ints(batch.predictions))]

    def compute(self) -> dict[str, float]:
        """``{"accuracy": correct / labelled}``."""
        total = sum(self.pairs.values())
        correct = sum(n for (truth, pred), n in self.pairs.items() if truth == pred)
        return {"accuracy": correct / total if total else 0.0}


class ConfusionMatrix(ConfusionCounts):
    """How often each true class was predicted as each class: its result is :meth:`details`, not a number."""

    def compute(self) -> dict[str, float]:
        """No single value: the matrix is in :meth:`details`."""
        return {}

    def details(self) -> dict:
        """``{"confusion_matrix": {"labels": [...], "counts": [[...]]}}``: rows are true classes, columns predictions.

        The classes are every label name of the data (in the data's order) plus any other class
        id seen; an id without a name is shown as its number.
        """
        names = list(self.info.label_names)
        seen = sorted({c for pair in self.pairs for c in pair})
        ids = list(range(len(names))) + [c for c in seen if not 0 <= c < len(names)]
        index = {c: i for i, c in enumerate(ids)}
        counts = [[0] * len(ids) for _ in ids]
        for (truth, pred), n in self.pairs.items():
            counts[index[truth]][index[pred]] += n
        labels = [names[c] if 0 <= c < len(names) else str(c) for c in ids]
        return {"confusion_matrix": {"labels": labels, "counts": counts}}


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _precision(tp, predicted, support) -> float:
    return _ratio(tp, predicted)


def _recall(tp, predicted, support) -> float:
    return _ratio(tp, support)


def _f1(tp, predicted, support) -> float:
    # 2PR/(P+R) == 2tp/(predicted+support), and defined as 0 when both are 0
    return _ratio(2 * tp, predicted + support)


class Precision(ConfusionCounts):
    """Of the examples predicted as a class, the share that carry it."""

    def compute(self) -> dict[str, float]:
        """``{"precision": ...}`` (or ``precision_micro``/``precision_weighted``)."""
        return {self.key("precision"): self.averaged(_precision)}


class Recall(ConfusionCounts):
    """Of the examples that carry a class, the share predicted as it."""

    def compute(self) -> dict[str, float]:
        """``{"recall": ...}`` (or ``recall_micro``/``recall_weighted``)."""
        return {self.key("recall"): self.averaged(_recall)}


class F1(ConfusionCounts):
    """The harmonic mean of precision and recall, per class, then averaged."""

    def compute(self) -> dict[str, float]:
        """``{"f1": ...}`` (or ``f1_micro``/``f1_weighted``)."""
        return {self.key("f1"): self.averaged(_f1)}


def _ints(values) -> list[int]:
    """A 1-D tensor or sequence as a list of Python ints."""
    if values is None:
        return []
    if hasattr(values, "tolist"):
        values = values.tolist()
    return [int(v) for v in values]
