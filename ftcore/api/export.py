"""The exporter contract: where a trained model goes and in which layout."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional


@dataclass
class ExportRequest:
    """Everything an exporter may write.

    ``model_dir`` holds the trained model in the Hugging Face layout (safetensors, config,
    tokenizer) and ``ftcore_model.json`` (task, label names, base and adapter entries);
    ``adapter_dir`` the adapter alone when one was trained (``Adapter.save_adapter``); ``args``
    the exporter's checked arguments with paths resolved against the recipe's folder; ``card``
    the model card text (None: do not write one); ``merge_adapter`` whether the recipe asked for
    merged weights; ``metrics`` the evaluated metrics by split; ``summary`` the training summary.
    """

    model_dir: Path
    args: Mapping[str, Any]
    card: Optional[str] = None
    merge_adapter: bool = True
    adapter_dir: Optional[Path] = None
    recipe_name: str = ""
    task: str = ""
    metrics: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    summary: Mapping[str, Any] = field(default_factory=dict)


class Exporter(ABC):
    """Writes the trained model somewhere (``hf("out/model")``)."""

    def check(self, args: Mapping[str, Any]) -> list[tuple[str, Optional[str], Optional[str]]]:
        """Problems knowable before training (a destination that cannot be written), as
        ``(message, argument name or None, hint or None)``; ``ftcore check`` reports each at the
        argument's position in the recipe. ``args`` has paths resolved. Default: none.

        An exporter whose check also takes a ``recipe_name`` keyword argument is given the
        recipe's name (to recognise its own earlier export of the same recipe)."""
        return []

    @abstractmethod
    def export(self, request: ExportRequest) -> str:
        """Write the model; return where it went (a folder, a URL) for the run's summary."""
