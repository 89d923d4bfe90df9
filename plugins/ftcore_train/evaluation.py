"""Evaluation: a model over a split, batch by batch, feeding exactly what the metrics need.

:func:`evaluate` runs the forward pass only when some metric needs ``loss``, ``predictions`` or
``logits``, and generates answers only when one needs ``generations``; it builds one
:class:`~ftcore.api.EvalBatch` per batch with just those fields, hands it to the
:class:`~ftcore_train.metric_set.MetricSet`, and merges the metrics of all processes at the end.
Every process runs the same number of batches (padding examples of the last ones are masked
out), as ZeRO-3 requires.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ftcore.api import EvalBatch
from ftcore_train.losses import loss_and_count, model_inputs
from ftcore_train.metric_set import MetricSet
from ftcore_train.ordering import eval_shards

SCORED = ("loss", "predictions", "logits")


def scored_positions(logits, labels, task: str):
    """``(logits [n, classes], labels [n])`` of every scored position (causal LMs predict the next token)."""
    if task == "causal_lm":
        logits, labels = logits[:, :-1, :], labels[:, 1:]
    if logits.dim() == 3:
        logits, labels = logits.reshape(-1, logits.size(-1)), labels.reshape(-1)
    keep = labels != -100
    return logits[keep], labels[keep]


def _scored_batch(model, batch: dict, valid: list[bool], task: str, needs: frozenset, device) -> EvalBatch:
    import torch

    labels = batch["labels"].clone()
    invalid = ~torch.tensor(valid)
    if labels.dim() == 1:
        labels[invalid] = -100
    else:
        labels[invalid, :] = -100
    batch["labels"] = labels
    if device is not None:
        batch = {k: v.to(device) if hasattr(v, "to") else v for k, v in batch.items()}
    logits = model(**model_inputs(batch, task)).logits
    out = EvalBatch(size=sum(valid))
    if "loss" in needs:
        loss, n = loss_and_count(logits, batch["labels"], task, 0.0, reduction="sum")
        out.loss_sum, out.count = float(loss.double().cpu()), int(n.cpu())
    if needs & {"predictions", "logits"}:
        scored, truth = scored_positions(logits, batch["labels"], task)
        out.labels = truth.cpu()
        if "predictions" in needs:
            out.predictions = scored.argmax(-1).cpu()
        if "logits" in needs:
            out.logits = scored.float().cpu()
    return out


def _generations(model, rows: list[dict], valid: list[bool], metrics: MetricSet, *, task: str, tokenizer,
                 device, synced: bool) -> tuple[dict[int, list[str]], list[str], list[str]]:
    """Answers (cut to each requested length), references and prompts of the batch's valid examples."""
    from ftcore_train.generation import decode, examples_of, generate

    examples, keep = [], []
    for row, ok in zip(rows, valid):
        found = examples_of(row, task)
        examples += found
        keep += [ok] * len(found)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    # padding examples are answered too: with ZeRO-3 every process must take part in every step
    answers = generate(model, [e.prompt for e in examples], task=task, max_new_tokens=max(metrics.lengths),
                       pad_id=pad if pad is not None else 0, eos_id=tokenizer.eos_token_id, device=device,
                       synced=synced) if examples else []
    chosen = [i for i, ok in enumerate(keep) if ok]
    generated = {n: [decode(tokenizer, answers[i][:n]) for i in chosen] for n in metrics.lengths}
    return (generated, [decode(tokenizer, examples[i].reference) for i in chosen],
            [decode(tokenizer, examples[i].prompt) for i in chosen])


def evaluate(model, rows, collate: Callable, metrics: MetricSet, *, task: str, batch: int, tokenizer=None,
             rank: int = 0, world: int = 1, device=None,
             all_gather: Optional[Callable[[Any], list]] = None) -> dict[str, float]:
    """The values of ``metrics`` for ``model`` (a module or DeepSpeed engine) on ``rows``.

    ``rows`` has ``take(indices)`` and ``len``; ``collate`` pads a list of rows into tensors;
    ``tokenizer`` decodes generated answers (needed only for generation metrics);
    ``all_gather(obj)`` returns every process's ``obj`` (None with one process).
    """
    import torch

    needs = metrics.needs
    if "generations" in needs and tokenizer is None:
        raise ValueError("generation metrics need the tokenizer to decode answers")
    with torch.no_grad():
        for indices, valid in eval_shards(len(rows), batch, rank, world):
            taken = rows.take(indices)
            if needs & set(SCORED):
                out = _scored_batch(model, collate(taken), valid, task, needs, device)
            else:
                out = EvalBatch(size=sum(valid))
            generated = None
            if "generations" in needs:
                generated, out.references, out.prompts = _generations(
                    model, taken, valid, metrics, task=task, tokenizer=tokenizer, device=device, synced=world > 1)
                out.generated = generated[max(metrics.lengths)]
            metrics.update(out, generated)
    metrics.gather(all_gather)
    return metrics.compute()
