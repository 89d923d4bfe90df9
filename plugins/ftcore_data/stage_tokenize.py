"""Stage ``data.<label>.tokenize``: rows → model inputs with the format and tokenizer; packing; info.

Outputs one ``tokenized`` dataset per split (columns ``input_ids``, ``attention_mask``,
``labels`` and ``_loc``; packed training rows have ``seq_lens`` instead of ``_loc``), ``info``
(the ``data_info`` contract in docs/data.md) and ``report`` (rows in/out, truncation and drop
counts, token-length percentiles).

The format is reached through its component entry ``stage.params["format"]`` and the
:class:`ftcore.api.Format` contract only: ``check_tokenizer`` once, ``prepare`` once over the
split rows (its ``label_names`` become the data info's label set), ``encode`` for every row.
"""

from __future__ import annotations

from collections import Counter

from ftcore.api import RunError

from ftcore_data import dispatch, store
from ftcore_data.packing import pack_dataset


def percentiles(lengths: list[int]) -> dict[str, int]:
    """p50, p90, p99 and max of token lengths (nearest rank)."""
    if not lengths:
        return {}
    ordered = sorted(lengths)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": ordered[-1]}


def _encoder(stage, tokenizer, fmt, state):
    p = stage.params
    entry = p["format"]
    name = entry["component"].partition(":")[2]
    args, max_length, overlength = entry["args"], p["max_length"], p["overlength"]
    empty = [] if fmt.label_kind == "tokens" else -1  # labels of a dropped row, of the column's type

    def run(batch):
        keys = list(batch)
        out = {"input_ids": [], "attention_mask": [], "labels": [], "_loc": [], "_full": [], "_trunc": [],
               "_drop": []}
        for i in range(len(batch["_loc"])):
            row = {k: batch[k][i] for k in keys}
            try:
                enc = fmt.encode(row, tokenizer, max_length, args, state, overlength)
            except (KeyError, IndexError, ValueError) as exc:
                raise RunError(f"{row['_loc']}: cannot encode the row with format {name}: {exc}") from None
            except (RunError, dispatch.PluginError):
                raise
            except Exception as exc:  # the format's code, whatever it raised
                raise dispatch.blame(entry, f"encoding {row['_loc']}: {type(exc).__name__}: {exc}") from exc
            if enc is None or not hasattr(enc, "input_ids"):
                raise dispatch.blame(entry, f"encode() returned {type(enc).__name__}, not an Encoded")
            out["input_ids"].append(enc.input_ids)
            out["attention_mask"].append([1] * len(enc.input_ids))
            out["labels"].append(enc.labels if enc.labels is not None else empty)
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
        fmt_entry = p["format"]
        fmt_name = fmt_entry["component"].partition(":")[2]
        fmt = dispatch.instance(fmt_entry)
        problem = dispatch.call(fmt_entry, fmt.check_tokenizer, tokenizer, fmt_entry["args"])
        if problem:
            raise RunError(str(problem))
        splits = {k: inputs[k] for k in p["splits"]}
        state = dict(dispatch.call(fmt_entry, fmt.prepare, splits, fmt_entry["args"]) or {})
        names = state.get("label_names")
        names = [str(n) for n in names] if names is not None else None
        report = {"stage": "tokenize", "splits": {}}
        rows_out = {}
        for split in p["splits"]:
            rows = inputs[split]
            enc = rows.map(_encoder(stage, tokenizer, fmt, state), batched=True, remove_columns=rows.column_names,
                           **store.map_args(ctx, rows, f"enc-{split}"))
            empty = "_drop" not in enc.column_names  # datasets maps an empty split to one without columns
            drops = Counter(d for d in store.column(enc, "_drop") if d) if not empty else Counter()
            entry = {"rows_in": len(rows), "truncated": 0 if empty else int(sum(store.column(enc, "_trunc"))),
                     "dropped": dict(drops.most_common()),
                     "token_lengths": percentiles([] if empty else store.column(enc, "_full"))}
            if drops:
                enc = enc.filter(lambda d: not d, input_columns=["_drop"], **store.map_args(ctx, enc, "keep"))
            if not empty:
                enc = enc.remove_columns(["_full", "_trunc", "_drop"])
            if p["pack"] and split == "train" and len(enc):
                enc = pack_dataset(enc, p["max_length"], store.map_args(ctx, enc, "pack"))
                entry["packed_sequences"] = len(enc)
            entry["rows_out"] = len(enc)
            if names and split != "train" and p.get("label_fields"):
                field = p["label_fields"][0]
                unseen = sorted(set(rows.unique(field)) - set(inputs["train"].unique(field)))
                if unseen:
                    entry["labels_not_in_train"] = unseen
            report["splits"][split] = entry
            rows_out[split] = len(enc)
            store.save_dataset(ctx, split, enc)
            ctx.log(f"{split}: {entry['rows_out']} rows, {entry['truncated']} truncated")
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        info = {"task": p["task"], "format": fmt_name, "label_names": names, "max_length": p["max_length"],
                "packing": bool(p["pack"]), "pad_token_id": pad if pad is not None else 0, "rows": rows_out,
                "splits": list(p["splits"])}
        store.clear_work(ctx)
        store.save_json(ctx, "info", info)
        store.save_json(ctx, "report", report)
        return {}

    @staticmethod
    def load(stage, ctx):
        """The saved splits, info and report, each read on first use."""
        return store.load_outputs(ctx, list(stage.params["splits"]), ["info", "report"])
