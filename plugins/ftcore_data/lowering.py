"""Lowering a ``data`` block to stages: load → validate → clean → split → tokenize.

Stage ids are ``data.<label>.<step>``; the ``clean`` stage is left out when the block has no
cleaners. The final stage, ``data.<label>.tokenize``, outputs ``train``/``eval``/``test``
(type ``tokenized``, only the splits the recipe defines) and ``info`` (type ``data_info``).
"""

from __future__ import annotations

from ftcore.plugins.schema import BoundComponent, Portion, to_json

from ftcore_data.fields import needed_fields
from ftcore_data.rules import source_path, split_sources
from ftcore_data.spec import FORMATS

PLUGIN = "data"
TOKENIZER_OUTPUT = "model.tokenizer.tokenizer"
DEFAULT_MAX_LENGTH = 512
FORMAT_TASK = {name: tasks[0] for name, _, tasks, _ in FORMATS}


def _source_entry(src: BoundComponent, recipe_path: str, registry, split: str | None) -> dict:
    spec = registry.component("source", src.name)
    path = source_path(src, recipe_path)
    args = {k: to_json(v) for k, v in src.args.items() if k != "weight"}
    return {"source": src.name, "impl": spec.impl if spec else None, "args": args,
            "path": str(path) if path is not None else None,
            "weight": float(src.args.get("weight", 1.0)), "split": split}


def _portion(value) -> dict | str | None:
    if isinstance(value, Portion):
        return value.to_json()
    if isinstance(value, BoundComponent):
        return "source"
    return None


def lower_data_block(block, recipe, graph, registry) -> None:
    """Add the stages of one data block to ``graph``."""
    label = block.label
    prefix = f"data.{label}"
    split = dict(block.get("split") or {})
    sources = [_source_entry(s, recipe.path, registry, None) for s in block.get("source") or []]
    for name, comp in split_sources(split).items():
        sources.append(_source_entry(comp, recipe.path, registry, name))
    fmt: BoundComponent = block["format"]
    cleaners = [(c.name, dict(c.args)) for c in block.get("clean") or []]
    method = split.get("by")
    hash_field = method.args["field"] if isinstance(method, BoundComponent) and method.name == "hash" else None
    fields = needed_fields(fmt.name, fmt.args, cleaners, split.get("stratify"), hash_field)

    graph.add_stage(f"{prefix}.load", "data.load", PLUGIN, params={"sources": sources},
                    outputs={"rows": "rows", "report": "data_report"}, impl="ftcore_data.stage_load:LoadStage",
                    doc=f"read {len(sources)} source(s), keeping each row's file and line",
                    span=block.span_of("source"),
                    content_inputs=[s["path"] for s in sources if s["path"] is not None])
    labels = list(fmt.args.get("labels") or []) if fmt.name == "classification" else []
    graph.add_stage(f"{prefix}.validate", "data.validate", PLUGIN,
                    params={"fields": fields, **dict(block.get("validate") or {"on_error": "skip", "max_bad": 0.05}),
                            "labels": labels, "label_field": fmt.args.get("label") if labels else None},
                    inputs={"rows": f"{prefix}.load.rows"}, outputs={"rows": "rows", "report": "data_report"},
                    impl="ftcore_data.stage_validate:ValidateStage",
                    doc="check every row has the fields and types the format needs", span=block.span_of("validate"))
    rows = f"{prefix}.validate.rows"
    if cleaners:
        inputs = {"rows": rows}
        if any(registry.component("cleaner", n) and registry.component("cleaner", n).meta.get("needs_tokenizer")
               for n, _ in cleaners):
            inputs["tokenizer"] = TOKENIZER_OUTPUT
        graph.add_stage(f"{prefix}.clean", "data.clean", PLUGIN,
                        params={"steps": [{"step": n, "args": to_json(a)} for n, a in cleaners]},
                        inputs=inputs, outputs={"rows": "rows", "report": "data_report"},
                        impl="ftcore_data.stage_clean:CleanStage",
                        doc=", ".join(n for n, _ in cleaners), span=block.span_of("clean"))
        rows = f"{prefix}.clean.rows"
    recipe_block = recipe.block("recipe")
    seed = recipe_block.get("seed", 42) if recipe_block is not None else 42
    shares = {k: _portion(split.get(k)) for k in ("train", "eval", "test")}
    defined = ["train"] + [k for k in ("eval", "test") if shares[k] is not None]
    graph.add_stage(f"{prefix}.split", "data.split", PLUGIN,
                    params={"shares": shares, "stratify": split.get("stratify"), "hash_field": hash_field,
                            "seed": seed, "sources": [{"weight": s["weight"], "split": s["split"]} for s in sources]},
                    inputs={"rows": rows}, outputs={**{k: "rows" for k in defined}, "report": "data_report"},
                    impl="ftcore_data.stage_split:SplitStage",
                    doc=" / ".join(f"{k} {_show(shares[k])}" for k in defined), span=block.span_of("split"))
    model = recipe.block("model")
    max_length = block.get("max_length") or (model.get("max_length") if model is not None else None) \
        or DEFAULT_MAX_LENGTH
    task = (model.get("task") if model is not None else None) or FORMAT_TASK.get(fmt.name)
    graph.add_stage(f"{prefix}.tokenize", "data.tokenize", PLUGIN,
                    params={"format": {"name": fmt.name, "args": to_json(fmt.args)}, "task": task,
                            "max_length": int(max_length), "overlength": block.get("overlength", "truncate"),
                            "pack": bool(block.get("pack", False)), "splits": defined},
                    inputs={**{k: f"{prefix}.split.{k}" for k in defined}, "tokenizer": TOKENIZER_OUTPUT},
                    outputs={**{k: "tokenized" for k in defined}, "info": "data_info", "report": "data_report"},
                    impl="ftcore_data.stage_tokenize:TokenizeStage",
                    doc=f"{fmt.name} format, max_length {max_length}" + (", packed" if block.get("pack") else ""),
                    span=block.span_of("format"))


def _show(share) -> str:
    if share is None:
        return "the rest"
    if share == "source":
        return "own source"
    return f"{share['fraction'] * 100:g}%" if "fraction" in share else str(share["count"])
