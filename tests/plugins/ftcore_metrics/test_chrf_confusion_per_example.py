"""chrF, the confusion matrix and per-example scores, against values worked out by hand.

chrF (sacrebleu's defaults: character n-grams up to 6, whitespace removed, beta 2) of "abc"
against "abd": 1-grams share a, b (P = R = 2/3), 2-grams share ab (P = R = 1/2), 3-grams share
nothing (0), longer ones do not exist; with P = R at every order the F-score is their mean:
100 * (2/3 + 1/2 + 0) / 3 = 38.89. The corpus ["abc", "xyz"] against ["abd", "xyz"] pools the
counts: 5/6, 3/4, 1/2 -> 100 * 25/36 = 69.44.
"""

from __future__ import annotations

import math

import pytest

from ftcore.api import EvalBatch, MetricInfo, PluginError
from ftcore_metrics.classification import Accuracy, ConfusionMatrix
from ftcore_metrics.generation import Bleu, Chrf, ExactMatch, Rouge
from ftcore_train.metric_set import MetricSet


def texts(generated, references) -> EvalBatch:
    return EvalBatch(generated=list(generated), references=list(references), size=len(generated))


def test_chrf_by_hand_and_merged_across_processes():
    one = Chrf({}, MetricInfo())
    one.update(texts(["abc"], ["abd"]))
    assert math.isclose(one.compute()["chrf"], 100 * 7 / 18)
    other = Chrf({}, MetricInfo())
    other.update(texts(["xyz"], ["xyz"]))
    one.merge(other)
    assert math.isclose(one.compute()["chrf"], 100 * 25 / 36)
    assert Chrf({}, MetricInfo()).compute() == {"chrf": 0.0}


def test_chrf_matches_sacrebleu_called_directly_and_word_order_gives_chrf_plus_plus():
    from sacrebleu.metrics import CHRF

    generated, references = ["the cat sat on the mat", "a dog"], ["the cat is on the mat", "the dog barked"]
    metric = Chrf({"word_order": 2}, MetricInfo())
    metric.update(texts(generated, references))
    expected = CHRF(word_order=2).corpus_score(generated, [references]).score
    assert set(metric.compute()) == {"chrf++"} and math.isclose(metric.compute()["chrf++"], expected)
    scores = metric.per_example(texts(generated, references))
    assert [round(s["chrf++"], 9) for s in scores] == \
        [round(CHRF(word_order=2).sentence_score(g, [r]).score, 9) for g, r in zip(generated, references)]


def test_confusion_matrix_rows_are_truths_columns_predictions():
    info = MetricInfo(task="classification", label_names=("a", "b", "c"))
    metric = ConfusionMatrix({}, info)
    metric.update(EvalBatch(labels=[0, 0, 1, 2, 2, 2], predictions=[0, 1, 1, 2, 0, 4], size=6))
    other = ConfusionMatrix({}, info)
    other.update(EvalBatch(labels=[1], predictions=[0], size=1))
    metric.merge(other)
    assert metric.compute() == {}
    assert metric.details() == {"confusion_matrix": {
        "labels": ["a", "b", "c", "4"],  # a predicted class without a name keeps its number
        "counts": [[1, 1, 0, 0],
                   [1, 1, 0, 0],
                   [1, 0, 1, 1],
                   [0, 0, 0, 0]]}}


def test_a_details_only_metric_is_accepted_but_an_empty_result_without_details_is_a_fault():
    entry = {"component": "metric:confusion_matrix", "args": {}, "impl": "ftcore_metrics.classification:ConfusionMatrix",
             "plugin": "metrics", "dist": "ftcore", "version": "0"}
    metrics = MetricSet([entry], MetricInfo(task="classification", label_names=("a", "b")))
    metrics.update(EvalBatch(labels=[0, 1], predictions=[0, 0], size=2))
    assert metrics.compute() == {} and metrics.details()["confusion_matrix"]["counts"] == [[1, 0], [1, 0]]
    empty = MetricSet([{**entry, "component": "metric:nothing", "impl": f"{__name__}:Nothing"}], MetricInfo())
    with pytest.raises(PluginError, match="not a dict of names to numbers"):
        empty.compute()


class Nothing(Accuracy):
    """Reports no value and no details: a fault of its plugin."""

    def compute(self):
        return {}


def test_per_example_scores_are_each_examples_own():
    from rouge_score import rouge_scorer

    batch = texts(["the cat sat", " yes ", "no"], ["the cat sat down", "yes", "maybe"])
    rouge = Rouge({"types": ["rouge1", "rougeL"]}, MetricInfo())
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
    assert rouge.per_example(batch) == [{"rouge1": s["rouge1"].fmeasure, "rougeL": s["rougeL"].fmeasure}
                                        for s in (scorer.score(r, g) for g, r in
                                                  zip(batch.generated, batch.references))]
    assert math.isclose(rouge.per_example(batch)[0]["rouge1"], 2 * 3 / (3 + 4))  # 3 shared of 3 and 4 words
    assert rouge.count == 0  # scoring examples one by one does not change the state
    assert ExactMatch({}, MetricInfo()).per_example(batch) == [{"exact_match": 0.0}, {"exact_match": 1.0},
                                                               {"exact_match": 0.0}]
    assert Bleu({}, MetricInfo()).per_example(batch) is None  # a corpus statistic has no per-example value
    accuracy = Accuracy({}, MetricInfo(task="classification"))
    assert accuracy.per_example(EvalBatch(labels=[1, 2], predictions=[1, 0])) == [{"correct": 1.0},
                                                                                  {"correct": 0.0}]
