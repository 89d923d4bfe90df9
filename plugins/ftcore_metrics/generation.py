"""Generation metrics on the metric contract: ROUGE (rouge-score), BLEU (sacrebleu) and exact match.

They need ``"generations"``: the evaluation decodes the prompt part of every example greedily
(at most the metric's ``max_new_tokens`` tokens) and passes the generated text with the
reference text. ROUGE and exact match keep per-example sums; BLEU is a corpus statistic, so it
keeps the texts and scores them together at the end. The scoring libraries are imported only
when a metric is created, which ``ftcore check`` makes sure can happen (the ``requires``
declared with each metric).
"""

from __future__ import annotations

from typing import Mapping

from ftcore.api import EvalBatch, Metric, MetricInfo

FTCORE_PLUGIN_API = "1.0"


def _pairs(batch: EvalBatch) -> list[tuple[str, str]]:
    return list(zip(batch.generated or [], batch.references or []))


class Rouge(Metric):
    """Mean ROUGE F-measure of each generated text against its reference, for each requested type."""

    needs = frozenset({"generations"})

    def __init__(self, args: Mapping, info: MetricInfo):
        super().__init__(args, info)
        self.types = list(self.args.get("types") or ["rouge1", "rouge2", "rougeL"])
        self.sums = {t: 0.0 for t in self.types}
        self.count = 0
        self._scorer = None

    def _score(self, reference: str, generated: str) -> dict:
        if self._scorer is None:
            from rouge_score import rouge_scorer

            self._scorer = rouge_scorer.RougeScorer(self.types)
        return self._scorer.score(reference, generated)

    def update(self, batch: EvalBatch) -> None:
        """Add the F-measure of every (generated, reference) pair of the batch."""
        for generated, reference in _pairs(batch):
            scores = self._score(reference, generated)
            for t in self.types:
                self.sums[t] += scores[t].fmeasure
            self.count += 1

    def merge(self, other: "Rouge") -> None:
        """Add another process's sums."""
        for t in self.types:
            self.sums[t] += other.sums[t]
        self.count += other.count

    def compute(self) -> dict[str, float]:
        """``{"rouge1": ..., "rouge2": ..., "rougeL": ...}``: mean F-measures in [0, 1]."""
        return {t: self.sums[t] / self.count if self.count else 0.0 for t in self.types}

    def __getstate__(self):  # the scorer is rebuilt where needed; it does not travel between processes
        state = dict(self.__dict__)
        state["_scorer"] = None
        return state


class Bleu(Metric):
    """Corpus BLEU (0-100) of the generated texts against the references, one reference each."""

    needs = frozenset({"generations"})

    def __init__(self, args: Mapping, info: MetricInfo):
        super().__init__(args, info)
        self.generated: list[str] = []
        self.references: list[str] = []

    def update(self, batch: EvalBatch) -> None:
        """Keep the batch's texts (BLEU is computed over the whole corpus at the end)."""
        for generated, reference in _pairs(batch):
            self.generated.append(generated)
            self.references.append(reference)

    def merge(self, other: "Bleu") -> None:
        """Add another process's texts."""
        self.generated += other.generated
        self.references += other.references

    def compute(self) -> dict[str, float]:
        """``{"bleu": corpus BLEU}`` with the ``tokenize`` argument's sacrebleu tokenizer."""
        if not self.generated:
            return {"bleu": 0.0}
        import sacrebleu

        score = sacrebleu.corpus_bleu(self.generated, [self.references], tokenize=self.args.get("tokenize", "13a"))
        return {"bleu": float(score.score)}


class ExactMatch(Metric):
    """Share of generated texts equal to their reference, ignoring surrounding whitespace."""

    needs = frozenset({"generations"})

    def __init__(self, args: Mapping, info: MetricInfo):
        super().__init__(args, info)
        self.matches = 0
        self.count = 0

    def update(self, batch: EvalBatch) -> None:
        """Count the batch's exact matches."""
        for generated, reference in _pairs(batch):
            self.matches += int(generated.strip() == reference.strip())
            self.count += 1

    def merge(self, other: "ExactMatch") -> None:
        """Add another process's counts."""
        self.matches += other.matches
        self.count += other.count

    def compute(self) -> dict[str, float]:
        """``{"exact_match": matches / examples}``."""
        return {"exact_match": self.matches / self.count if self.count else 0.0}
