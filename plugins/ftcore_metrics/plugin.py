"""The ``evaluate`` block and the metrics it can name.

``evaluate tickets.test { metrics accuracy, f1(average: "macro") }`` evaluates the trained model
on the ``test`` split of data block ``tickets``. Each metric declares the tasks it fits; the
checker refuses a metric that does not fit the model's task.
"""

from ftcore.plugins import hookimpl
from ftcore.plugins.schema import AttrSpec, BlockSpec, Choice, Component, Integer, ListOf, Param, Reference, String

CLASSIFICATION = ("classification", "token_classification")
GENERATION = ("causal_lm", "seq2seq")
ALL_TASKS = CLASSIFICATION + GENERATION

AVERAGE = Param("average", Choice("macro", "micro", "weighted"), "macro",
                "How per-class scores are combined: macro (every class counts the same), "
                "micro (every example counts the same) or weighted (by class frequency).")

METRICS = [
    ("accuracy", (), CLASSIFICATION, "Share of examples (tokens, for token classification) labelled correctly."),
    ("f1", (AVERAGE,), CLASSIFICATION, "F1 score, the harmonic mean of precision and recall."),
    ("precision", (AVERAGE,), CLASSIFICATION, "Of the examples given a class, the share that belong to it."),
    ("recall", (AVERAGE,), CLASSIFICATION, "Of the examples of a class, the share given that class."),
    ("loss", (), ALL_TASKS, "Mean loss of the model on the split (the training objective)."),
    ("perplexity", (), GENERATION, "exp(mean token loss): how surprised the model is by the text."),
    ("rouge", (Param("types", ListOf(Choice("rouge1", "rouge2", "rougeL", "rougeLsum")),
                     ["rouge1", "rouge2", "rougeL"], "Which ROUGE variants to report (F-measure)."),
               Param("max_new_tokens", Integer(min=1), 128, "Longest generated answer.")),
     GENERATION, "ROUGE overlap of generated text with the reference (rouge-score)."),
    ("bleu", (Param("max_new_tokens", Integer(min=1), 128, "Longest generated answer."),
              Param("tokenize", String(), "13a", "sacrebleu tokenizer name.")),
     GENERATION, "Corpus BLEU of generated text against the reference (sacrebleu)."),
    ("exact_match", (Param("max_new_tokens", Integer(min=1), 128, "Longest generated answer."),),
     GENERATION, "Share of generated answers equal to the reference after trimming whitespace."),
]

COMPUTED = ("accuracy", "f1", "precision", "recall", "loss", "perplexity")

SPLITS = ("train", "eval", "test")

EVALUATE_BLOCK = BlockSpec(
    name="evaluate",
    help="Metrics to report on a held-out split after training.",
    label=Reference("a data split such as tickets.test", block="data", members=SPLITS),
    label_required=True,
    label_help="the split to evaluate, as <data block>.<split>: evaluate tickets.test { ... }",
    multiple=True,
    attrs=(
        AttrSpec.many("metrics", Component("metric"), "The metrics to report, e.g. accuracy, f1(average: \"macro\")."),
        AttrSpec.single("batch", Integer(min=1), 32, "Examples per evaluation batch."),
    ),
    example='evaluate tickets.test { metrics accuracy, f1(average: "macro") }',
)


@hookimpl
def ftcore_register_components(register):
    """Declare the ``evaluate`` block and the built-in metrics."""
    register.kind("metric", "A number computed on a held-out split (accuracy, f1, perplexity, rouge...).")
    register.block(EVALUATE_BLOCK)
    for name, params, tasks, help in METRICS:
        # Computed by the training plugin's evaluation; the generation metrics have no code yet.
        impl = "ftcore_train.scores:summarize" if name in COMPUTED else None
        register.component("metric", name, params, help, impl=impl, tasks=tasks)



@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """An evaluated split must exist, and every metric must fit the model's task."""
    model = recipe.block("model")
    task = model.get("task") if model is not None else None
    data_labels = [b.label for b in recipe.blocks_of("data")]
    for block in recipe.blocks_of("evaluate"):
        ref = block.label
        if ref is not None:
            parts = ref.parts
            if len(parts) != 2:
                diagnostics.error(f'"{ref.dotted}" is not a split: write <data block>.<split>',
                                  ref.span, f"for example: {data_labels[0] if data_labels else 'tickets'}.test")
            elif parts[0] not in data_labels:
                from ftcore.lang.diagnostics import did_you_mean

                hint = did_you_mean(parts[0], data_labels) or (
                    f"data blocks in this recipe: {', '.join(data_labels)}" if data_labels else
                    "add a data block with that label")
                diagnostics.error(f'no data block is labelled "{parts[0]}"', ref.span, hint)
            elif parts[1] not in SPLITS:
                from ftcore.lang.diagnostics import did_you_mean

                diagnostics.error(f'"{parts[1]}" is not a split: splits are {", ".join(SPLITS)}', ref.span,
                                  did_you_mean(parts[1], SPLITS))
        if not isinstance(task, str):
            continue
        for metric in block.get("metrics") or []:
            spec = registry.component("metric", metric.name)
            tasks = spec.meta.get("tasks", ()) if spec else ()
            if tasks and task not in tasks:
                fits = [m.name for m in registry.of_kind("metric") if task in m.meta.get("tasks", ())]
                diagnostics.error(f'metric "{metric.name}" does not fit the task {task}', metric.span,
                                  f"metrics for {task}: {', '.join(fits)}")
