"""Every built-in metric against numbers worked out by hand (ROUGE and BLEU against their libraries).

The classification case: labels and predictions of ten examples over classes 0, 1, 2 (class 3
is predicted once but never the label, so it enters macro averages with precision and recall 0,
as in scikit-learn)::

    truth  0 0 0 0 1 1 1 2 2 2
    pred   0 0 1 3 1 1 0 2 2 1

per class   tp  predicted  support  precision  recall  f1
    0        2      3         4       2/3       1/2    4/7
    1        2      4         3       1/2       2/3    4/7
    2        2      2         3        1        2/3    4/5
    3        0      1         0        0         0      0
"""

from __future__ import annotations

import math

import pytest

from ftcore.api import EvalBatch, Metric, MetricInfo
from ftcore_metrics.classification import F1, Accuracy, Precision, Recall
from ftcore_metrics.generation import Bleu, ExactMatch, Rouge
from ftcore_metrics.language import Loss, Perplexity

TRUTH = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
PRED = [0, 0, 1, 3, 1, 1, 0, 2, 2, 1]
INFO = MetricInfo(task="classification", label_names=("a", "b", "c", "d"), split="d.test")


def run(cls, args=None, batches=None, info=INFO) -> dict:
    metric = cls(args or {}, info)
    assert isinstance(metric, Metric)
    for batch in batches if batches is not None else [EvalBatch(labels=TRUTH, predictions=PRED, size=10)]:
        metric.update(batch)
    return metric.compute()


def close(values: dict, expected: dict) -> bool:
    return values.keys() == expected.keys() and all(math.isclose(values[k], expected[k], abs_tol=1e-12)
                                                    for k in expected)


def test_accuracy():
    assert close(run(Accuracy), {"accuracy": 6 / 10})


@pytest.mark.parametrize("cls,name,per_class", [
    (Precision, "precision", [2 / 3, 1 / 2, 1, 0]),
    (Recall, "recall", [1 / 2, 2 / 3, 2 / 3, 0]),
    (F1, "f1", [4 / 7, 4 / 7, 4 / 5, 0]),
])
def test_precision_recall_f1_for_every_average(cls, name, per_class):
    support = [4, 3, 3, 0]
    assert close(run(cls), {name: sum(per_class) / 4})
    assert close(run(cls, {"average": "macro"}), {name: sum(per_class) / 4})
    assert close(run(cls, {"average": "weighted"}), {f"{name}_weighted": sum(v * s for v, s in zip(per_class,
                                                                                                   support)) / 10})
    assert close(run(cls, {"average": "micro"}), {f"{name}_micro": 6 / 10})  # single-label: micro == accuracy


def test_classification_metrics_match_scikit_learn_where_installed():
    metrics = pytest.importorskip("sklearn.metrics")
    for average in ("macro", "micro", "weighted"):
        key = lambda n: n if average == "macro" else f"{n}_{average}"  # noqa: E731
        assert math.isclose(run(F1, {"average": average})[key("f1")],
                            metrics.f1_score(TRUTH, PRED, average=average, zero_division=0))
        assert math.isclose(run(Precision, {"average": average})[key("precision")],
                            metrics.precision_score(TRUTH, PRED, average=average, zero_division=0))


def test_counts_are_the_same_whether_streamed_or_merged():
    halves = [EvalBatch(labels=TRUTH[:4], predictions=PRED[:4]), EvalBatch(labels=TRUTH[4:], predictions=PRED[4:])]
    assert run(F1, batches=halves) == run(F1)
    a, b = F1({}, INFO), F1({}, INFO)
    a.update(halves[0])
    b.update(halves[1])
    a.merge(b)
    assert a.compute() == run(F1)


def test_empty_split_gives_zero_not_an_error():
    assert run(Accuracy, batches=[]) == {"accuracy": 0.0} and run(F1, batches=[]) == {"f1": 0.0}


def test_loss_and_perplexity_average_over_targets_not_batches():
    batches = [EvalBatch(loss_sum=6.0, count=3), EvalBatch(loss_sum=1.0, count=7)]
    lm = MetricInfo(task="causal_lm")
    assert close(run(Loss, batches=batches, info=lm), {"loss": 0.7})
    assert close(run(Perplexity, batches=batches, info=lm), {"perplexity": math.exp(0.7)})
    assert run(Perplexity, batches=[EvalBatch(loss_sum=1e4, count=1)], info=lm) == {"perplexity": math.inf}
    assert Loss.higher_is_better is False and Perplexity.needs == frozenset({"loss"})


GENERATED = ["the cat sat on the mat", "  Paris ", "a quick brown fox", "nothing in common"]
REFERENCES = ["the cat sat on a mat", "Paris", "the quick brown fox jumps", "zebra"]


def generation_batches():
    return [EvalBatch(generated=GENERATED[:2], references=REFERENCES[:2], size=2),
            EvalBatch(generated=GENERATED[2:], references=REFERENCES[2:], size=2)]


def test_exact_match_ignores_surrounding_whitespace_only():
    assert close(run(ExactMatch, batches=generation_batches()), {"exact_match": 1 / 4})


def test_rouge_is_the_mean_f_measure_of_rouge_score():
    from rouge_score import rouge_scorer

    types = ["rouge1", "rouge2", "rougeL"]
    scorer = rouge_scorer.RougeScorer(types)
    scores = [scorer.score(r, g) for g, r in zip(GENERATED, REFERENCES)]
    expected = {t: sum(s[t].fmeasure for s in scores) / 4 for t in types}
    assert close(run(Rouge, {"types": types}, generation_batches()), expected)
    # by hand for rouge1 of the first pair: 5 of 6 unigrams shared both ways -> F = 5/6
    assert math.isclose(scores[0]["rouge1"].fmeasure, 5 / 6)
    assert set(run(Rouge, {"types": ["rougeLsum"]}, generation_batches())) == {"rougeLsum"}


def test_bleu_is_sacrebleu_corpus_bleu_and_merges_by_concatenation():
    import sacrebleu

    expected = sacrebleu.corpus_bleu(GENERATED, [REFERENCES], tokenize="13a").score
    assert expected > 0
    assert close(run(Bleu, {"tokenize": "13a"}, generation_batches()), {"bleu": expected})
    a, b = Bleu({}, MetricInfo()), Bleu({}, MetricInfo())
    a.update(generation_batches()[0])
    b.update(generation_batches()[1])
    a.merge(b)
    assert close(a.compute(), {"bleu": expected})
    assert run(Bleu, {}, []) == {"bleu": 0.0}
    by_char = sacrebleu.corpus_bleu(GENERATED, [REFERENCES], tokenize="char").score
    assert by_char != expected and close(run(Bleu, {"tokenize": "char"}, generation_batches()), {"bleu": by_char})


def test_generation_metrics_ask_for_generations_and_their_answer_length():
    assert all(cls.needs == frozenset({"generations"}) for cls in (Rouge, Bleu, ExactMatch))
    assert Rouge({"max_new_tokens": 7}, MetricInfo()).max_new_tokens() == 7
    assert ExactMatch({}, MetricInfo()).max_new_tokens() == 128


def test_metrics_survive_pickling_as_gathering_across_processes_does():
    import pickle

    metric = Rouge({"types": ["rouge1"]}, MetricInfo())
    metric.update(generation_batches()[0])
    copy = pickle.loads(pickle.dumps(metric))
    copy.update(generation_batches()[1])
    assert close(copy.compute(), run(Rouge, {"types": ["rouge1"]}, generation_batches()))
