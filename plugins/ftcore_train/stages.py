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
                          console=ctx.options.get("console"), resume=bool(ctx.options.get("resume")))
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
    metric contract (:class:`ftcore.api.Metric`), whichever plugin provides it.
    """

    def run(self, stage, inputs, ctx):
        """Return ``metrics``: the split's name, its size and each metric's values; also appended to metrics.jsonl."""
        from ftcore.api import MetricInfo
        from ftcore_train.batching import Rows, make_collator
        from ftcore_train.evaluation import evaluate
        from ftcore_train.export import load_saved_model
        from ftcore_train.metric_set import MetricSet
        from ftcore_train.progress import MetricsLog

        params = stage.params
        info = inputs.get("info") or {}
        task = params["task"]
        labels = [str(x) for x in info.get("label_names") or []]
        metrics = MetricSet(params["metrics"], MetricInfo(task=task, label_names=tuple(labels), split=params["split"]))
        rows = Rows(inputs["dataset"])
        run_dir = _run_dir(ctx)
        if len(rows) == 0:  # reported, not fatal: the trained model is saved and the other stages can run
            ctx.log(f"warning: the {params['split']} split has no examples, so nothing was evaluated on it")
            return {"metrics": {"split": params["split"], "examples": 0}}
        import torch

        model = load_saved_model(Path(inputs["model"]), task)
        model.eval()
        device = torch.device("cuda") if torch.cuda.is_available() else None  # generation is slow on CPUs
        if device is not None:
            model.to(device)
        tokenizer = inputs.get("tokenizer")
        values = evaluate(model, rows, make_collator(info, tokenizer), metrics, task=task, batch=int(params["batch"]),
                          tokenizer=tokenizer, device=device)
        result = {"split": params["split"], "examples": len(rows), **values}
        if task == "classification" and labels:
            result["majority_baseline"] = majority_share(rows)
        MetricsLog(run_dir / "metrics.jsonl").write(result)
        if ctx.hook is not None:
            ctx.hook.ftcore_evaluation_end(step=None, split=params["split"], metrics=dict(values), run_dir=run_dir)
        return {"metrics": result}


def majority_share(rows) -> float:
    """The accuracy of always predicting the most common label of ``rows`` (one integer label each)."""
    from collections import Counter

    counts = Counter(int(r["labels"]) for r in rows.take(range(len(rows))))
    return max(counts.values()) / len(rows) if counts else 0.0


TRAIN_STAGE = TrainStage()
EVALUATE_STAGE = EvaluateStage()
