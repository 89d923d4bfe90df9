"""Lowering a ``data`` block to stages: load → validate → clean → split → tokenize.

Stage ids are ``data.<label>.<step>``; the ``clean`` stage is left out when the block has no
cleaners. The final stage, ``data.<label>.tokenize``, outputs ``train``/``eval``/``test``
(type ``tokenized``, only the splits the recipe defines) and ``info`` (type ``data_info``).

Every component reaches its stage as a component entry (:mod:`ftcore_data.dispatch`): the
stage's fingerprint then holds the distribution and version of the code that runs it, and the
stage calls that code through its contract. What validation checks comes from the format's
``fields`` and ``fixed_labels``; the task from the format's declared ``tasks``.
"""

from __future__ import annotations

from ftcore.api import BoundComponent, Portion

from ftcore_data import dispatch
from ftcore_data.fields import needed_fields
from ftcore_data.rules import split_sources

PLUGIN = "data"
TOKENIZER_OUTPUT = "model.tokenizer.tokenizer"
DEFAULT_MAX_LENGTH = 512


def _source_item(src: BoundComponent, registry, split: str | None) -> dict:
    """A source's entry, with the weight of its rows in training and the split it feeds (None: all)."""
    return {**dispatch.entry_of(src, registry), "weight": float(src.args.get("weight", 1.0)), "split": split}


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
    sources = [_source_item(s, registry, None) for s in block.get("source") or []]
    for name, comp in split_sources(split).items():
        sources.append(_source_item(comp, registry, name))
    fmt: BoundComponent = block["format"]
    fmt_entry = dispatch.entry_of(fmt, registry)
    fmt_obj = dispatch.instance(fmt_entry)
    fmt_fields = dict(dispatch.call(fmt_entry, fmt_obj.fields, fmt_entry["args"]))
    fixed = dispatch.call(fmt_entry, fmt_obj.fixed_labels, fmt_entry["args"])
    label_fields = [name for name, kind in fmt_fields.items() if kind == "label"]
    steps = [dispatch.entry_of(c, registry) for c in block.get("clean") or []]
    method = split.get("by")
    method_entry = dispatch.entry_of(method, registry) if isinstance(method, BoundComponent) else \
        dispatch.default_entry("split_method", "random", registry)
    fields = needed_fields(fmt_fields, [s["args"].get("field") for s in steps], split.get("stratify"),
                           method_entry["args"].get("field"))

    graph.add_stage(f"{prefix}.load", "data.load", PLUGIN, params={"sources": sources},
                    outputs={"rows": "rows", "report": "data_report"}, impl="ftcore_data.stage_load:LoadStage",
                    doc=f"read {len(sources)} source(s), keeping each row's file and line",
                    span=block.span_of("source"),
                    content_inputs=[p for s in sources for _, p in sorted((s.get("paths") or {}).items())])
    labels = list(fixed or []) if label_fields else []
    graph.add_stage(f"{prefix}.validate", "data.validate", PLUGIN,
                    params={"fields": fields, **dict(block.get("validate") or {"on_error": "skip", "max_bad": 0.05}),
                            "labels": labels, "label_field": label_fields[0] if labels else None},
                    inputs={"rows": f"{prefix}.load.rows"}, outputs={"rows": "rows", "report": "data_report"},
                    impl="ftcore_data.stage_validate:ValidateStage",
                    doc="check every row has the fields and types the format needs", span=block.span_of("validate"))
    rows = f"{prefix}.validate.rows"
    if steps:
        inputs = {"rows": rows}
        if any(registry.component("cleaner", c.name) and registry.component("cleaner", c.name).meta.get(
                "needs_tokenizer") for c in block.get("clean") or []):
            inputs["tokenizer"] = TOKENIZER_OUTPUT
        graph.add_stage(f"{prefix}.clean", "data.clean", PLUGIN, params={"steps": steps},
                        inputs=inputs, outputs={"rows": "rows", "report": "data_report"},
                        impl="ftcore_data.stage_clean:CleanStage",
                        doc=", ".join(c.name for c in block.get("clean") or []), span=block.span_of("clean"))
        rows = f"{prefix}.clean.rows"
    recipe_block = recipe.block("recipe")
    seed = recipe_block.get("seed", 42) if recipe_block is not None else 42
    shares = {k: _portion(split.get(k)) for k in ("train", "eval", "test")}
    defined = ["train"] + [k for k in ("eval", "test") if shares[k] is not None]
    graph.add_stage(f"{prefix}.split", "data.split", PLUGIN,
                    params={"shares": shares, "stratify": split.get("stratify"), "method": method_entry,
                            "seed": seed, "sources": [{"weight": s["weight"], "split": s["split"]} for s in sources]},
                    inputs={"rows": rows}, outputs={**{k: "rows" for k in defined}, "report": "data_report"},
                    impl="ftcore_data.stage_split:SplitStage",
                    doc=" / ".join(f"{k} {_show(shares[k])}" for k in defined), span=block.span_of("split"))
    model = recipe.block("model")
    max_length = block.get("max_length") or (model.get("max_length") if model is not None else None) \
        or DEFAULT_MAX_LENGTH
    spec = registry.component("format", fmt.name)
    tasks = list(spec.meta.get("tasks") or ()) if spec is not None else []
    task = (model.get("task") if model is not None else None) or (tasks[0] if tasks else None)
    graph.add_stage(f"{prefix}.tokenize", "data.tokenize", PLUGIN,
                    params={"format": fmt_entry, "task": task, "label_fields": label_fields,
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
