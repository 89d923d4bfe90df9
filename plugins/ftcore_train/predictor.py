"""``ftcore predict`` for models ftcore trains: classifiers and generators from a Hugging Face folder.

The folder is a run's ``model/``, an export, or any compatible folder. The task comes from
``ftcore_model.json`` when ftcore wrote the folder, else from the architecture in
``config.json`` (``...ForSequenceClassification``, ``...ForCausalLM``,
``...ForConditionalGeneration``). Weights load from safetensors only, without remote code.
Generation uses the same batched decoding as evaluation (greedy unless sampling is asked for),
and each answer says whether the model ended it (``"eos"``) or the length limit cut it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from ftcore.api import PredictOptions, Predictor, RunError

ARCHITECTURE_TASKS = (("ForSequenceClassification", "classification"), ("ForTokenClassification",
                      "token_classification"), ("ForCausalLM", "causal_lm"), ("ForConditionalGeneration", "seq2seq"))
SUPPORTED = ("classification", "causal_lm", "seq2seq")


def model_task(model_dir: Path) -> Optional[tuple[str, list[str]]]:
    """``(task, label names)`` of the model in ``model_dir``, or None when it is no model folder."""
    info = model_dir / "ftcore_model.json"
    if info.is_file():
        data = json.loads(info.read_text(encoding="utf-8"))
        return data["task"], [str(x) for x in data.get("label_names") or []]
    config = model_dir / "config.json"
    if not config.is_file():
        return None
    data = json.loads(config.read_text(encoding="utf-8"))
    for arch in data.get("architectures") or []:
        for suffix, task in ARCHITECTURE_TASKS:
            if arch.endswith(suffix):
                labels = data.get("id2label") or {}
                return task, [str(labels[k]) for k in sorted(labels, key=int)] if task == "classification" else []
    return None


class ModelPredictor(Predictor):
    """Answers texts with the model of a folder (see the module docstring)."""

    def __init__(self, model_dir: Path, options: PredictOptions, task: str, labels: list[str]):
        super().__init__(model_dir, options)
        import torch
        from transformers import AutoTokenizer

        from ftcore_train.export import load_saved_model

        if task not in SUPPORTED:
            raise RunError(f"{model_dir}: ftcore predict answers classifiers and text generators; this is a "
                           f"{task} model", "evaluate it with ftcore eval on a recipe's evaluate block instead")
        if not (model_dir / "model.safetensors").is_file() and not list(model_dir.glob("model-*.safetensors")):
            raise RunError(f"{model_dir} holds no safetensors weights", "ftcore loads weights from safetensors only")
        self.task, self.labels = task, labels
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), trust_remote_code=False)
        self.model = load_saved_model(model_dir, task).eval()
        self.device = torch.device(options.device) if options.device else (
            torch.device("cuda") if torch.cuda.is_available() else None)
        if self.device is not None:
            self.model.to(self.device)

    def _max_length(self) -> int:
        limit = self.options.max_length or getattr(self.tokenizer, "model_max_length", None) or 512
        return int(min(limit, 100_000))

    def predict(self, texts: list[str]) -> list[dict[str, Any]]:
        """One answer per text (see :meth:`ftcore.api.Predictor.predict`)."""
        import torch

        if self.task == "classification":
            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self._max_length(),
                                   return_tensors="pt")
            batch = {k: v for k, v in batch.items() if k in ("input_ids", "attention_mask")}
            if self.device is not None:
                batch = {k: v.to(self.device) for k, v in batch.items()}
            with torch.no_grad():
                probs = self.model(**batch).logits.float().softmax(-1).cpu()
            names = self.labels or [str(i) for i in range(probs.size(-1))]
            out = []
            for row in probs.tolist():
                best = max(range(len(row)), key=row.__getitem__)
                out.append({"label": names[best], "score": row[best],
                            "scores": {names[i]: p for i, p in enumerate(row)}})
            return out
        return self._generate(texts)

    def _generate(self, texts: list[str]) -> list[dict[str, Any]]:
        from ftcore_train.generation import GenerationSettings, decode, generate

        tok, o = self.tokenizer, self.options
        prompts = [tok(t, truncation=True, max_length=self._max_length())["input_ids"] for t in texts]
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        stops: list[str] = []
        settings = GenerationSettings(sample=o.sample, temperature=o.temperature, top_p=o.top_p, seed=o.seed)
        with __import__("torch").no_grad():
            answers = generate(self.model, prompts, task=self.task, max_new_tokens=o.max_new_tokens,
                               pad_id=pad if pad is not None else 0, eos_id=tok.eos_token_id, device=self.device,
                               settings=settings, stops=stops)
        return [{"generated": decode(tok, a), "stopped": s} for a, s in zip(answers, stops)]


def load_predictor(model_dir: Path, options: PredictOptions) -> Optional[ModelPredictor]:
    """A :class:`ModelPredictor` for ``model_dir``, or None when it holds no model this plugin knows."""
    found = model_task(Path(model_dir))
    if found is None:
        return None
    return ModelPredictor(Path(model_dir), options, *found)
