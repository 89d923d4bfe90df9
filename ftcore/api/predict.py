"""The predictor contract: a trained model answering new inputs (``ftcore predict``).

``ftcore predict RUN_DIR|MODEL_DIR`` reads the inputs, batches them, shows progress and writes
JSON lines; the model work is a plugin's: the ``ftcore_load_predictor`` hook returns a
:class:`Predictor` for a model folder, and ftcore calls :meth:`Predictor.predict` batch by batch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional


@dataclass(frozen=True)
class PredictOptions:
    """How to answer: generation settings (greedy unless ``sample``) and the longest input, in tokens."""

    max_new_tokens: int = 128
    sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int = 0
    max_length: Optional[int] = None
    device: Optional[str] = None


class Predictor(ABC):
    """A loaded model that answers texts; ``task`` says what its answers are."""

    task: str = ""

    def __init__(self, model_dir: Path, options: PredictOptions):
        self.model_dir = Path(model_dir)
        self.options = options

    @abstractmethod
    def predict(self, texts: list[str]) -> list[dict[str, Any]]:
        """One JSON-ready answer per text, in order.

        Classifiers: ``{"label": name, "score": probability, "scores": {name: probability}}``;
        generators: ``{"generated": text, "stopped": "eos" | "length"}``.
        """
