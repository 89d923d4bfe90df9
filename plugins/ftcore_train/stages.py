"""Stage implementations: ``train``, ``evaluate.<data>.<split>`` and ``export.<n>``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftcore.runtime.errors import RunError

from ftcore_train.plugin import COMPUTED_METRICS as COUNT_METRICS


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
    """Computes the evaluate block's metrics on a split with the trained model, in one process."""

    def run(self, stage, inputs, ctx):
        """Return ``metrics``: the split's name and each metric's value; also appended to metrics.jsonl."""
        from ftcore_train.batching import Rows, make_collator
        from ftcore_train.evaluation import evaluate_sums
        from ftcore_train.export import load_saved_model
        from ftcore_train.progress import MetricsLog
        from ftcore_train.scores import summarize

        params = stage.params
        wanted = [{"name": m["component"].split(":", 1)[1], "args": m.get("args", {})} for m in params["metrics"]]
        unsupported = [m["name"] for m in wanted if m["name"] not in COUNT_METRICS]
        if unsupported:
            raise RunError(f"metric {', '.join(unsupported)} is not computed by this version of ftcore",
                           f"use {', '.join(COUNT_METRICS)}")
        if not any(m["name"] == "loss" for m in wanted):
            wanted = [{"name": "loss", "args": {}}] + wanted
        info = inputs.get("info") or {}
        task = params["task"]
        model = load_saved_model(Path(inputs["model"]), task)
        model.eval()
        rows = Rows(inputs["dataset"])
        sums = evaluate_sums(model, rows, make_collator(info, inputs.get("tokenizer")), task=task,
                             batch=int(params["batch"]), num_labels=len(info.get("label_names") or []))
        metrics = summarize(sums, task, wanted)
        result = {"split": params["split"], "examples": len(rows), **metrics}
        if task == "classification" and info.get("label_names"):
            result["majority_baseline"] = float(sums["confusion"].sum(1).max() / max(1.0, float(sums["confusion"].sum())))
        run_dir = _run_dir(ctx)
        MetricsLog(run_dir / "metrics.jsonl").write({"split": params["split"], **{k: v for k, v in result.items()
                                                                                  if k != "split"}})
        if ctx.hook is not None:
            ctx.hook.ftcore_evaluation_end(step=None, split=params["split"], metrics=dict(metrics), run_dir=run_dir)
        return {"metrics": result}


class ExportStage:
    """Writes the trained model to the export block's folder, in the Hugging Face layout, with a card."""

    def run(self, stage, inputs, ctx):
        """Return ``path``: the folder written."""
        from ftcore_train.export import MODEL_INFO, export_hf, model_card

        params = stage.params
        model_dir = Path(inputs["model"])
        info = json.loads((model_dir / MODEL_INFO).read_text(encoding="utf-8"))
        metrics = {m["split"]: {k: v for k, v in m.items() if k != "split"}
                   for key, m in inputs.items() if key.startswith("metrics")}
        adapter = model_dir.parent / "adapter"
        card = model_card(params["recipe"], info, metrics, inputs.get("summary") or {}) if params["card"] else None
        dest = export_hf(model_dir, Path(params["path"]), overwrite=bool(params["overwrite"]), card=card,
                         adapter_dir=adapter if (not params["merge_adapter"] and adapter.is_dir()) else None)
        ctx.log(f"exported to {dest}")
        return {"path": str(dest)}


TRAIN_STAGE = TrainStage()
EVALUATE_STAGE = EvaluateStage()
EXPORT_STAGE = ExportStage()
