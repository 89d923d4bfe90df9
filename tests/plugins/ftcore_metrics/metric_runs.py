"""Helpers for metric tests: a tiny classification run through the command line, and the trained
model's logits on the test split recomputed independently of the evaluator (for hand computations)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtime"))

from tiny_recipes import read_metrics, write_recipe  # noqa: E402

__all__ = ["classifier_recipe", "run_cli", "saved_test_logits", "read_metrics", "evaluate_record"]


def classifier_recipe(folder: Path, metrics: str) -> Path:
    """A tiny bert classifier recipe over three intents, evaluating ``metrics`` on ``d.test``."""
    return write_recipe(folder, "classification", train="max_steps 4",
                        evaluate=f"evaluate d.test {{ metrics {metrics} }}")


def run_cli(monkeypatch, extra, *argv) -> int:
    """``ftcore.cli.main(argv)`` with the installed plugins plus ``extra`` ``(name, module)`` pairs."""
    import ftcore.compiler.pipeline as pipeline
    import ftcore.plugins.manager as manager
    from ftcore.cli import main

    load_host = manager.load_host
    with_extra = lambda *a, **k: load_host(*a, extra=list(extra), **k)  # noqa: E731
    monkeypatch.setattr(manager, "load_host", with_extra)
    monkeypatch.setattr(pipeline, "load_host", with_extra)
    return main(list(argv))


def evaluate_record(run_dir: Path) -> dict:
    """The evaluate stage's record of ``d.test`` in metrics.jsonl."""
    (record,) = [r for r in read_metrics(run_dir) if r.get("split") == "d.test"]
    return record


def saved_test_logits(recipe: Path, run_dir: Path, host):
    """``(logits, labels)`` of the saved model on the test split, straight from the model and the stage cache."""
    import torch

    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.runtime.executor import load_stage_outputs
    from ftcore_data.collate import collator_for
    from ftcore_train.export import load_saved_model

    checked, graph = compile_recipe(recipe, host=host)
    tokenize = [s for s in graph if s.id.startswith("data.d.") and {"test", "info"} <= set(s.outputs)][-1]
    outputs = load_stage_outputs(graph, tokenize.id, recipe.parent / ".ftcore-cache", recipe=checked,
                                 hash_content=True)
    rows = [{k: r[k] for k in ("input_ids", "attention_mask", "labels")} for r in outputs["test"]]
    batch = collator_for(outputs["info"])(rows)
    model = load_saved_model(run_dir / "model", "classification").eval()
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return logits, batch["labels"]


def install_distribution(site: Path, monkeypatch, name: str, version: str, files: dict[str, str],
                         entry_points: dict[str, str]) -> None:
    """Install a distribution the way pip lays one out (its files and a ``.dist-info``) into ``site``,
    and put ``site`` on ``sys.path`` for this test: its ``ftcore`` entry points load like any other."""
    for rel, text in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[ftcore]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()),
                                           encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
