"""Generation metrics on the metric contract: ROUGE (rouge-score), BLEU and chrF (sacrebleu), exact match.

They need ``"generations"``: the evaluation decodes the prompt part of every example greedily
(at most the metric's ``max_new_tokens`` tokens) and passes the generated text with the
reference text. ROUGE and exact match keep per-example sums (and give each example's score for
the predictions file); BLEU and chrF are corpus statistics, so they keep the texts and score
them together at the end (chrF also scores each example alone for the predictions file). The scoring libraries are imported only
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

    def per_example(self, batch: EvalBatch) -> list[dict[str, float]]:
        """Each example's F-measure for every requested type."""
        out = []
        for generated, reference in _pairs(batch):
            scores = self._score(reference, generated)
            out.append({t: scores[t].fmeasure for t in self.types})
        return out

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

    def per_example(self, batch: EvalBatch) -> list[dict[str, float]]:
        """1.0 for an exact match, else 0.0."""
        return [{"exact_match": float(g.strip() == r.strip())} for g, r in _pairs(batch)]

    def merge(self, other: "ExactMatch") -> None:
        """Add another process's counts."""
        self.matches += other.matches
        self.count += other.count

    def compute(self) -> dict[str, float]:
        """``{"exact_match": matches / examples}``."""
        return {"exact_match": self.matches / self.count if self.count else 0.0}


class Chrf(Metric):
    """Corpus chrF (0-100): character n-gram F-score of the generated texts against the references."""

    needs = frozenset({"generations"})

    def __init__(self, args: Mapping, info: MetricInfo):
        super().__init__(args, info)
        self.generated: list[str] = []
        self.references: list[str] = []

    def _scorer(self):
        from sacrebleu.metrics import CHRF

        return CHRF(char_order=int(self.args.get("char_order", 6)), word_order=int(self.args.get("word_order", 0)))

    def update(self, batch: EvalBatch) -> None:
        """Keep the batch's texts (chrF pools its n-gram statistics over the corpus)."""
        for generated, reference in _pairs(batch):
            self.generated.append(generated)
            self.references.append(reference)

    def per_example(self, batch: EvalBatch) -> list[dict[str, float]]:
        """Each example's sentence-level chrF."""
        scorer = self._scorer()
        return [{self._key(): float(scorer.sentence_score(g, [r]).score)} for g, r in _pairs(batch)]

    def merge(self, other: "Chrf") -> None:
        """Add another process's texts."""
        self.generated += other.generated
        self.references += other.references

    def _key(self) -> str:
        return "chrf++" if int(self.args.get("word_order", 0)) > 0 else "chrf"

    def compute(self) -> dict[str, float]:
        """``{"chrf": corpus chrF}`` (``chrf++`` when ``word_order`` is above 0)."""
        if not self.generated:
            return {self._key(): 0.0}
        return {self._key(): float(self._scorer().corpus_score(self.generated, [self.references]).score)}
