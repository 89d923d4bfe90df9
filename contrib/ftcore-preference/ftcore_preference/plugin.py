"""The ``preference`` plugin: declarations, recipe rules and the reference stage.

Adds the ``preference`` data format, the ``dpo`` and ``simpo`` objectives (``train { objective
dpo(beta: 0.1) }``) and, for ``dpo``, the cached ``preference.reference`` stage whose output the
objective reads. Uses nothing of ftcore but :mod:`ftcore.api`.
"""

from __future__ import annotations

from ftcore.api import Boolean, Float, Param, String, hookimpl
from ftcore_preference.losses import STATISTICS

FTCORE_PLUGIN_API = "1.0"

OBJECTIVES = ("dpo", "simpo")
REFERENCE = "preference.reference"


@hookimpl
def ftcore_register_components(register):
    """Declare the format and the two objectives."""
    register.component(
        "format", "preference",
        (Param("prompt", String(), "prompt", "The field with the prompt (text; the conversation with chat: true)."),
         Param("chosen", String(), "chosen", "The field with the preferred answer."),
         Param("rejected", String(), "rejected", "The field with the worse answer."),
         Param("chat", Boolean(), False, "The prompt is a list of chat messages; answers are rendered as the "
               "assistant's reply with the tokenizer's chat template.")),
        "A prompt with a chosen and a rejected answer, for train { objective dpo(...) } or simpo(...).",
        impl="ftcore_preference.format:PreferenceFormat", tasks=("causal_lm",))
    register.component(
        "objective", "dpo",
        (Param("beta", Float(min=0, min_open=True), 0.1,
               "How far the model may move from the starting model (smaller: further)."),),
        "Direct Preference Optimization: raise the chosen answer's likelihood over the rejected one's, "
        "relative to the starting model (its log-probabilities are computed once and cached).",
        impl="ftcore_preference.objective:DPO", inputs={"reference": f"{REFERENCE}.reference"},
        statistics=STATISTICS)
    register.component(
        "objective", "simpo",
        (Param("beta", Float(min=0, min_open=True), 2.0, "Scale of the length-normalised reward."),
         Param("gamma", Float(min=0), 0.5, "Target reward margin between the chosen and rejected answer.")),
        "SimPO: reference-free preference optimisation on length-normalised log-probabilities.",
        impl="ftcore_preference.objective:SimPO", statistics=STATISTICS)


def _train_data(recipe):
    train = recipe.block("train")
    chosen = train.get("data") if train is not None else None
    blocks = recipe.blocks_of("data")
    if chosen is not None:
        return next((b for b in blocks if b.label == chosen.parts[0]), None)
    return blocks[0] if len(blocks) == 1 else None


def _objective(recipe):
    train = recipe.block("train")
    bound = train.get("objective") if train is not None else None
    return bound if bound is not None and bound.name in OBJECTIVES and bound.plugin == "preference" else None


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """A preference objective trains a causal language model on preference data, and nothing else does."""
    train, model = recipe.block("train"), recipe.block("model")
    objective = _objective(recipe)
    data = _train_data(recipe)
    fmt = data.get("format") if data is not None else None
    is_pairs = fmt is not None and fmt.name == "preference" and fmt.plugin == "preference"
    if objective is not None:
        where = train.span_of("objective")
        if model is not None and model.get("task") != "causal_lm":
            diagnostics.error(f"objective {objective.name} tunes a causal language model, not task "
                              f"{model.get('task')}", where, "use task causal_lm with a generative model")
        if data is not None and not is_pairs:
            diagnostics.error(f'objective {objective.name} trains on preference pairs, but data block "{data.label}" '
                              f'has format {fmt.name if fmt is not None else "(none)"}', where,
                              'use format preference(prompt: "prompt", chosen: "chosen", rejected: "rejected")')
    elif is_pairs and train is not None:
        diagnostics.error("format preference makes pairs for a preference objective, and the train block has none",
                          data.span_of("format"), "add one to the train block: objective dpo(beta: 0.1)")
    pair_blocks = {b.label for b in recipe.blocks_of("data")
                   if b.get("format") is not None and b.get("format").name == "preference"}
    for block in recipe.blocks_of("evaluate"):
        label = getattr(block.label, "parts", [None])[0]
        if label in pair_blocks:
            diagnostics.error(f'the evaluate block\'s metrics score single sequences, and data block "{label}" holds '
                              "preference pairs", block.span,
                              "remove this evaluate block: preference runs report eval.reward_accuracy, "
                              "eval.reward_margin and the log-probabilities on the eval split during training")


@hookimpl(wrapper=True)
def ftcore_lower(recipe, graph, registry):
    """After every plugin lowered: the reference stage DPO reads, from the train stage's own model and data."""
    result = yield
    objective = _objective(recipe)
    train = graph.get("train")
    if objective is None or objective.name != "dpo" or train is None:
        return result
    params = train.params
    inputs = {name: train.inputs[name] for name in ("train", "eval", "tokenizer") if name in train.inputs}
    graph.add_stage(REFERENCE, "preference_reference", "preference",
                    params={"model": {"base": params["model"]["base"], "task": params["model"]["task"]},
                            "seed": params["seed"], "precision": params["settings"].get("precision", "fp32")},
                    inputs=inputs, outputs={"reference": "json"}, impl="ftcore_preference.reference:ReferenceStage",
                    doc="the starting model's log-probabilities of every chosen and rejected answer",
                    span=objective.span)
    return result
