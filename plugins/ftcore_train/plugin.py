"""The ``regularize`` and ``train`` blocks: declarations, cross-block rules, stages and the DeepSpeed plan.

Lowering adds a ``train`` stage (evaluate stages are the metrics plugin's, export stages the
export plugin's). The
train stage's parameters carry the model, optimizer, schedule and engine as component entries,
run through their :mod:`ftcore.api` contracts. A graph pass generates the DeepSpeed config from
the recipe (the optimizer section from the optimizer component) and checks any
``deepspeed_extra`` settings against it.
"""

from __future__ import annotations

from typing import Any, Optional

from ftcore.api import Optimizer, PluginError, component_entry, component_object
from ftcore.compiler.graph import GraphError
from ftcore.lang.diagnostics import did_you_mean
from ftcore.plugins import hookimpl
from ftcore.plugins.components import call_component, entry_name
from ftcore_train import dsconfig
from ftcore_metrics.plugin import metric_entries
from ftcore_train.blocks import (DEFAULT_ENGINE, DEFAULT_OBJECTIVE, DEFAULT_OPTIMIZER, DEFAULT_SCHEDULE,
                                 register_components)

FTCORE_PLUGIN_API = "1.0"

LOSS_LIKE = ("loss", "perplexity")
TRAINING_METRICS = {
    "classification": ("loss", "accuracy", "f1"),
    "token_classification": ("loss", "accuracy", "f1"),
    "causal_lm": ("loss", "perplexity"),
    "seq2seq": ("loss", "perplexity"),
}


@hookimpl
def ftcore_register_components(register):
    """Declare ``regularize``, ``train``, the optimizers, schedules and the ``deepspeed`` engine."""
    register_components(register)


def engine_of(recipe):
    """The train block's engine component (the declared default when the block names none)."""
    train = recipe.block("train")
    return train.get("engine", DEFAULT_ENGINE) if train is not None else DEFAULT_ENGINE


def optimizer_section(recipe, registry, weight_decay: float, offload: bool) -> dict[str, Any]:
    """The optimizer's DeepSpeed section, from its component's :meth:`ftcore.api.Optimizer.deepspeed_section`.

    Raises :class:`~ftcore.api.PluginError` naming the providing plugin when its code fails or
    returns something that is not ``{"type": str, "params": {"lr": number, ...}}``.
    """
    train = recipe.block("train")
    bound = train.get("optimizer", DEFAULT_OPTIMIZER) if train is not None else DEFAULT_OPTIMIZER
    entry = component_entry(bound, registry)
    try:
        impl = component_object(entry, Optimizer)
        section = call_component(entry, impl.deepspeed_section, dict(entry["args"]), weight_decay, offload)
    except PluginError as err:
        if err.position is None and bound.span is not None and bound.span.line > 0:
            err.position = str(bound.span)  # the recipe text that brought the failing code in
        raise
    params = section.get("params") if isinstance(section, dict) else None
    if not isinstance(section.get("type") if isinstance(section, dict) else None, str) or \
            not isinstance(params, dict) or not isinstance(params.get("lr"), (int, float)):
        raise PluginError(entry["plugin"], f'optimizer "{entry_name(entry)[1]}"',
                          f"its deepspeed_section() returned {section!r}, not "
                          '{"type": "<optimizer>", "params": {"lr": <number>, ...}}',
                          dist=entry.get("dist", "?"), version=entry.get("version", "?"))
    return section


def settings_of(recipe, registry) -> dsconfig.Settings:
    """The recipe's train and regularize blocks as DeepSpeed-relevant :class:`~dsconfig.Settings`.

    ZeRO settings come from the engine's ``zero`` and ``offload`` arguments when it declares them
    (``deepspeed`` does); the optimizer section from the optimizer component.
    """
    train, reg = recipe.block("train"), recipe.block("regularize")
    get = (lambda b, k, d: b.get(k, d) if b is not None else d)
    engine_args = dict(engine_of(recipe).args)
    offload = str(engine_args.get("offload", "none"))
    weight_decay = float(get(reg, "weight_decay", 0.0) or 0.0)
    section = optimizer_section(recipe, registry, weight_decay, offload in ("optimizer", "both"))
    return dsconfig.Settings(
        zero=int(engine_args.get("zero", 0)), offload=offload,
        batch=int(get(train, "batch", 8)), accumulate=int(get(train, "accumulate", 1)),
        clip=get(reg, "clip", None), precision=get(train, "precision", "fp32"),
        lr=float(section["params"]["lr"]), weight_decay=weight_decay, optimizer=section,
    )


def objective_statistics(train, registry) -> tuple[str, ...]:
    """The statistics the train block's objective reports on the eval split (its ``statistics=`` meta)."""
    bound = train.get("objective", DEFAULT_OBJECTIVE)
    spec = registry.component("objective", bound.name)
    return tuple(str(n) for n in (spec.meta.get("statistics", ()) if spec is not None else ()))


def training_metrics(task: Optional[str]) -> tuple[str, ...]:
    """The metrics evaluation during training reports for ``task`` (``eval.<name>``)."""
    return TRAINING_METRICS.get(task or "", ("loss",))


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """Training needs a model and data; warm-up must be shorter than the run; early stopping needs a metric."""
    train, reg, model = recipe.block("train"), recipe.block("regularize"), recipe.block("model")
    data_labels = [b.label for b in recipe.blocks_of("data")]
    if train is None:
        if reg is not None:
            diagnostics.warning("a regularize block without a train block does nothing", reg.span,
                                "add a train block: train { epochs 3 }")
        return
    if model is None:
        diagnostics.error("the train block needs a model block", train.span,
                          'add one: model { base hf("path/or/hub-id")  task classification }')
    chosen = train.get("data")
    if chosen is not None:
        if len(chosen.parts) != 1 or chosen.parts[0] not in data_labels:
            diagnostics.error(f'no data block is labelled "{chosen.dotted}"', chosen.span,
                              did_you_mean(chosen.dotted, data_labels) or
                              (f"data blocks: {', '.join(map(str, data_labels))}" if data_labels else None))
    elif len(data_labels) > 1:
        diagnostics.error("several data blocks: say which one to train on", train.span,
                          f"add `data {data_labels[0]}` to the train block")
    elif not data_labels and registry.blocks.get("data") is not None:
        diagnostics.error("the train block needs a data block to train on", train.span,
                          "add a data block with train and eval splits")
    schedule = train.get("schedule")
    if schedule is not None:
        warmup = schedule.args.get("warmup")
        max_steps = train.get("max_steps")
        where = schedule.arg_spans.get("warmup", schedule.span)
        if warmup is not None and warmup.fraction is not None and warmup.fraction >= 1:
            diagnostics.error(f"warm-up of {warmup} leaves no steps to train", where, "use a share below 100%, e.g. 10%")
        elif warmup is not None and warmup.count is not None and max_steps and warmup.count >= max_steps:
            diagnostics.error(f"warm-up of {warmup.count} steps is not shorter than max_steps {max_steps}", where,
                              f"warm up for fewer steps (e.g. {max(1, max_steps // 10)}) or use a share such as 10%")
    if reg is not None and reg.get("early_stop"):
        on = reg["early_stop"].get("on")
        task = model.get("task") if model is not None else None
        if on is not None:
            names = [n for n in training_metrics(task) if registry.component("metric", n) is not None]
            names += [n for n in objective_statistics(train, registry) if n not in names]
            if len(on.parts) != 2 or on.parts[0] != "eval":
                diagnostics.error(f'early_stop watches "{on.dotted}": write eval.<metric>', on.span,
                                  f"metrics evaluated during training: {', '.join('eval.' + n for n in names)}")
            elif on.parts[1] not in names:
                hint = did_you_mean(on.parts[1], names)
                diagnostics.error(f'"{on.parts[1]}" is not evaluated during training for the task {task}', on.span,
                                  (hint + "; " if hint else "") + "evaluated: " + ", ".join("eval." + n for n in names))


def _data_stage(graph, label: str):
    """The last stage of data block ``label`` with ``train``/``eval``/``test``/``info`` outputs."""
    found = [s for s in graph.order() if s.id.startswith(f"data.{label}.") and {"train", "info"} <= set(s.outputs)]
    if not found:
        raise GraphError(f'no stage of data block "{label}" provides train and info outputs '
                         "(is the data plugin installed?)")
    return found[-1]


def _train_data_label(recipe) -> Optional[str]:
    train = recipe.block("train")
    chosen = train.get("data") if train is not None else None
    if chosen is not None:
        return chosen.parts[0]
    labels = [b.label for b in recipe.blocks_of("data")]
    return labels[0] if labels else None


def train_params(recipe, registry) -> dict[str, Any]:
    """The train stage's parameters: model, settings, schedule, regularization, evaluation, seed."""
    from ftcore_hf.plugin import model_params

    train, reg, rec = recipe.block("train"), recipe.block("regularize"), recipe.block("recipe")
    model = model_params(recipe, registry)
    early = reg.get("early_stop") if reg is not None else None
    if early:
        on = early.get("on")
        metric = on.parts[1] if on is not None else "loss"
        mode = early["mode"] if early["mode"] != "auto" else ("min" if metric in LOSS_LIKE else "max")
        early = {"patience": early["patience"], "metric": metric, "mode": mode, "min_delta": early["min_delta"]}
    return {
        "model": model,
        "settings": settings_of(recipe, registry).to_json(),
        "epochs": train["epochs"], "max_steps": train.get("max_steps"),
        "optimizer": component_entry(train.get("optimizer", DEFAULT_OPTIMIZER), registry),
        "schedule": component_entry(train.get("schedule", DEFAULT_SCHEDULE), registry),
        "engine": component_entry(engine_of(recipe), registry),
        "objective": objective_entry(recipe, registry),
        "dropout": reg.get("dropout") if reg is not None else None,
        "label_smoothing": reg.get("label_smoothing", 0.0) if reg is not None else 0.0,
        "early_stop": early,
        "eval_every": train.get("eval_every"), "checkpoint_every": train.get("checkpoint_every"),
        "keep": train["keep"], "log_every": train["log_every"],
        "metrics": metric_entries(registry, training_metrics(model["task"])),
        "deepspeed_extra": list(train.get("deepspeed_extra") or []),
        "seed": rec.get("seed", 42) if rec is not None else 42,
    }


def objective_entry(recipe, registry) -> dict[str, Any]:
    """The objective's component entry; ``inputs`` holds the stage outputs it declared (``inputs=`` meta)."""
    bound = recipe.block("train").get("objective", DEFAULT_OBJECTIVE)
    entry = component_entry(bound, registry)
    spec = registry.component("objective", bound.name)
    wanted = (spec.meta.get("inputs") if spec is not None else None) or {}
    if wanted:
        entry["inputs"] = {str(k): str(v) for k, v in dict(wanted).items()}
    return entry


def objective_inputs(graph, entry: dict[str, Any]) -> dict[str, str]:
    """The train stage's inputs for the objective's declared ones, as ``objective.<name>``.

    Their stages are lowered by the objective's plugin, in any order: this runs in the graph pass,
    after every plugin lowered its stages. A missing one is the plugin's fault.
    """
    inputs = {}
    for name, ref in (entry.get("inputs") or {}).items():
        sid, _, out = ref.rpartition(".")
        provider = graph.get(sid)
        if provider is None or out not in provider.outputs:
            raise PluginError(entry["plugin"], f'objective "{entry_name(entry)[1]}"',
                              f"it reads {ref}, which no stage of the run graph provides (its plugin lowers that "
                              "stage)", dist=entry.get("dist", "?"), version=entry.get("version", "?"))
        inputs[f"objective.{name}"] = ref
    return inputs


@hookimpl(trylast=True)
def ftcore_lower(recipe, graph, registry):
    """Add the train stage."""
    if recipe.block("train") is None or recipe.block("model") is None:
        return
    label = _train_data_label(recipe)
    if label is None:
        return
    data = _data_stage(graph, label)
    train = recipe.block("train")
    inputs = {"train": f"{data.id}.train", "info": f"{data.id}.info", "tokenizer": "model.tokenizer.tokenizer"}
    if "eval" in data.outputs:
        inputs["eval"] = f"{data.id}.eval"
    graph.add_stage(
        "train", "train", "train", params=train_params(recipe, registry), inputs=inputs,
        outputs={"model": "model", "summary": "metrics"},
        impl="ftcore_train.stages:TRAIN_STAGE", doc="fine-tune on DeepSpeed", span=train.span,
    )


@hookimpl
def ftcore_graph_pass(graph, recipe, diagnostics):
    """Plan the DeepSpeed config from the recipe, merge ``deepspeed_extra`` and report every contradiction."""
    stage = graph.get("train")
    if stage is None or stage.kind != "train":
        return
    train = recipe.block("train")
    stage.inputs.update(objective_inputs(graph, stage.params["objective"]))
    if "eval" not in stage.inputs:
        reg = recipe.block("regularize")
        if reg is not None and reg.get("early_stop"):
            diagnostics.error("early stopping needs an eval split", reg.span_of("early_stop"),
                              "add one to the data block: split train: 90%, eval: 10%")
        if train.get("eval_every"):
            diagnostics.error("eval_every needs an eval split", train.span_of("eval_every"),
                              "add one to the data block: split train: 90%, eval: 10%")
    where = train.span_of("deepspeed_extra")
    settings = dsconfig.Settings.from_json(stage.params["settings"])
    config = dsconfig.generate(settings)
    try:
        config = dsconfig.merge_extra(config, stage.params.get("deepspeed_extra") or [])
    except dsconfig.ExtraError as exc:
        diagnostics.error(f"deepspeed_extra: {exc}", where, 'for example "zero_optimization.overlap_comm=true"')
        return
    for m in dsconfig.check(config, settings):
        diagnostics.error(m.message, where, m.fix)
    for key in dsconfig.unknown_keys(config):
        hint = did_you_mean(key, dsconfig.KNOWN_KEYS) or "DeepSpeed would ignore it"
        diagnostics.warning(f'deepspeed_extra: DeepSpeed has no setting "{key}"', where, hint)
    stage.params["deepspeed"] = config
    from ftcore_train.memory_plan import describe

    note = describe(stage.params["model"], stage.params["settings"])
    if note:
        graph.notes.append(f"train: {note}")


@hookimpl
def ftcore_load_predictor(model_dir, options):
    """A predictor for a classifier or text generator folder in the Hugging Face layout (``ftcore predict``)."""
    from ftcore_train.predictor import load_predictor

    return load_predictor(model_dir, options)
