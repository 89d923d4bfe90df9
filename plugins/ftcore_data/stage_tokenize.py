"""Stage ``data.<label>.tokenize``: rows → model inputs with the format and tokenizer; packing; info.

Outputs one ``tokenized`` dataset per split (columns ``input_ids``, ``attention_mask``,
``labels`` and ``_loc``; packed training rows have ``seq_lens`` instead of ``_loc``), ``info``
(the ``data_info`` contract in docs/data.md) and ``report`` (rows in/out, truncation and drop
counts, token-length percentiles).
"""

from __future__ import annotations

from collections import Counter

from ftcore.runtime.errors import RunError

from ftcore_data import formats, store
from ftcore_data.packing import pack_dataset


def percentiles(lengths: list[int]) -> dict[str, int]:
    """p50, p90, p99 and max of token lengths (nearest rank)."""
    if not lengths:
        return {}
    ordered = sorted(lengths)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": ordered[-1]}


def label_names(stage, inputs) -> list[str] | None:
    """The classification label set: the format's ``labels`` list, or every label seen, sorted."""
    fmt = stage.params["format"]
    if fmt["name"] != "classification":
        return None
    if fmt["args"].get("labels"):
        return list(fmt["args"]["labels"])
    seen: set[str] = set()
    for name in stage.params["splits"]:
        seen.update(inputs[name].unique(fmt["args"]["label"]))
    return sorted(seen, key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit() else 0, v))


def _encoder(stage, tokenizer, fmt_ctx):
    p = stage.params
    encode = formats.get(p["format"]["name"])
    args, max_length, overlength = p["format"]["args"], p["max_length"], p["overlength"]

    def run(batch):
        keys = list(batch)
        out = {"input_ids": [], "attention_mask": [], "labels": [], "_loc": [], "_full": [], "_trunc": [],
               "_drop": []}
        for i in range(len(batch["_loc"])):
            row = {k: batch[k][i] for k in keys}
            try:
                enc = encode(row, tokenizer, max_length, args, fmt_ctx, overlength)
            except (KeyError, IndexError, ValueError) as exc:
                raise RunError(f"{row['_loc']}: cannot encode the row with format "
                               f"{p['format']['name']}: {exc}") from None
            out["input_ids"].append(enc.input_ids)
            out["attention_mask"].append([1] * len(enc.input_ids))
            out["labels"].append(enc.labels if enc.labels is not None else ([] if fmt_ctx["causal"] else -1))
            out["_loc"].append(row["_loc"])
            out["_full"].append(enc.full_length)
            out["_trunc"].append(enc.truncated)
            out["_drop"].append(enc.drop)
        return out

    return run


class TokenizeStage:
    """Encodes every split with the format; packs the training split when asked."""

    @staticmethod
    def run(stage, inputs, ctx):
        """Encode, count truncations and drops, pack, save splits, info and report."""
        p = stage.params
        tokenizer = inputs["tokenizer"]
        fmt = p["format"]["name"]
        if fmt == "chat" and not getattr(tokenizer, "chat_template", None):
            raise RunError("format chat needs a tokenizer with a chat template, and this one has none",
                           "use a chat model's tokenizer, or the instruction format with a template")
        names = label_names(stage, inputs)
        fmt_ctx = {"label_index": {n: i for i, n in enumerate(names or [])}, "causal": fmt != "classification"}
        report = {"stage": "tokenize", "splits": {}}
        rows_out = {}
        for split in p["splits"]:
            rows = inputs[split]
            enc = rows.map(_encoder(stage, tokenizer, fmt_ctx), batched=True, remove_columns=rows.column_names,
                           **store.map_args(ctx, rows, f"enc-{split}"))
            drops = Counter(d for d in enc["_drop"] if d)
            entry = {"rows_in": len(rows), "truncated": int(sum(enc["_trunc"])),
                     "dropped": dict(drops.most_common()), "token_lengths": percentiles(enc["_full"])}
            if drops:
                enc = enc.filter(lambda d: not d, input_columns=["_drop"], **store.map_args(ctx, enc, "keep"))
            enc = enc.remove_columns(["_full", "_trunc", "_drop"])
            if p["pack"] and split == "train":
                enc = pack_dataset(enc, p["max_length"], store.map_args(ctx, enc, "pack"))
                entry["packed_sequences"] = len(enc)
            entry["rows_out"] = len(enc)
            if names and split != "train":
                unseen = sorted(set(rows.unique(p["format"]["args"]["label"])) -
                                set(inputs["train"].unique(p["format"]["args"]["label"])))
                if unseen:
                    entry["labels_not_in_train"] = unseen
            report["splits"][split] = entry
            rows_out[split] = len(enc)
            store.save_dataset(ctx, split, enc)
            ctx.log(f"{split}: {entry['rows_out']} rows, {entry['truncated']} truncated")
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        info = {"task": p["task"], "format": fmt, "label_names": names, "max_length": p["max_length"],
                "packing": bool(p["pack"]), "pad_token_id": pad if pad is not None else 0, "rows": rows_out,
                "splits": list(p["splits"])}
        store.clear_work(ctx)
        store.save_json(ctx, "info", info)
        store.save_json(ctx, "report", report)
        return {}

    @staticmethod
    def load(stage, ctx):
        """Read the saved splits, info and report."""
        out = {name: store.load_dataset(ctx, name) for name in stage.params["splits"]}
        out["info"] = store.load_json(ctx, "info")
        out["report"] = store.load_json(ctx, "report")
        return out
