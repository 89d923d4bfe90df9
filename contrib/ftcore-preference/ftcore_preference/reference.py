"""The ``preference.reference`` stage: the starting model's log-probabilities of every answer, cached.

It builds the starting model the train stage starts from (its base component, seeded like the
train stage, without the adapter: LoRA starts as the identity, so this is exactly the LoRA model
with its adapter disabled) and scores the chosen and rejected answer of every row of the train
and eval splits. The stage's fingerprint holds the model, the data and this distribution's
version, not the objective's arguments: a second run with another β reuses the cache.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftcore.api import ModelSource, call_component, component_object
from ftcore_preference.pairs import answer_logps

BATCH = 8


def starting_model(model: dict[str, Any], seed: int, tokenizer=None, precision: str = "fp32"):
    """The base model of the train stage's ``model`` parameters, built as the train stage builds it, in eval mode."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    base = model["base"]
    net = call_component(base, component_object(base, ModelSource).model, base["args"], task=model["task"],
                         tokenizer=tokenizer)
    if precision == "bf16":
        net = net.to(torch.bfloat16)
    return net.eval()


def split_logps(net, rows, pad_id: int) -> list[list[float]]:
    """``[chosen, rejected]`` summed answer log-probabilities of every row, in row order."""
    import torch

    out: list[list[float]] = []
    with torch.no_grad():
        for start in range(0, len(rows), BATCH):
            batch = pad_rows(rows[start:start + BATCH], pad_id)
            chosen, rejected, _, _ = answer_logps(net, batch, pad_id)
            out.extend([float(c), float(r)] for c, r in zip(chosen.tolist(), rejected.tolist()))
    return out


def pad_rows(rows: list[dict[str, Any]], pad_id: int) -> dict[str, Any]:
    """Right-padded ``input_ids``/``attention_mask``/``labels`` tensors of tokenized rows."""
    import torch

    longest = max(len(r["input_ids"]) for r in rows)
    ids = torch.full((len(rows), longest), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), longest), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), longest), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[i, :n], labels[i, :n], mask[i, :n] = torch.tensor(r["input_ids"]), torch.tensor(r["labels"]), 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _rows(dataset) -> list[dict[str, Any]]:
    if isinstance(dataset, list):
        return dataset
    table = dataset.select_columns(["input_ids", "labels"]).to_dict()
    return [{"input_ids": i, "labels": lab} for i, lab in zip(table["input_ids"], table["labels"])]


class ReferenceStage:
    """Stage ``preference.reference``: output ``reference`` = ``{"logps": {split: [[chosen, rejected], ...]},
    "prefers_chosen": {split: share}}``."""

    def run(self, stage, inputs, ctx):
        """Score every pair of the train and eval splits with the starting model; write ``reference.json``."""
        p = stage.params
        tokenizer = inputs.get("tokenizer")
        pad = getattr(tokenizer, "pad_token_id", None)
        net = starting_model(p["model"], int(p["seed"]), tokenizer, p.get("precision", "fp32"))
        logps, prefers = {}, {}
        for split in ("train", "eval"):
            if inputs.get(split) is None:
                continue
            values = split_logps(net, _rows(inputs[split]), pad if pad is not None else 0)
            logps[split] = values
            prefers[split] = sum(c > r for c, r in values) / len(values) if values else None
            if values:
                ctx.log(f"reference: the starting model prefers the chosen answer in {prefers[split]:.0%} of "
                        f"the {len(values)} {split} pairs")
        result = {"logps": logps, "prefers_chosen": prefers}
        path = Path(ctx.output_dir) / "reference.json"
        path.write_text(json.dumps(result), encoding="utf-8")
        return {"reference": result}

    def load(self, stage, ctx):
        """The cached ``reference.json``."""
        return {"reference": json.loads((Path(ctx.output_dir) / "reference.json").read_text(encoding="utf-8"))}
