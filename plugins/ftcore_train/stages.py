"""Stage implementations: ``train`` and ``evaluate.<data>.<split>`` (export stages are the export plugin's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftcore.runtime.errors import RunError


def _run_dir(ctx) -> Path:
    return Path(ctx.run_dir) if ctx.run_dir is not None else Path(ctx.output_dir)


class TrainStage:
    """Fine-tunes the model on DeepSpeed (see :class:`ftcore_train.loop.Trainer`); not cached.

    Options read from ``ctx.options``: ``console`` (a rich console for the display) and
    ``resume`` (continue from the newest complete checkpoint in the run directory).
    """

    def run(self, stage, inputs, ctx):
        """Train; returns ``model`` (the folder of the saved model) and ``summary``."""
        from ftcore_train.loop import Trainer

        trainer = Trainer(stage.params, inputs["train"], inputs.get("eval"), inputs.get("info") or {},
                          inputs.get("tokenizer"), _run_dir(ctx), hook=ctx.hook,
                          console=ctx.options.get("console"), resume=bool(ctx.options.get("resume")),
                          objective_inputs={k.partition(".")[2]: v for k, v in inputs.items()
                                            if k.startswith("objective.")})
        try:
            summary = trainer.run()
        finally:
            trainer.close()
        return {"model": summary["model_dir"], "summary": summary}

    def outputs_from_run(self, run_dir: Path) -> dict[str, Any]:
        """The outputs a finished training run left in ``run_dir`` (after worker processes trained)."""
        path = Path(run_dir) / "train_summary.json"
        if not path.is_file():
            raise RunError(f"training left no summary in {run_dir}", "see the worker processes' output above")
        summary = json.loads(path.read_text(encoding="utf-8"))
        return {"model": summary["model_dir"], "summary": summary}


class EvaluateStage:
    """Computes the evaluate block's metrics on a split with the trained model, in one process.

    ``stage.params["metrics"]`` holds the metrics' component entries; each runs through the
    metric contract (:class:`ftcore.api.Metric`), whichever plugin provides it. With
    ``baseline`` the starting model is evaluated the same way; with ``predictions`` each
    example's result goes to ``predictions/<split>.jsonl``.
    """

    def run(self, stage, inputs, ctx):
        """Return ``metrics``: the split's name, its size and each metric's values; also appended to metrics.jsonl.

        With a baseline the record also holds ``baseline`` (the starting model's values),
        ``baseline_is`` (what that model is) and ``gain`` (fine-tuned minus baseline).
        """
        from ftcore.api import MetricInfo
        from ftcore_train.batching import Rows
        from ftcore_train.progress import MetricsLog

        params = stage.params
        info = inputs.get("info") or {}
        task = params["task"]
        labels = [str(x) for x in info.get("label_names") or []]
        metric_info = MetricInfo(task=task, label_names=tuple(labels), split=params["split"])
        rows = Rows(inputs["dataset"])
        run_dir = _run_dir(ctx)
        if len(rows) == 0:  # reported, not fatal: the trained model is saved and the other stages can run
            ctx.log(f"warning: the {params['split']} split has no examples, so nothing was evaluated on it")
            return {"metrics": {"split": params["split"], "examples": 0}}
        from ftcore_train.export import load_saved_model

        tokenizer = inputs.get("tokenizer")
        tuned = _evaluate_model(load_saved_model(Path(inputs["model"]), task), params, rows, info, tokenizer,
                                metric_info)
        result = {"split": params["split"], "examples": len(rows), **tuned["values"], **tuned["details"]}
        start = None
        if params.get("baseline") and params.get("start"):
            from ftcore_train.baseline import baseline_meaning, starting_model

            model = starting_model(params["start"], int(params.get("seed", 42)), tokenizer=tokenizer, labels=labels)
            start = _evaluate_model(model, params, rows, info, tokenizer, metric_info)
            result["baseline"] = {**start["values"], **start["details"]}
            result["baseline_is"] = baseline_meaning(task, params["start"])
            result["gain"] = {k: v - start["values"][k] for k, v in tuned["values"].items() if k in start["values"]}
        if task == "classification" and labels:
            result["majority_baseline"] = majority_share(rows)
        result.update(_stops(tuned["records"], "stopped_at_limit"))
        if start is not None:
            result["baseline"].update(_stops(start["records"], "stopped_at_limit"))
        if result.get("stopped_at_limit") == 1.0 and task == "causal_lm":
            ctx.log(f"warning: on {params['split']} the fine-tuned model never ended an answer with its end-of-sequence "
                    "token; every answer was cut at max_new_tokens (is EOS part of the training targets?)")
        if params.get("predictions", True) and tuned["records"]:
            from ftcore_train.predictions import write_predictions

            write_predictions(run_dir, params["split"], tuned["records"], start["records"] if start else None)
        MetricsLog(run_dir / "metrics.jsonl").write(result)
        if ctx.hook is not None:
            ctx.hook.ftcore_evaluation_end(step=None, split=params["split"], metrics=dict(tuned["values"]),
                                           run_dir=run_dir)
        return {"metrics": result}


def _evaluate_model(model, params, rows, info, tokenizer, metric_info) -> dict[str, Any]:
    """``values``, ``details`` and per-example ``records`` of one model on the stage's split."""
    import torch

    from ftcore_train.batching import make_collator
    from ftcore_train.evaluation import evaluate
    from ftcore_train.generation import GenerationSettings
    from ftcore_train.metric_set import MetricSet

    model.eval()
    device = torch.device("cuda") if torch.cuda.is_available() else None  # generation is slow on CPUs
    if device is not None:
        model.to(device)
    metrics = MetricSet(params["metrics"], metric_info)
    records: list[dict] = []
    settings = GenerationSettings.from_params(params.get("generation"), int(params.get("seed", 0)))
    values = evaluate(model, rows, make_collator(info, tokenizer), metrics, task=params["task"],
                      batch=int(params["batch"]), tokenizer=tokenizer, device=device, settings=settings,
                      records=records)
    return {"values": values, "details": metrics.details(), "records": records}


def _stops(records: list[dict], key: str) -> dict[str, float]:
    """``{key: share of generated answers cut at the length limit}``, or {} when nothing was generated."""
    stops = [r["stopped"] for r in records if "stopped" in r]
    return {key: sum(s == "length" for s in stops) / len(stops)} if stops else {}


def majority_share(rows) -> float:
    """The accuracy of always predicting the most common label of ``rows`` (one integer label each)."""
    from collections import Counter

    counts = Counter(int(r["labels"]) for r in rows.take(range(len(rows))))
    return max(counts.values()) / len(rows) if counts else 0.0


TRAIN_STAGE = TrainStage()
EVALUATE_STAGE = EvaluateStage()
