"""The ``export.<n>`` stage: hands the trained model to the export block's exporter, through its contract.

The exporter is the component entry in the stage's parameters; its impl (an
:class:`ftcore.api.Exporter`) does the writing, so a third party's exporter runs exactly like
``hf``. A failure inside it is reported as the providing plugin's (``PluginError``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from ftcore.api import Exporter, ExportRequest, ModelSource, component_object
from ftcore.plugins.components import call_component, entry_name
from ftcore_export.card import model_card

MODEL_INFO = "ftcore_model.json"  # written by the train stage next to the weights: task, labels, base, adapter


def resolved_args(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A component entry's arguments with its file-path arguments made absolute."""
    return {**dict(entry.get("args") or {}), **dict(entry.get("paths") or {})}


def _base_description(info: Mapping[str, Any]) -> str:
    base = info.get("base") or {}
    if base.get("impl"):
        source = component_object(base, ModelSource)
        return str(call_component(base, source.describe, dict(base.get("args") or {})))
    return entry_name(base)[1] if base.get("component") else "?"


def _where(entry: Mapping[str, Any]) -> str:
    """What the card's snippet loads: the folder as the recipe names it, or a Hub repository id."""
    args = dict(entry.get("args") or {})
    return str(args.get("path") or args.get("repo") or ".")


class ExportStage:
    """Builds the :class:`~ftcore.api.ExportRequest` (model folder, adapter, card, metrics) and calls ``export``."""

    def run(self, stage, inputs, ctx):
        """Return ``path``: where the exporter wrote the model."""
        params = stage.params
        entry = params["exporter"]
        exporter = component_object(entry, Exporter)
        model_dir = Path(inputs["model"])
        info_file = model_dir / MODEL_INFO
        info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
        metrics = {m["split"]: {k: v for k, v in m.items() if k != "split"}
                   for key, m in sorted(inputs.items()) if key.startswith("metrics") and isinstance(m, dict)}
        summary = inputs.get("summary") or {}
        task = info.get("task") or params.get("task", "")
        card = None
        if params.get("card", True):
            adapter = entry_name(info["adapter"])[1] if info.get("adapter") else "full"
            card = model_card(params["recipe"], task=task, base=_base_description(info), adapter=adapter,
                              labels=[str(x) for x in info.get("label_names") or []], metrics=metrics,
                              summary=summary, recipe_text=params.get("recipe_text", ""),
                              data=inputs.get("info") or {}, folder=_where(entry))
        adapter_dir = model_dir.parent / "adapter"
        request = ExportRequest(model_dir=model_dir, args=resolved_args(entry), card=card,
                                merge_adapter=bool(params.get("merge_adapter", True)),
                                adapter_dir=adapter_dir if adapter_dir.is_dir() else None,
                                recipe_name=params["recipe"], task=task, metrics=metrics, summary=summary)
        where = call_component(entry, exporter.export, request)
        ctx.log(f"exported to {where}")
        return {"path": str(where)}


EXPORT_STAGE = ExportStage()
