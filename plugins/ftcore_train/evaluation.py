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


def _generations(model, rows: list[dict], indices: list[int], valid: list[bool], lengths: list[int], *, task: str,
                 tokenizer, device, synced: bool, settings) -> tuple[dict[int, list[str]], EvalBatch, list[int]]:
    """Answers cut to each of ``lengths``, and a batch holding the references, prompts and stops of the
    valid examples, with the row index of each."""
    from ftcore_train.generation import decode, examples_of, generate

    examples, keep, where = [], [], []
    for row, index, ok in zip(rows, indices, valid):
        found = examples_of(row, task)
        examples += found
        keep += [ok] * len(found)
        where += [index] * len(found)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    stops: list[str] = []
    # padding examples are answered too: with ZeRO-3 every process must take part in every step
    answers = generate(model, [e.prompt for e in examples], task=task, max_new_tokens=max(lengths),
                       pad_id=pad if pad is not None else 0, eos_id=tokenizer.eos_token_id, device=device,
                       synced=synced, settings=settings, stops=stops) if examples else []
    chosen = [i for i, ok in enumerate(keep) if ok]
    generated = {n: [decode(tokenizer, answers[i][:n]) for i in chosen] for n in lengths}
    batch = EvalBatch(references=[decode(tokenizer, examples[i].reference) for i in chosen],
                      prompts=[decode(tokenizer, examples[i].prompt) for i in chosen],
                      stopped=[stops[i] for i in chosen])
    return generated, batch, [where[i] for i in chosen]


def _classifier_records(tokenizer, taken: list[dict], indices: list[int], valid: list[bool], out: EvalBatch,
                        names) -> list[dict]:
    """One record per valid example of a classification batch: input text, label and prediction."""
    label = lambda c: names[c] if 0 <= c < len(names) else str(c)  # noqa: E731
    kept = [(i, row) for i, row, ok in zip(indices, taken, valid) if ok]
    truths, predictions = out.labels.tolist(), out.predictions.tolist()
    records = []
    for (index, row), truth, predicted in zip(kept, truths, predictions):
        record = {"index": index}
        if tokenizer is not None:
            record["input"] = tokenizer.decode(list(row["input_ids"]), skip_special_tokens=True).strip()
        record.update(reference=label(int(truth)), prediction=label(int(predicted)))
        records.append(record)
    return records


def evaluate(model, rows, collate: Callable, metrics: MetricSet, *, task: str, batch: int, tokenizer=None,
             rank: int = 0, world: int = 1, device=None, all_gather: Optional[Callable[[Any], list]] = None,
             settings=None, records: Optional[list[dict]] = None) -> dict[str, float]:
    """The values of ``metrics`` for ``model`` (a module or DeepSpeed engine) on ``rows``.

    ``rows`` has ``take(indices)`` and ``len``; ``collate`` pads a list of rows into tensors;
    ``tokenizer`` decodes generated answers (needed only for generation metrics);
    ``all_gather(obj)`` returns every process's ``obj`` (None with one process);
    ``settings`` (:class:`~ftcore_train.generation.GenerationSettings`) chooses greedy or sampled
    decoding and may fix the answer length; ``records``, when given, receives one dict per
    example (classifiers and generation metrics), in example order, on every process.
    """
    import torch

    needs = metrics.needs
    if "generations" in needs and tokenizer is None:
        raise ValueError("generation metrics need the tokenizer to decode answers")
    lengths = metrics.lengths
    if settings is not None and settings.max_new_tokens and lengths:
        lengths = [int(settings.max_new_tokens)]
    forward = set(needs)
    if records is not None and task == "classification":
        forward.add("predictions")  # the predicted class of every example goes into its record
    mine: list[dict] = []
    with torch.no_grad():
        for indices, valid in eval_shards(len(rows), batch, rank, world):
            taken = rows.take(indices)
            if forward & set(SCORED):
                out = _scored_batch(model, collate(taken), valid, task, frozenset(forward), device)
            else:
                out = EvalBatch(size=sum(valid))
            generated, found = None, []
            if "generations" in needs:
                generated, texts, where = _generations(model, taken, indices, valid, lengths, task=task,
                                                       tokenizer=tokenizer, device=device, synced=world > 1,
                                                       settings=settings)
                out.references, out.prompts, out.stopped = texts.references, texts.prompts, texts.stopped
                out.generated = generated[max(lengths)]
                if lengths != metrics.lengths:  # one length fixed by the settings serves every metric
                    generated = {n: generated[lengths[0]] for n in metrics.lengths}
                found = [{"index": i, "prompt": p, "reference": r, "generated": g, "stopped": s}
                         for i, p, r, g, s in zip(where, out.prompts, out.references, out.generated, out.stopped)]
            elif records is not None and task == "classification":
                found = _classifier_records(tokenizer, taken, indices, valid, out, metrics.info.label_names)
            if records is not None and found:
                scores = metrics.per_example(out, generated)
                for record, score in zip(found, scores or [{}] * len(found)):
                    record["scores"] = score
                mine += found
            metrics.update(out, generated)
    metrics.gather(all_gather)
    if records is not None:
        every = [r for part in all_gather(mine) for r in part] if all_gather is not None else mine
        records += sorted(every, key=lambda r: r["index"])
    return metrics.compute()
