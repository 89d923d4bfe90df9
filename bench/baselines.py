"""The three loops ftcore is measured against, each training exactly what an ftcore run trained.

    python -m bench.baselines VARIANT DUMP_DIR RECORD.json      (VARIANT: deepspeed, torch, hf_trainer)

``DUMP_DIR`` is what :mod:`bench.trace_ftcore` wrote during the ftcore run: the tokenized training
rows, the micro-batches in the order ftcore took them, the initial weights (``init/``) and the
DeepSpeed config ftcore generated. Each loop pads its batches the plain way (right padding,
labels -100 on padding), takes the loss the model returns, and times each optimizer step from the
end of the previous one (collation, forward, backward, optimizer step and whatever bookkeeping the
loop does in between), as the ftcore trace does.

- ``deepspeed``: a hand-written loop on ``deepspeed.initialize`` with the same config;
- ``torch``: ``torch.optim.AdamW`` with the config's learning rate, betas and eps, no DeepSpeed;
- ``hf_trainer``: the Hugging Face ``Trainer`` with the same optimizer settings, constant learning
  rate, no clipping, and a sampler that replays ftcore's order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.probe import Recorder


def load(dump: Path) -> tuple[list[dict], list[list[int]], dict, dict]:
    """Rows, micro-batches, DeepSpeed config and meta data of an ftcore run."""
    rows = json.loads((dump / "rows.json").read_text())
    batches = json.loads((dump / "batches.json").read_text())
    config = json.loads((dump / "ds_config.json").read_text())
    meta = json.loads((dump / "meta.json").read_text())
    return rows, batches, config, meta


def collate(rows: list[dict], pad: int) -> dict:
    """Right-pad ``input_ids`` (pad id), ``attention_mask`` (0) and token labels (-100)."""
    import torch

    length = max(len(r["input_ids"]) for r in rows)

    def pad_to(seqs, value):
        out = torch.full((len(seqs), length), value, dtype=torch.long)
        for i, s in enumerate(seqs):
            out[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        return out

    batch = {"input_ids": pad_to([r["input_ids"] for r in rows], pad),
             "attention_mask": pad_to([r["attention_mask"] for r in rows], 0)}
    labels = [r["labels"] for r in rows]
    batch["labels"] = pad_to(labels, -100) if isinstance(labels[0], list) else torch.tensor(labels)
    return batch


def model_class(task: str):
    """The transformers Auto class ftcore used for ``task``."""
    import transformers

    return {"causal_lm": transformers.AutoModelForCausalLM,
            "classification": transformers.AutoModelForSequenceClassification}[task]


def optimizer_settings(config: dict) -> dict[str, Any]:
    """lr, betas, eps and weight decay from the DeepSpeed config's optimizer section."""
    p = config["optimizer"]["params"]
    return {"lr": p["lr"], "betas": tuple(p.get("betas", (0.9, 0.999))), "eps": p.get("eps", 1e-8),
            "weight_decay": p.get("weight_decay", 0.0)}


def device_and_dtype(config: dict):
    """The GPU when there is one; bf16 when the DeepSpeed config trains in bf16."""
    import torch

    bf16 = bool((config.get("bf16") or {}).get("enabled"))
    return torch.device("cuda" if torch.cuda.is_available() else "cpu"), (torch.bfloat16 if bf16 else None)


def to_device(batch: dict, device) -> dict:
    """The batch's tensors on ``device``."""
    return {k: v.to(device) for k, v in batch.items()}


def step_record(rec: Recorder, batch: dict, loss) -> None:
    """One optimizer step's end time, non-padding tokens and loss."""
    rec.steps.append({"end": rec.now(), "tokens": int(batch["attention_mask"].sum()), "loss": float(loss)})


def run_deepspeed(rec: Recorder, dump: Path) -> None:
    """A hand-written loop on the DeepSpeed engine, ftcore's config unchanged."""
    rows, batches, config, meta = load(dump)
    with rec.phase("imports"):
        import deepspeed
        import torch  # noqa: F401
    with rec.phase("model build"):
        model = model_class(meta["task"]).from_pretrained(dump / "init")
    with rec.phase("deepspeed init"):
        _, dtype = device_and_dtype(config)
        if dtype is not None:
            model = model.to(dtype)  # as ftcore does for bf16
        engine, _, _, _ = deepspeed.initialize(model=model, model_parameters=model.parameters(), config=config)
    engine.train()
    for indices in batches:
        with rec.phase("steps"):
            batch = to_device(collate([rows[i] for i in indices], meta["pad_token_id"]), engine.device)
            loss = engine(**batch).loss
            engine.backward(loss)
            engine.step()
        step_record(rec, batch, loss.detach())


def run_torch(rec: Recorder, dump: Path) -> None:
    """A plain PyTorch loop with ``torch.optim.AdamW`` (fp32 weights, bf16 autocast when the run is bf16)."""
    rows, batches, config, meta = load(dump)
    with rec.phase("imports"):
        import torch
    device, dtype = device_and_dtype(config)
    with rec.phase("model build"):
        model = model_class(meta["task"]).from_pretrained(dump / "init").to(device)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), **optimizer_settings(config))
    for indices in batches:
        with rec.phase("steps"):
            batch = to_device(collate([rows[i] for i in indices], meta["pad_token_id"]), device)
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                loss = model(**batch).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        step_record(rec, batch, loss.detach())


def run_hf_trainer(rec: Recorder, dump: Path) -> None:
    """The Hugging Face Trainer, replaying ftcore's batches in order."""
    rows, batches, config, meta = load(dump)
    with rec.phase("imports"):
        import torch
        from transformers import Trainer, TrainerCallback, TrainingArguments
    with rec.phase("model build"):
        model = model_class(meta["task"]).from_pretrained(dump / "init")
    order = [i for indices in batches for i in indices]
    size = len(batches[0])
    opt = optimizer_settings(config)
    losses: list[float] = []
    tokens: list[int] = []

    class Replay(torch.utils.data.Dataset):
        def __len__(self):
            return len(order)

        def __getitem__(self, i):
            return rows[order[i]]

    class Recording(Trainer):
        def _get_train_sampler(self, *args, **kwargs):
            return torch.utils.data.SequentialSampler(self.train_dataset)

        def compute_loss(self, model, inputs, *args, **kwargs):
            tokens.append(int(inputs["attention_mask"].sum()))
            out = super().compute_loss(model, inputs, *args, **kwargs)
            loss = out[0] if isinstance(out, tuple) else out
            losses.append(float(loss.detach()))
            return out

    class StepEnd(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            rec.steps.append({"end": rec.now(), "tokens": tokens[-1], "loss": losses[-1]})

    args = TrainingArguments(output_dir=str(dump / "hf_trainer"), per_device_train_batch_size=size,
                             max_steps=len(batches), learning_rate=opt["lr"], adam_beta1=opt["betas"][0],
                             adam_beta2=opt["betas"][1], adam_epsilon=opt["eps"], weight_decay=opt["weight_decay"],
                             lr_scheduler_type="constant", warmup_steps=0, max_grad_norm=0.0, logging_strategy="no",
                             save_strategy="no", report_to=[], disable_tqdm=True,
                             use_cpu=not torch.cuda.is_available(), bf16=device_and_dtype(config)[1] is not None,
                             dataloader_num_workers=0, remove_unused_columns=False, seed=meta["seed"])
    with rec.phase("trainer init"):
        trainer = Recording(model=model, args=args, train_dataset=Replay(),
                            data_collator=lambda r: collate(r, meta["pad_token_id"]), callbacks=[StepEnd()])
    with rec.phase("steps"):
        trainer.train()


VARIANTS = {"deepspeed": run_deepspeed, "torch": run_torch, "hf_trainer": run_hf_trainer}


def main(argv: list[str]) -> int:
    """Run one baseline; see the module docstring."""
    variant, dump, record = argv[0], Path(argv[1]), Path(argv[2])
    rec = Recorder()
    VARIANTS[variant](rec, dump)
    rec.mark("exit")
    rec.write(record, code=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
