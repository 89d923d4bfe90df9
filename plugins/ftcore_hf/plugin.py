"""The ``model`` block: which pre-trained model to start from, for which task, with which adapter.

::

    model {
      base     hf("sentence-transformers/all-MiniLM-L6-v2")
      task     classification
      max_length 128
      adapter  lora(rank: 8, alpha: 16, dropout: 0.05, targets: ["q_proj", "v_proj"])
      freeze   "embeddings", "encoder.layer.0."
      gradient_checkpointing false
    }

Nothing here imports torch or transformers: the code that loads models is named by ``impl``
strings (classes implementing :class:`ftcore.api.ModelSource` and :class:`ftcore.api.Adapter`)
and imported only when a run starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftcore.api import (KIND_CONTRACTS, AttrSpec, BlockSpec, Boolean, BoundComponent, Choice, Component, Float,
                        Integer, ListOf, Param, String, component_entry, hookimpl)

FTCORE_PLUGIN_API = "1.0"

# token_classification has a head and a loss but no data format yet, so recipes cannot choose it
TASKS = ("causal_lm", "classification", "seq2seq")
ARCHS = ("llama", "gpt2", "bert", "t5")
ARCH_TASKS = {
    "llama": ("causal_lm", "classification"),
    "gpt2": ("causal_lm", "classification"),
    "bert": ("classification",),
    "t5": ("seq2seq",),
}

MODEL_BLOCK = BlockSpec(
    name="model",
    help="The pre-trained model to fine-tune, its task and how its weights are adapted.",
    attrs=(
        AttrSpec.single("base", Component("model_source"), help="Where the model comes from: hf(\"path or hub id\") "
                        "or tiny(arch: \"llama\") for a small random model.", required=True),
        AttrSpec.single("task", Choice(*TASKS), help="What the model learns: causal_lm (next token), "
                        "classification (one label per text), seq2seq (text to text).", required=True),
        AttrSpec.single("max_length", Integer(min=8), 512, "Longest input in tokens; longer inputs are cut."),
        AttrSpec.single("adapter", Component("adapter"), None,
                        "How weights are trained: full (all of them, the default) or lora(...)."),
        AttrSpec.many("freeze", String(), "Parameter-name patterns to keep frozen: a name containing the "
                      "pattern is frozen (\"embeddings\", \"encoder.layer.0.\")."),
        AttrSpec.single("gradient_checkpointing", Boolean(), False,
                        "Recompute activations in the backward pass: less memory, about 30% slower."),
    ),
    example='model { base hf("path/or/hub-id")  task classification }',
)


def _register_sources(register) -> None:
    register.kind("model_source", "Where a model and its tokenizer come from.", contract=KIND_CONTRACTS["model_source"])
    register.component(
        "model_source", "hf",
        (Param("path", String(), help="A local folder in the Hugging Face layout (relative to the recipe) or a hub id."),
         Param("revision", String(), "", "A branch, tag or commit of a hub model (needs download: true)."),
         Param("trust_remote_code", Boolean(), False, "Run Python code shipped with the model. Off unless you trust it."),
         Param("gguf", String(), "", "Load this GGUF file from the folder (dequantized to full precision)."),
         Param("download", Boolean(), False, "Allow downloading from the hub; off by default, runs stay offline.")),
        "A pre-trained Hugging Face model, loaded from safetensors; offline unless download: true.",
        impl="ftcore_hf.sources:HFSource",
    )
    register.component(
        "model_source", "tiny",
        (Param("arch", Choice(*ARCHS), "llama", "Architecture: llama, gpt2 (decoders), bert (encoder), t5 (encoder-decoder)."),
         Param("layers", Integer(min=1), 2, "Number of layers (of each stack, for t5)."),
         Param("hidden", Integer(min=8), 64, "Hidden size."),
         Param("heads", Integer(min=1), 4, "Attention heads; must divide hidden."),
         Param("intermediate", Integer(min=8), 128, "Feed-forward size.")),
        "A small, randomly initialised model with a byte-level tokenizer: smoke tests, no download.",
        impl="ftcore_hf.sources:TinySource",
    )


def _register_adapters(register) -> None:
    register.kind("adapter", "How a model's weights are adapted during fine-tuning.", contract=KIND_CONTRACTS["adapter"])
    register.component("adapter", "full", (), "Train every weight (minus the frozen ones).",
                       impl="ftcore_hf.adapters:FullAdapter")
    register.component(
        "adapter", "lora",
        (Param("rank", Integer(min=1), 8, "Rank r of the low-rank update."),
         Param("alpha", Float(min=0, min_open=True), 16.0, "Scale: the update is multiplied by alpha / rank."),
         Param("dropout", Float(min=0, max=1, max_open=True), 0.05, "Dropout on the LoRA branch's input."),
         Param("targets", ListOf(String()), [], "Module names to adapt (e.g. [\"q_proj\", \"v_proj\"]); "
               "empty: the architecture's attention projections.")),
        "Low-rank adaptation through peft: the base weights stay frozen, small matrices are trained.",
        impl="ftcore_hf.adapters:LoraAdapter",
    )


@hookimpl
def ftcore_register_components(register):
    """Declare the ``model`` block, the ``hf`` and ``tiny`` model sources and the adapters."""
    register.block(MODEL_BLOCK)
    _register_sources(register)
    _register_adapters(register)


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """A tiny architecture must fit the task and its heads must divide its hidden size."""
    block = recipe.block("model")
    if block is None:
        return
    base, task = block.get("base"), block.get("task")
    if base is not None and base.name == "tiny" and isinstance(task, str):
        arch = base.args["arch"]
        if task not in ARCH_TASKS[arch]:
            fits = [a for a, tasks in ARCH_TASKS.items() if task in tasks]
            diagnostics.error(f'tiny arch "{arch}" cannot do the task {task}', base.arg_spans.get("arch", base.span),
                              f"for {task} use arch: " + " or ".join(f'"{a}"' for a in fits))
        if base.args["hidden"] % base.args["heads"]:
            diagnostics.error(f"heads ({base.args['heads']}) must divide hidden ({base.args['hidden']})",
                              base.arg_spans.get("heads", base.span), "for example hidden: 64, heads: 4")
        if arch == "t5" and (base.args["hidden"] // base.args["heads"]) < 4:
            diagnostics.error("t5 needs at least 4 dimensions per head", base.span, "raise hidden or lower heads")
    if base is not None and base.name == "hf" and base.args.get("revision") and not base.args.get("download"):
        diagnostics.warning("revision only matters for a hub download", base.arg_spans.get("revision", base.span),
                            "add download: true, or drop revision for a local folder")
    from ftcore_hf.preflight import check_model_block

    check_model_block(recipe, diagnostics)  # trust_remote_code, and a model too large for this machine


def model_params(recipe, registry) -> dict[str, Any]:
    """The model block as JSON data for stages: base and adapter as component entries, paths made absolute.

    ``base`` and ``adapter`` are :func:`ftcore.api.component_entry` dicts (impl, plugin,
    distribution and version), so the stages run them through their contracts and a new version
    of the distribution providing either changes the fingerprint of every stage that uses them.
    """
    block = recipe.block("model")
    base = block["base"]
    adapter = block.get("adapter") or BoundComponent("adapter", "full", {}, "hf")
    base_entry = component_entry(base, registry)
    if base.name == "hf":
        base_entry["args"]["path"] = resolve_model_path(base.args["path"], recipe.path)
    return {
        "base": base_entry,
        "task": block["task"],
        "max_length": block["max_length"],
        "adapter": component_entry(adapter, registry),
        "freeze": list(block.get("freeze") or []),
        "gradient_checkpointing": bool(block.get("gradient_checkpointing")),
    }


def resolve_model_path(path: str, recipe_path: str) -> str:
    """A folder relative to the recipe when one exists there (or the path looks like one), else a hub id."""
    candidate = Path(recipe_path).resolve().parent / path
    if Path(path).is_absolute() or path.startswith(".") or candidate.exists():
        return str(candidate.resolve()) if not Path(path).is_absolute() else path
    return path


@hookimpl
def ftcore_lower(recipe, graph, registry):
    """Add the ``model.tokenizer`` stage: the tokenizer every data and training stage uses."""
    block = recipe.block("model")
    if block is None or block.get("base") is None:
        return
    params = model_params(recipe, registry)
    graph.add_stage(
        "model.tokenizer", "tokenizer", "hf",
        params={"base": params["base"], "task": params["task"], "max_length": params["max_length"]},
        outputs={"tokenizer": "tokenizer"},
        impl="ftcore_hf.stages:TOKENIZER_STAGE",
        doc=f"tokenizer of {block['base']}",
        span=block.span_of("base"),
    )
