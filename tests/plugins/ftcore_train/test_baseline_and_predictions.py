"""``baseline true`` and the predictions files, through ``ftcore run`` on tiny models.

The baseline must be the model the run started from (a run that barely moves its weights gives
the same numbers for both), both must be reported and differ after training on learnable data,
and every evaluated example must appear in predictions/<data>.<split>.jsonl with numbers that
add up to the split's metrics.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtime"))

from test_evaluation import tiny_lm  # noqa: E402  (a two-layer llama of 260 tokens, seeded)
from tiny_recipes import read_metrics, write_recipe  # noqa: E402

pytest.importorskip("torch")


pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")  # tiny models: torch on one thread


def run(tmp_path, monkeypatch, capsys, task, **recipe) -> tuple[Path, str]:
    """Train ``task``'s tiny recipe with ``ftcore run``; returns the run directory and what was printed."""
    from ftcore.cli import main

    path = write_recipe(tmp_path, task, **recipe)
    if task == "classification":  # the tiny llama learns the words-to-intent task in 60 steps (bert does not)
        text = path.read_text().replace('arch: "bert"', 'arch: "llama"')
        path.write_text(text.replace("optimizer adamw(lr: 1e-3)", "", 1))
    monkeypatch.chdir(tmp_path)
    status = main(["run", str(path), "--plain", "--out", str(tmp_path / "run")])
    printed = "".join(capsys.readouterr())
    assert status == 0, printed
    return tmp_path / "run", printed


def evaluation(run_dir: Path) -> dict:
    (record,) = [r for r in read_metrics(run_dir) if r.get("split") == "d.test"]
    return record


def predictions(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "predictions" / "d.test.jsonl").read_text().splitlines()]


def test_classifier_baseline_and_fine_tuned_differ_and_predictions_add_up(tmp_path, monkeypatch, capsys):
    run_dir, _ = run(tmp_path, monkeypatch, capsys, "classification", train="max_steps 60\n  optimizer adamw(lr: 3e-3)",
                     evaluate="evaluate d.test { metrics accuracy, f1, confusion_matrix  baseline true }")
    record = evaluation(run_dir)
    base = record["baseline"]
    assert record["accuracy"] >= 0.8 and base["accuracy"] <= 0.5, record  # the words decide the label
    assert math.isclose(record["gain"]["accuracy"], record["accuracy"] - base["accuracy"])
    assert "freshly initialised" in record["baseline_is"]
    rows = predictions(run_dir)
    assert [r["index"] for r in rows] == list(range(record["examples"]))
    assert all(r["input"].startswith("my ") for r in rows)
    assert sum(r["prediction"] == r["reference"] for r in rows) / len(rows) == record["accuracy"]
    assert [r["scores"]["correct"] for r in rows] == [float(r["prediction"] == r["reference"]) for r in rows]
    assert sum(r["baseline"]["prediction"] == r["reference"] for r in rows) / len(rows) == base["accuracy"]
    matrix = record["confusion_matrix"]
    assert matrix["labels"] == ["account", "billing", "tech"]
    for i, truth in enumerate(matrix["labels"]):
        for j, predicted in enumerate(matrix["labels"]):
            assert matrix["counts"][i][j] == sum(r["reference"] == truth and r["prediction"] == predicted
                                                 for r in rows)
    assert sum(map(sum, base["confusion_matrix"]["counts"])) == record["examples"]


def test_the_baseline_is_the_model_the_run_started_from(tmp_path, monkeypatch, capsys):
    """With a learning rate of 1e-12 the run ends where it started: both evaluations agree."""
    run_dir, printed = run(tmp_path, monkeypatch, capsys, "classification",
                           train="max_steps 1\n  optimizer adamw(lr: 1e-12)",
                           evaluate="evaluate d.test { metrics accuracy  baseline true }")
    record = evaluation(run_dir)
    assert abs(record["baseline"]["loss"] - record["loss"]) < 1e-6, record
    assert record["baseline"]["accuracy"] == record["accuracy"]
    assert "starting model -> fine-tuned: loss" in printed


def test_generation_records_say_how_answers_stopped(tmp_path, monkeypatch, capsys):
    run_dir, _ = run(tmp_path, monkeypatch, capsys, "seq2seq", train="max_steps 2",
                     evaluate="evaluate d.test { metrics chrf(max_new_tokens: 3), exact_match(max_new_tokens: 3)  "
                              "baseline true  generation(sample: true, temperature: 0.7, top_p: 0.9) }")
    record = evaluation(run_dir)
    rows = predictions(run_dir)
    assert len(rows) == record["examples"] == 10
    for r in rows:
        assert r["prompt"].startswith("reverse ") and r["reference"] == r["prompt"].split()[1][::-1]
        assert r["stopped"] in ("eos", "length") and set(r["scores"]) == {"chrf", "exact_match"}
        assert r["baseline"]["stopped"] in ("eos", "length") and "generated" in r["baseline"]
    cut = sum(r["stopped"] == "length" for r in rows) / len(rows)
    assert record["stopped_at_limit"] == cut
    assert record["exact_match"] == sum(r["scores"]["exact_match"] for r in rows) / len(rows)
    assert {"chrf", "exact_match", "loss"} <= set(record["baseline"]) and "chrf" in record["gain"]


def test_no_predictions_file_when_the_block_says_so(tmp_path, monkeypatch, capsys):
    run_dir, _ = run(tmp_path, monkeypatch, capsys, "classification", train="max_steps 1",
                     evaluate="evaluate d.test { metrics accuracy  predictions false }")
    assert "accuracy" in evaluation(run_dir) and not (run_dir / "predictions").exists()


def test_an_answer_ended_by_eos_and_one_cut_at_the_limit_are_told_apart():
    from ftcore_train.generation import generate

    model, prompts = tiny_lm(), [[5, 6, 7], [9, 3]]
    first = [a[0] for a in generate(model, prompts, task="causal_lm", max_new_tokens=1, pad_id=0, eos_id=None)]
    stops: list[str] = []
    answers = generate(model, prompts[:1], task="causal_lm", max_new_tokens=4, pad_id=0, eos_id=first[0], stops=stops)
    assert answers == [[]] and stops == ["eos"]  # the model's first token was its end-of-sequence token
    stops = []
    answers = generate(model, prompts, task="causal_lm", max_new_tokens=4, pad_id=0, eos_id=None, stops=stops)
    assert [len(a) for a in answers] == [4, 4] and stops == ["length", "length"]


def test_sampling_is_seeded_and_follows_temperature():
    from ftcore_train.generation import GenerationSettings, generate

    model, prompts = tiny_lm(), [[5, 6, 7], [9, 3], [4], [8, 8, 8]]
    greedy = generate(model, prompts, task="causal_lm", max_new_tokens=6, pad_id=0, eos_id=None)
    hot = GenerationSettings(sample=True, temperature=5.0, seed=1)
    one = generate(model, prompts, task="causal_lm", max_new_tokens=6, pad_id=0, eos_id=None, settings=hot)
    again = generate(model, prompts, task="causal_lm", max_new_tokens=6, pad_id=0, eos_id=None, settings=hot)
    other = generate(model, prompts, task="causal_lm", max_new_tokens=6, pad_id=0, eos_id=None,
                     settings=GenerationSettings(sample=True, temperature=5.0, seed=2))
    assert one == again and one != greedy and one != other
    cold = GenerationSettings(sample=True, temperature=1e-4, seed=3)  # almost no randomness left: greedy
    assert generate(model, prompts, task="causal_lm", max_new_tokens=6, pad_id=0, eos_id=None, settings=cold) == greedy
    narrow = GenerationSettings(sample=True, temperature=5.0, top_p=1e-6, seed=4)  # only the most likely token
    assert generate(model, prompts, task="causal_lm", max_new_tokens=6, pad_id=0, eos_id=None, settings=narrow) == greedy
    assert GenerationSettings.from_params({"sample": True, "top_p": 0.9}, seed=7) == \
        GenerationSettings(sample=True, top_p=0.9, seed=7)


def test_the_blocks_max_new_tokens_sets_every_metrics_answer_length_and_records_follow_it():
    from ftcore.api import MetricInfo
    from ftcore_data.collate import PadCollator
    from ftcore_hf.byte_tokenizer import byte_tokenizer
    from ftcore_train.batching import Rows
    from ftcore_train.evaluation import evaluate
    from ftcore_train.generation import GenerationSettings, decode, generate
    from ftcore_train.metric_set import MetricSet

    tok, model = byte_tokenizer(64), tiny_lm()
    prompts = [[tok.bos_token_id] + tok(p, add_special_tokens=False)["input_ids"] for p in ("a", "bcd", "hi")]
    answer = tok("xy", add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    rows = Rows([{"input_ids": p + answer, "attention_mask": [1] * len(p + answer),
                  "labels": [-100] * len(p) + answer} for p in prompts])
    entry = {"component": "metric:exact_match", "args": {"max_new_tokens": 9}, "plugin": "metrics",
             "impl": "ftcore_metrics.generation:ExactMatch", "dist": "ftcore", "version": "0"}
    records: list[dict] = []
    evaluate(model, rows, PadCollator(0), MetricSet([entry], MetricInfo(task="causal_lm")), task="causal_lm",
             batch=2, tokenizer=tok, settings=GenerationSettings(max_new_tokens=2), records=records)
    short = generate(model, prompts, task="causal_lm", max_new_tokens=2, pad_id=0, eos_id=tok.eos_token_id)
    assert [r["generated"] for r in records] == [decode(tok, a) for a in short]
    assert [r["index"] for r in records] == [0, 1, 2] and all(r["reference"] == "xy" for r in records)
    assert all(set(r["scores"]) == {"exact_match"} for r in records)


def _classifier_rows():
    from ftcore_train.batching import Rows

    return Rows([{"input_ids": [i % 3, 7], "attention_mask": [1, 1], "labels": (i * 2) % 3} for i in range(11)])


def _collate(rows):
    import torch

    return {k: torch.tensor([r[k] for r in rows]) for k in ("input_ids", "attention_mask", "labels")}


class FirstIdClassifier:
    """Predicts the class of its first input id (a fake classifier with no weights)."""

    def __call__(self, input_ids, attention_mask=None, **_):
        import torch

        return type("Out", (), {"logits": torch.nn.functional.one_hot(input_ids[:, 0] % 3, 3).float()})()


def _records_as_rank(rank: int, world: int, port: int, results) -> None:
    import torch
    import torch.distributed as dist

    from ftcore.api import MetricInfo
    from ftcore_train.evaluation import evaluate
    from ftcore_train.metric_set import MetricSet, torch_all_gather

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        entry = {"component": "metric:accuracy", "args": {}, "plugin": "metrics", "dist": "ftcore", "version": "0",
                 "impl": "ftcore_metrics.classification:Accuracy"}
        records: list[dict] = []
        values = evaluate(FirstIdClassifier(), _classifier_rows(), _collate,
                          MetricSet([entry], MetricInfo(task="classification", label_names=("a", "b", "c"))),
                          task="classification", batch=2, rank=rank, world=world, all_gather=torch_all_gather(world),
                          records=records)
        results.put((rank, values, records))
    finally:
        dist.destroy_process_group()


def test_two_processes_write_every_example_once_in_order():
    import multiprocessing
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_records_as_rank, args=(rank, 2, port, results)) for rank in range(2)]
    for p in procs:
        p.start()
    got = {rank: (values, records) for rank, values, records in (results.get(timeout=120) for _ in procs)}
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    names = "abc"
    expected = [{"index": i, "reference": names[(i * 2) % 3], "prediction": names[i % 3],
                 "scores": {"correct": float(i % 3 == (i * 2) % 3)}} for i in range(11)]
    for values, records in got.values():
        assert records == expected
        assert values["accuracy"] == sum(r["scores"]["correct"] for r in expected) / 11
