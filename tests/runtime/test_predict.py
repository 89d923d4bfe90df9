"""``ftcore predict``: a classifier and a generator trained here answer new inputs as JSON lines.

The answers must be the ones the run's own evaluation wrote for the same texts (the same model,
loaded from the run directory), whatever the input format; unreadable inputs are reported at
their line before any model loads.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tiny_recipes import write_recipe

pytest.importorskip("torch")


def _train(folder: Path, task: str, train: str, evaluate: str) -> Path:
    from rich.console import Console

    from ftcore.runtime.run import run_command

    recipe = write_recipe(folder, task, train=train, evaluate=evaluate)
    if task == "classification":  # the tiny llama learns the words-to-intent task in 60 steps
        text = recipe.read_text().replace('arch: "bert"', 'arch: "llama"')
        recipe.write_text(text.replace("optimizer adamw(lr: 1e-3)", "", 1))
    out = io.StringIO()
    status = run_command(str(recipe), out=str(folder / "run"), console=Console(file=out, width=200))
    assert status == 0, out.getvalue()
    return folder / "run"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A trained classifier and seq2seq model (their run directories)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cls = _train(tmp_path_factory.mktemp("cls"), "classification", "max_steps 60\n  optimizer adamw(lr: 3e-3)",
                     "evaluate d.test { metrics accuracy }")
        s2s = _train(tmp_path_factory.mktemp("s2s"), "seq2seq", "max_steps 4",
                     "evaluate d.test { metrics exact_match(max_new_tokens: 5) }")
    finally:
        torch.set_num_threads(before)
    return {"classification": cls, "seq2seq": s2s}


def predict(*argv, stdin: str = "") -> tuple[int, list[dict], str]:
    """``ftcore predict`` in this process: status, the JSON lines written, and the messages."""
    from rich.console import Console

    from ftcore.cli import build_parser
    from ftcore.runtime.predict import predict_command

    args = build_parser().parse_args(["predict", *argv])
    from ftcore.api import PredictOptions

    options = PredictOptions(max_new_tokens=args.max_new_tokens, sample=args.sample, temperature=args.temperature,
                             top_p=args.top_p, seed=args.seed, max_length=args.max_length)
    out, messages = io.StringIO(), io.StringIO()
    status = predict_command(args.model, input_path=args.input, field=args.field, output=args.output,
                             batch=args.batch, options=options, console=Console(file=messages, width=200),
                             stdin=io.StringIO(stdin), stdout=out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()], messages.getvalue()


def evaluated(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "predictions" / "d.test.jsonl").read_text().splitlines()]


def test_classifier_answers_match_the_runs_evaluation_from_every_input_format(runs, tmp_path):
    run_dir = runs["classification"]
    rows = evaluated(run_dir)
    texts = [r["input"] for r in rows]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"id": i, "message": t}) + "\n" for i, t in enumerate(texts)))
    (tmp_path / "in.csv").write_text("message,other\n" + "".join(f"{t},x\n" for t in texts))
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n")
    answers = {}
    for name, argv in {"jsonl": ["--input", str(tmp_path / "in.jsonl"), "--field", "message", "--batch", "3"],
                       "csv": ["--input", str(tmp_path / "in.csv"), "--field", "message"],
                       "txt": ["--input", str(tmp_path / "in.txt")], "stdin": []}.items():
        status, lines, messages = predict(str(run_dir), *argv, stdin="\n".join(texts))
        assert status == 0, messages
        answers[name] = lines
    first = answers["jsonl"]
    assert [a["input"] for a in first] == texts
    assert [a["label"] for a in first] == [r["prediction"] for r in rows]  # what the evaluation predicted
    for a in first:
        assert abs(sum(a["scores"].values()) - 1) < 1e-5 and a["score"] == max(a["scores"].values())
    for name, lines in answers.items():  # every input format, any batch size: the same answers
        assert [a["label"] for a in lines] == [a["label"] for a in first], name
        assert all(abs(a["score"] - b["score"]) < 1e-5 for a, b in zip(lines, first)), name
    assert sum(a["label"] == r["reference"] for a, r in zip(first, rows)) >= 8


def test_generator_answers_match_the_runs_evaluation_and_say_how_they_stopped(runs, tmp_path):
    run_dir = runs["seq2seq"]
    rows = evaluated(run_dir)
    status, lines, messages = predict(str(run_dir / "model"), "--max-new-tokens", "5",
                                      stdin="".join(json.dumps({"text": r["prompt"]}) + "\n" for r in rows))
    assert status == 0, messages
    assert [a["generated"] for a in lines] == [r["generated"] for r in rows]
    assert [a["stopped"] for a in lines] == [r["stopped"] for r in rows]
    target = tmp_path / "answers.jsonl"
    status, lines, messages = predict(str(run_dir), "--max-new-tokens", "5", "--output", str(target),
                                      stdin=rows[0]["prompt"] + "\n")
    assert status == 0 and lines == [] and f"1 prediction(s) written to {target}" in messages
    assert json.loads(target.read_text())["generated"] == rows[0]["generated"]
    assert [p.name for p in tmp_path.iterdir()] == ["answers.jsonl"]  # no temporary file left


def test_unreadable_inputs_are_reported_at_their_line_before_the_model_loads(runs, tmp_path):
    run_dir = runs["classification"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n\n{"text": "also fine"\n')
    status, lines, messages = predict(str(run_dir), "--input", str(bad))
    assert status == 1 and lines == []
    assert messages.startswith(f"error: {bad}:3: not JSON (")
    status, _, messages = predict(str(run_dir), "--input", str(tmp_path / "in.csv"))
    assert status == 1 and "no such file" in messages
    (tmp_path / "in.csv").write_text("message\nhello\n")
    status, _, messages = predict(str(run_dir), "--input", str(tmp_path / "in.csv"))
    assert status == 1 and 'no "text" column (columns: message); choose one with --field' in messages
    status, _, messages = predict(str(tmp_path / "nowhere"), stdin="x\n")
    assert status == 2 and "no such folder" in messages
    status, _, messages = predict(str(tmp_path), stdin="x\n")
    assert status == 1 and "holds no model an installed plugin can load" in messages


def test_an_answer_the_model_ends_says_eos(runs):
    """The seq2seq model's first answer token made its end-of-sequence token: the answer is empty and says so."""
    from ftcore.api import PredictOptions
    from ftcore_train.predictor import load_predictor

    predictor = load_predictor(runs["seq2seq"] / "model", PredictOptions(max_new_tokens=5))
    (before,) = predictor.predict(["reverse 12"])
    assert before["stopped"] == "length" and before["generated"]
    first = predictor.tokenizer("".join(before["generated"][:1]), add_special_tokens=False)["input_ids"][0]
    predictor.tokenizer.eos_token_id = first
    (after,) = predictor.predict(["reverse 12"])
    assert after == {"generated": "", "stopped": "eos"}
