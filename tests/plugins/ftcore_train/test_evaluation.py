"""The evaluator: it gathers exactly what the metrics need, generates correctly, and merges processes.

Metrics here are third-party style classes on ``ftcore.api.Metric`` defined in this file; the
built-in ones are checked value by value in tests/plugins/ftcore_metrics.
"""

from __future__ import annotations

import copy

import pytest

from ftcore.api import EvalBatch, Metric, MetricInfo, PluginError
from ftcore_train.batching import Rows
from ftcore_train.evaluation import evaluate
from ftcore_train.generation import causal_example, decode, examples_of, generate
from ftcore_train.metric_set import MetricSet

torch = pytest.importorskip("torch")


pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")  # tiny models: torch on one thread


class Recorder(Metric):
    """Keeps every batch it is given (the class attribute ``needs`` is set per test)."""

    def __init__(self, args, info):
        super().__init__(args, info)
        self.batches = []

    def update(self, batch):
        self.batches.append(batch)

    def merge(self, other):
        self.batches += other.batches

    def compute(self):
        return {f"batches_{'_'.join(sorted(self.needs))}": len(self.batches)}


def recorder(needs):
    return type(f"Needs{'_'.join(sorted(needs))}", (Recorder,), {"needs": frozenset(needs)})


def entry(name, cls, args=None):
    """A component entry whose impl is ``cls`` (registered in this module's namespace for import)."""
    globals()[cls.__name__] = cls
    return {"component": f"metric:{name}", "args": args or {}, "impl": f"{__name__}:{cls.__name__}",
            "plugin": "tester", "dist": "ftcore-tester", "version": "0.3"}


class CountingClassifier(torch.nn.Module):
    """A fake classifier: logits from the first input id; counts its forward calls."""

    def __init__(self, classes=3):
        super().__init__()
        self.classes, self.calls = classes, 0

    def forward(self, input_ids, attention_mask=None, **_):
        self.calls += 1
        logits = torch.nn.functional.one_hot(input_ids[:, 0] % self.classes, self.classes).float() * 3
        return type("Out", (), {"logits": logits})()

    def generate(self, **kwargs):
        raise AssertionError("no metric asked for generations")


def classifier_rows(n=10):
    return Rows([{"input_ids": [i % 3, 7], "attention_mask": [1, 1], "labels": (i * 2) % 3} for i in range(n)])


def collate(rows):
    return {"input_ids": torch.tensor([r["input_ids"] for r in rows]),
            "attention_mask": torch.tensor([r["attention_mask"] for r in rows]),
            "labels": torch.tensor([r["labels"] for r in rows])}


def test_only_what_the_metrics_need_is_computed_and_passed():
    model = CountingClassifier()
    info = MetricInfo(task="classification", label_names=("a", "b", "c"))
    metrics = MetricSet([entry("p", recorder({"predictions"}))], info)
    values = evaluate(model, classifier_rows(), collate, metrics, task="classification", batch=4)
    assert values == {"batches_predictions": 3} and model.calls == 3
    (metric,) = metrics.metrics
    first = metric.batches[0]
    assert first.logits is None and first.generated is None and first.count == 0
    assert first.predictions.tolist() == [0, 1, 2, 0] and first.labels.tolist() == [0, 2, 1, 0]
    assert [b.size for b in metric.batches] == [4, 4, 2]

    metrics = MetricSet([entry("l", recorder({"logits"}))], info)
    evaluate(model, classifier_rows(), collate, metrics, task="classification", batch=4)
    batch = metrics.metrics[0].batches[0]
    assert batch.logits.shape == (4, 3) and batch.predictions is None

    calls = model.calls
    metrics = MetricSet([entry("n", recorder(set()))], info)
    evaluate(model, classifier_rows(), collate, metrics, task="classification", batch=4)
    assert model.calls == calls  # nothing needed the model's forward pass


def test_loss_is_summed_over_targets():
    model = CountingClassifier()
    metrics = MetricSet([entry("loss", recorder({"loss"}))], MetricInfo(task="classification"))
    evaluate(model, classifier_rows(), collate, metrics, task="classification", batch=4)
    batches = metrics.metrics[0].batches
    logits = torch.nn.functional.one_hot(torch.tensor([i % 3 for i in range(10)]), 3).float() * 3
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([(i * 2) % 3 for i in range(10)]),
                                                 reduction="sum")
    assert sum(b.count for b in batches) == 10
    assert abs(sum(b.loss_sum for b in batches) - float(expected)) < 1e-5


def test_processes_are_merged_into_one_result():
    """Two ranks evaluate their shards; gathering and merging gives the single-process numbers."""
    from ftcore_metrics.classification import F1, Accuracy

    info = MetricInfo(task="classification", label_names=("a", "b", "c"))
    entries = [entry("accuracy", Accuracy), entry("f1", F1, {"average": "weighted"})]
    alone = evaluate(CountingClassifier(), classifier_rows(11), collate, MetricSet(entries, info),
                     task="classification", batch=2)
    ranks = [MetricSet(entries, info) for _ in range(2)]
    for rank, metrics in enumerate(ranks):
        evaluate(CountingClassifier(), classifier_rows(11), collate, metrics, task="classification", batch=2,
                 rank=rank, world=2)
    shared = [m.metrics for m in ranks]
    for metrics in ranks:  # what all_gather_object gives every rank: a copy of each rank's instances
        metrics.gather(lambda obj: copy.deepcopy(shared))
    assert ranks[0].compute() == alone and ranks[1].compute() == alone
    assert sum(ranks[0].metrics[0].pairs.values()) == 11  # the padding example of rank 1 is not counted


class Broken(Recorder):
    needs = frozenset({"predictions"})

    def update(self, batch):
        raise ZeroDivisionError("division by zero")


def test_a_metric_that_raises_is_blamed_by_plugin_and_name():
    metrics = MetricSet([entry("broken", Broken)], MetricInfo(task="classification"))
    with pytest.raises(PluginError) as info:
        evaluate(CountingClassifier(), classifier_rows(), collate, metrics, task="classification", batch=4)
    assert info.value.plugin == "tester" and info.value.where == 'metric "broken"'
    assert "ZeroDivisionError: division by zero" in info.value.message and info.value.dist == "ftcore-tester"


class NotNumbers(Recorder):
    needs = frozenset()

    def compute(self):
        return {"x": "high"}


def test_compute_must_return_numbers():
    metrics = MetricSet([entry("words", NotNumbers)], MetricInfo())
    with pytest.raises(PluginError, match="values must be numbers"):
        evaluate(CountingClassifier(), classifier_rows(), collate, metrics, task="classification", batch=4)


def test_prompt_and_reference_of_causal_and_packed_rows():
    ignore = -100
    ex = causal_example([1, 5, 6, 7, 2], [ignore, ignore, 6, 7, 2])
    assert (ex.prompt, ex.reference) == ([1, 5], [6, 7, 2])
    ex = causal_example([1, 5, 6], [1, 5, 6])  # plain text: every token labelled
    assert (ex.prompt, ex.reference) == ([1], [5, 6])
    ex = causal_example([9, 4, 8, 9, 3, 7], [ignore, 4, 8, ignore, ignore, 7])  # only the first answer
    assert (ex.prompt, ex.reference) == ([9], [4, 8])
    packed = {"input_ids": [1, 5, 6, 1, 7, 8, 9], "labels": [ignore, 5, 6, ignore, ignore, 8, 9], "seq_lens": [3, 4]}
    assert [(e.prompt, e.reference) for e in examples_of(packed, "causal_lm")] == [([1], [5, 6]), ([1, 7], [8, 9])]
    assert [(e.prompt, e.reference) for e in examples_of({"input_ids": [4, 5], "labels": [6, ignore]}, "seq2seq")] \
        == [([4, 5], [6])]


def tiny_lm():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=260, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=128,
                         pad_token_id=0, bos_token_id=1, eos_token_id=2)
    return LlamaForCausalLM(config).eval()


def tiny_t5():
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    config = T5Config(vocab_size=260, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4, pad_token_id=0,
                      eos_token_id=2, decoder_start_token_id=0, tie_word_embeddings=False)
    model = T5ForConditionalGeneration(config).eval()
    torch.nn.init.normal_(model.lm_head.weight)  # a freshly initialised T5 only ever says <pad>
    return model


class Texts(Metric):
    """Keeps the generated answers, references and prompts it is given."""

    needs = frozenset({"generations"})

    def __init__(self, args, info):
        super().__init__(args, info)
        self.seen = []

    def update(self, batch):
        self.seen += list(zip(batch.prompts, batch.generated, batch.references))

    def merge(self, other):
        self.seen += other.seen

    def compute(self):
        return {f"texts_{self.max_new_tokens()}": float(len(self.seen))}


def generation_rows(task, tok):
    prompts = ["a", "bcd efg", "hi", "jklmnop"]
    answers = ["xyz", "q", "rst uv", "w"]
    rows = []
    for p, a in zip(prompts, answers):
        if task == "causal_lm":
            ids = [tok.bos_token_id] + tok(p, add_special_tokens=False)["input_ids"]
            ans = tok(a, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
            rows.append({"input_ids": ids + ans, "attention_mask": [1] * len(ids + ans),
                         "labels": [-100] * len(ids) + ans})
        else:
            ids = tok(p, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
            rows.append({"input_ids": ids, "attention_mask": [1] * len(ids),
                         "labels": tok(a, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]})
    return Rows(rows)


@pytest.mark.parametrize("task", ["causal_lm", "seq2seq"])
def test_batched_greedy_generation_equals_one_example_at_a_time(task):
    """Left padding (causal) and attention masks must not change any answer."""
    from ftcore_data.collate import PadCollator
    from ftcore_hf.byte_tokenizer import byte_tokenizer

    tok = byte_tokenizer(64)
    model = tiny_lm() if task == "causal_lm" else tiny_t5()
    rows = generation_rows(task, tok)

    def texts(batch, lengths=(6,)):
        metrics = MetricSet([entry(f"t{n}", Texts, {"max_new_tokens": n}) for n in lengths], MetricInfo(task=task))
        values = evaluate(model, rows, PadCollator(0), metrics, task=task, batch=batch, tokenizer=tok)
        return values, [m.seen for m in metrics.metrics]

    values, (together,) = texts(4)
    _, (alone,) = texts(1)
    metrics = MetricSet([entry("t6", Texts, {"max_new_tokens": 6})], MetricInfo(task=task))
    evaluate(model, rows, PadCollator(0), metrics, task=task, batch=4, tokenizer=tok, device=torch.device("cpu"))
    assert metrics.metrics[0].seen == together  # inputs follow the model to its device
    assert together == alone and values == {"texts_6": 4.0}
    assert [p for p, _, _ in together] == ["a", "bcd efg", "hi", "jklmnop"]
    assert [r for _, _, r in together] == ["xyz", "q", "rst uv", "w"]
    assert any(g for _, g, _ in together), together  # a random tiny model still says something
    # metrics asking for different lengths share one generation, each cut to its own length: what
    # generating that length alone gives (greedy decoding is the same prefix whatever the length)
    _, (short, longer) = texts(4, (2, 6))
    assert longer == together and short != together
    for example, (_, g2, _) in zip(examples_of_rows(rows, task), short):
        (alone2,) = generate(model, [example.prompt], task=task, max_new_tokens=2, pad_id=0, eos_id=2)
        assert g2 == decode(tok, alone2)


def examples_of_rows(rows, task):
    return [e for r in rows.take(range(len(rows))) for e in examples_of(r, task)]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _evaluate_as_rank(rank: int, world: int, port: int, results) -> None:
    """One process of a two-process evaluation over gloo (the child of a spawn)."""
    import torch.distributed as dist

    from ftcore_metrics.classification import F1, Accuracy
    from ftcore_train.metric_set import torch_all_gather

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        info = MetricInfo(task="classification", label_names=("a", "b", "c"))
        metrics = MetricSet([entry("accuracy", Accuracy), entry("f1", F1, {"average": "weighted"})], info)
        values = evaluate(CountingClassifier(), classifier_rows(11), collate, metrics, task="classification",
                          batch=2, rank=rank, world=world, all_gather=torch_all_gather(world))
        results.put((rank, values))
    finally:
        dist.destroy_process_group()


def test_two_real_processes_gather_and_merge_to_the_single_process_result():
    import multiprocessing

    from ftcore_metrics.classification import F1, Accuracy

    info = MetricInfo(task="classification", label_names=("a", "b", "c"))
    alone = evaluate(CountingClassifier(), classifier_rows(11), collate,
                     MetricSet([entry("accuracy", Accuracy), entry("f1", F1, {"average": "weighted"})], info),
                     task="classification", batch=2)
    ctx = multiprocessing.get_context("spawn")
    results, port = ctx.Queue(), _free_port()
    procs = [ctx.Process(target=_evaluate_as_rank, args=(rank, 2, port, results)) for rank in range(2)]
    for p in procs:
        p.start()
    got = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert got == {0: alone, 1: alone}


def test_scored_positions_shift_causal_lms_and_drop_unlabelled_tokens():
    from ftcore_train.evaluation import scored_positions

    logits = torch.arange(2 * 3 * 4, dtype=torch.float).reshape(2, 3, 4)
    labels = torch.tensor([[-100, 1, 2], [3, -100, 0]])
    scored, truth = scored_positions(logits, labels, "token_classification")
    assert truth.tolist() == [1, 2, 3, 0] and scored.tolist() == [logits[0, 1].tolist(), logits[0, 2].tolist(),
                                                                  logits[1, 0].tolist(), logits[1, 2].tolist()]
    scored, truth = scored_positions(logits, labels, "causal_lm")  # position t predicts label t+1
    assert truth.tolist() == [1, 2, 0] and scored.tolist() == [logits[0, 0].tolist(), logits[0, 1].tolist(),
                                                               logits[1, 1].tolist()]
    scored, truth = scored_positions(logits[:, 0, :], torch.tensor([2, -100]), "classification")
    assert truth.tolist() == [2] and scored.tolist() == [logits[0, 0].tolist()]


class DeviceSpy(torch.nn.Module):
    """A causal LM stand-in that records where its generation inputs live and answers "</s>" at once."""

    def __init__(self):
        super().__init__()
        self.config = type("Config", (), {"is_encoder_decoder": False})()
        self.devices = set()

    def generate(self, input_ids, attention_mask, generation_config, synced_gpus=False):
        self.devices |= {input_ids.device.type, attention_mask.device.type}
        n, length = input_ids.shape
        return torch.full((n, length + 1), generation_config.eos_token_id)


def test_generation_inputs_go_to_the_models_device():
    """On a GPU machine the evaluate stage passes cuda; "meta" stands in for it here."""
    from ftcore_data.collate import PadCollator
    from ftcore_hf.byte_tokenizer import byte_tokenizer

    tok = byte_tokenizer(64)
    spy = DeviceSpy()
    metrics = MetricSet([entry("t", Texts, {"max_new_tokens": 3})], MetricInfo(task="causal_lm"))
    evaluate(spy, generation_rows("causal_lm", tok), PadCollator(0), metrics, task="causal_lm", batch=4,
             tokenizer=tok, device=torch.device("meta"))
    assert spy.devices == {"meta"} and [g for _, g, _ in metrics.metrics[0].seen] == ["", "", "", ""]
