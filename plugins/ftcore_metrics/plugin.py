"""The ``evaluate`` block and the metrics it can name.

``evaluate tickets.test { metrics accuracy, f1(average: "macro") }`` evaluates the trained model
on the ``test`` split of data block ``tickets``. Every metric is a class on the metric contract
(:class:`ftcore.api.Metric`) named by its ``impl``; the evaluate stage runs them through that
contract, whichever plugin provides them. Each metric declares the tasks it fits and the Python
packages it needs (``requires``); the checker refuses a metric that does not fit the model's
task or whose packages are missing, at the metric's position, before anything runs.
"""

from __future__ import annotations

from ftcore.api import KIND_CONTRACTS, AttrSpec, BlockSpec, Boolean, Choice, Component, Float, Integer, ListOf, \
    Param, Reference, component_entry, hookimpl
from ftcore.lang.diagnostics import did_you_mean
from ftcore.plugins.schema import BoundComponent, to_json

FTCORE_PLUGIN_API = "1.0"

CLASSIFICATION = ("classification",)
GENERATION = ("causal_lm", "seq2seq")
ALL_TASKS = CLASSIFICATION + GENERATION

AVERAGE = Param("average", Choice("macro", "micro", "weighted"), "macro",
                "How per-class scores are combined: macro (every class counts the same), "
                "micro (every example counts the same) or weighted (by class frequency).")
MAX_NEW_TOKENS = Param("max_new_tokens", Integer(min=1), 128, "Longest generated answer, in tokens.")
BLEU_TOKENIZERS = ("13a", "intl", "char", "zh", "none")

# name, params, tasks, impl, Python packages needed (module -> distribution), help
METRICS = [
    ("accuracy", (), CLASSIFICATION, "classification:Accuracy", {},
     "Share of examples labelled correctly."),
    ("f1", (AVERAGE,), CLASSIFICATION, "classification:F1", {},
     "F1 score, the harmonic mean of precision and recall."),
    ("precision", (AVERAGE,), CLASSIFICATION, "classification:Precision", {},
     "Of the examples given a class, the share that belong to it."),
    ("recall", (AVERAGE,), CLASSIFICATION, "classification:Recall", {},
     "Of the examples of a class, the share given that class."),
    ("loss", (), ALL_TASKS, "language:Loss", {}, "Mean loss of the model on the split (the training objective)."),
    ("perplexity", (), GENERATION, "language:Perplexity", {},
     "exp(mean token loss): how surprised the model is by the text."),
    ("rouge", (Param("types", ListOf(Choice("rouge1", "rouge2", "rougeL", "rougeLsum")),
                     ["rouge1", "rouge2", "rougeL"], "Which ROUGE variants to report (mean F-measure)."),
               MAX_NEW_TOKENS),
     GENERATION, "generation:Rouge", {"rouge_score": "rouge-score"},
     "ROUGE overlap of the greedily generated answer with the reference (rouge-score)."),
    ("bleu", (MAX_NEW_TOKENS, Param("tokenize", Choice(*BLEU_TOKENIZERS), "13a", "sacrebleu tokenizer.")),
     GENERATION, "generation:Bleu", {"sacrebleu": "sacrebleu"},
     "Corpus BLEU (0-100) of the greedily generated answers against the references (sacrebleu)."),
    ("chrf", (MAX_NEW_TOKENS, Param("char_order", Integer(min=1), 6, "Longest character n-gram."),
              Param("word_order", Integer(min=0), 0, "Longest word n-gram (2 gives chrF++).")),
     GENERATION, "generation:Chrf", {"sacrebleu": "sacrebleu"},
     "Corpus chrF (0-100): character n-gram F-score of the generated answers against the references (sacrebleu)."),
    ("confusion_matrix", (), CLASSIFICATION, "classification:ConfusionMatrix", {},
     "How often each true class was predicted as each class (in metrics.jsonl, the report and the model card)."),
    ("exact_match", (MAX_NEW_TOKENS,), GENERATION, "generation:ExactMatch", {},
     "Share of greedily generated answers equal to the reference, surrounding whitespace ignored."),
]

GENERATION_PARAMS = (
    Param("sample", Boolean(), False, "Sample each token (true) instead of taking the most likely one (false)."),
    Param("temperature", Float(min=0, min_open=True), 1.0, "Sampling temperature (needs sample: true)."),
    Param("top_p", Float(min=0, max=1, min_open=True), 1.0,
          "Nucleus sampling: sample among the most likely tokens whose probabilities add up to this (needs sample: true)."),
    Param("max_new_tokens", Integer(min=1), None,
          "Longest answer, in tokens, for every metric of the block (default: each metric's own max_new_tokens)."),
)

EVALUATE_BLOCK = BlockSpec(
    name="evaluate",
    help="Metrics to report on a held-out split after training.",
    label=Reference("a data split such as tickets.test", block="data", members=("train", "eval", "test")),
    label_required=True,
    label_help="the split to evaluate, as <data block>.<split>: evaluate tickets.test { ... }",
    multiple=True,
    attrs=(
        AttrSpec.many("metrics", Component("metric"), "The metrics to report, e.g. accuracy, f1(average: \"macro\")."),
        AttrSpec.single("batch", Integer(min=1), 32, "Examples per evaluation batch."),
        AttrSpec.single("baseline", Boolean(), False,
                        "Also evaluate the starting model (before any training step) on the same split, and report "
                        "both with the difference. For a classifier the starting model has a freshly initialised "
                        "head (seeded like the run)."),
        AttrSpec.single("predictions", Boolean(), True,
                        "Write predictions/<data>.<split>.jsonl in the run directory: each example's input, "
                        "reference, prediction or generated text and per-example scores."),
        AttrSpec("generation", GENERATION_PARAMS,
                 "How answers are generated for generation metrics: greedy by default, or sampled."),
    ),
    example='evaluate tickets.test { metrics accuracy, f1(average: "macro")  baseline true }',
)


@hookimpl
def ftcore_register_components(register):
    """Declare the ``metric`` kind on its contract, the ``evaluate`` block and the built-in metrics."""
    register.kind("metric", "A number computed on a held-out split (accuracy, f1, perplexity, rouge...).",
                  contract=KIND_CONTRACTS["metric"])
    register.block(EVALUATE_BLOCK)
    for name, params, tasks, impl, requires, help in METRICS:
        register.component("metric", name, params, help, impl=f"ftcore_metrics.{impl}", tasks=tasks,
                           requires=requires)


SPLITS = ("train", "eval", "test")


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """An evaluation needs a trained model and an existing split; every metric must fit the task and be able to run."""
    model = recipe.block("model")
    task = model.get("task") if model is not None else None
    data_labels = [b.label for b in recipe.blocks_of("data")]
    blocks = recipe.blocks_of("evaluate")
    if blocks and recipe.block("train") is None and registry.blocks.get("train") is not None:
        diagnostics.error("there is no train block, so there is no trained model to evaluate", blocks[0].span,
                          "add a train block (train { epochs 3 }), or remove the evaluate blocks")
    for block in blocks:
        _check_split(block.label, data_labels, diagnostics)
        _check_generation(block, task, diagnostics)
        seen = {}
        for metric in block.get("metrics") or []:
            _check_metric(metric, task, registry, diagnostics)
            key = (metric.name, repr(to_json(metric)))
            if key in seen:
                diagnostics.error(f'metric "{metric.name}" is listed twice with the same arguments', metric.span,
                                  f"remove one (the other is at {seen[key].line}:{seen[key].col})")
            seen.setdefault(key, metric.span)


def _check_split(ref, data_labels, diagnostics) -> None:
    if ref is None:
        return
    parts = ref.parts
    if len(parts) != 2:
        diagnostics.error(f'"{ref.dotted}" is not a split: write <data block>.<split>',
                          ref.span, f"for example: {data_labels[0] if data_labels else 'tickets'}.test")
    elif parts[0] not in data_labels:
        hint = did_you_mean(parts[0], data_labels) or (
            f"data blocks in this recipe: {', '.join(data_labels)}" if data_labels else
            "add a data block with that label")
        diagnostics.error(f'no data block is labelled "{parts[0]}"', ref.span, hint)
    elif parts[1] not in SPLITS:
        diagnostics.error(f'"{parts[1]}" is not a split: splits are {", ".join(SPLITS)}', ref.span,
                          did_you_mean(parts[1], SPLITS))


def _check_generation(block, task, diagnostics) -> None:
    """Sampling settings without ``sample: true`` would be ignored; generation settings need a generating task."""
    if "generation" not in block.given:
        return
    settings, span = dict(block.get("generation") or {}), block.span_of("generation")
    if isinstance(task, str) and task not in GENERATION:
        diagnostics.error(f"generation settings have no effect: the task {task} does not generate text", span,
                          "remove the generation attribute")
        return
    if not settings.get("sample"):
        ignored = [name for name, default in (("temperature", 1.0), ("top_p", 1.0))
                   if settings.get(name, default) != default]
        if ignored:
            diagnostics.error(f"{' and '.join(ignored)} only apply when sampling, and this block decodes greedily",
                              span, "add sample: true to the generation attribute, or remove "
                                    f"{' and '.join(ignored)}")


def _check_metric(metric, task, registry, diagnostics) -> None:
    import importlib.util

    spec = registry.component("metric", metric.name)
    if spec is None:
        return
    tasks = spec.meta.get("tasks", ())
    if isinstance(task, str) and tasks and task not in tasks:
        fits = [m.name for m in registry.of_kind("metric") if task in m.meta.get("tasks", ())]
        diagnostics.error(f'metric "{metric.name}" does not fit the task {task}', metric.span,
                          f"metrics for {task}: {', '.join(fits)}")
    for module, dist in dict(spec.meta.get("requires") or {}).items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            diagnostics.error(f'metric "{metric.name}" needs the Python package {dist}, which is not installed',
                              metric.span, f"pip install {dist}")


def metric_entries(registry, names) -> list[dict]:
    """The component entries of the registered metrics ``names``, with their default arguments.

    For stages that evaluate with metrics the recipe does not spell out (the evaluation during
    training). Names no installed plugin provides are left out.
    """
    out = []
    for name in names:
        spec = registry.component("metric", name)
        if spec is None:
            continue
        args = {p.name: p.default for p in spec.params if not p.required}
        out.append(component_entry(BoundComponent("metric", name, args, spec.plugin), registry))
    return out


def add_report_stage(graph, train) -> None:
    """The ``report`` stage: report.html after training and every evaluation (it reads the run directory)."""
    inputs = {f"metrics{i}": f"{s.id}.metrics" for i, s in enumerate(graph.order()) if s.kind == "evaluate"}
    if "summary" in train.outputs:
        inputs["summary"] = f"{train.id}.summary"
    if "info" in train.inputs:
        inputs["info"] = train.inputs["info"]
    impl = "ftcore_train.report:REPORT_STAGE"  # also in params: the manifest records it for ftcore report
    graph.add_stage("report", "report", "metrics", params={"impl": impl}, inputs=inputs, outputs={"path": "path"},
                    impl=impl, doc="report.html: curves, metrics, samples, settings")


def _data_stage(graph, label: str, split: str):
    """The last stage of data block ``label`` that outputs ``split``, or None."""
    found = [s for s in graph.order() if s.id.startswith(f"data.{label}.") and split in s.outputs]
    return found[-1] if found else None


def _splits_made(graph, label: str) -> list[str]:
    made = {out for s in graph.order() if s.id.startswith(f"data.{label}.") for out in s.outputs}
    return [s for s in SPLITS if s in made]


@hookimpl(trylast=True)
def ftcore_lower(recipe, graph, registry):
    """One ``evaluate.<data>.<split>`` stage per evaluate block, carrying its metrics' component entries.

    The mean loss is always reported; the stage runs each metric through its ``impl``.
    """
    if recipe.block("train") is None:
        return
    model = recipe.block("model")
    task = model.get("task") if model is not None else None
    for block in recipe.blocks_of("evaluate"):
        ref = block.label
        data = _data_stage(graph, ref.parts[0], ref.parts[1])
        if data is None:
            continue  # the data block makes no such split: reported by the graph pass below
        chosen = list(block.get("metrics") or [])
        entries = [component_entry(m, registry) for m in chosen]
        if not any(m.name == "loss" for m in chosen):
            entries = metric_entries(registry, ["loss"]) + entries
        inputs = {"model": "train.model", "dataset": f"{data.id}.{ref.parts[1]}"}
        if "info" in data.outputs:
            inputs["info"] = f"{data.id}.info"
        tokenizer = graph.get("model.tokenizer")
        if tokenizer is not None and "tokenizer" in tokenizer.outputs:
            inputs["tokenizer"] = "model.tokenizer.tokenizer"
        params = {"metrics": entries, "batch": block.get("batch", 32), "task": task, "split": ref.dotted,
                  "predictions": bool(block.get("predictions", True)), "baseline": bool(block.get("baseline", False))}
        if "generation" in block.given:
            params["generation"] = dict(block.get("generation") or {})
        graph.add_stage(
            f"evaluate.{ref.parts[0]}.{ref.parts[1]}", "evaluate", "metrics",
            params=params,
            inputs=inputs, outputs={"metrics": "metrics"}, impl="ftcore_train.stages:EVALUATE_STAGE",
            doc=f"metrics on {ref.dotted}", span=block.span,
        )


@hookimpl
def ftcore_graph_pass(graph, recipe, diagnostics):
    """Add the ``report`` stage; give each evaluate stage the run's seed and, for ``baseline true``, the train stage's model parameters
    (the train stage is lowered by another plugin, so this happens after lowering); and an evaluated
    split must be one its data block makes (``split train: 90%, test: 10%`` makes no eval)."""
    if recipe.block("train") is None:
        return
    train = graph.get("train")
    if train is not None and graph.get("report") is None:
        add_report_stage(graph, train)
    for block in recipe.blocks_of("evaluate"):
        label, split = block.label.parts
        stage = graph.get(f"evaluate.{label}.{split}")
        if stage is not None:
            if train is not None:  # the seed of sampling, and the starting model of a baseline
                stage.params["seed"] = train.params.get("seed", 42)
                if stage.params.get("baseline"):
                    stage.params["start"] = {"model": train.params["model"], "dropout": train.params.get("dropout")}
            continue
        made = _splits_made(graph, label)
        if made:
            hint = (f"the data block makes {', '.join(made)}; give {split} a share in its split attribute, e.g. "
                    f"split train: 80%, eval: 10%, test: 10%")
        else:
            hint = "no installed plugin lowers that data block into splits (is the data plugin installed?)"
        diagnostics.error(f'data block "{label}" makes no {split} split, so there is nothing to evaluate',
                          block.label.span, hint)
