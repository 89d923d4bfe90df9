"""The ``export`` block: where the trained model goes, in which layout.

``export hf("out/support-intents") { card true }`` writes the model in the Hugging Face layout
(safetensors weights, config, tokenizer, a model card) to a folder relative to the recipe.

The label is an *exporter* component (contract :class:`ftcore.api.Exporter`): ``ftcore check``
asks it for problems knowable before training (:meth:`~ftcore.api.Exporter.check`, reported at
the argument's position), and the ``export.<n>`` stage calls its ``export``. Nothing here imports
torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ftcore.api import (KIND_CONTRACTS, AttrSpec, BlockSpec, Boolean, Component, Exporter, FilePath, Param,
                        PluginError, String, component_entry, component_object, hookimpl)
from ftcore.plugins.components import call_component, impl_problem

FTCORE_PLUGIN_API = "1.0"

EXPORT_BLOCK = BlockSpec(
    name="export",
    help="Write the trained model somewhere outside the run directory.",
    label=Component("exporter"),
    label_required=True,
    label_help='the exporter and its destination: export hf("out/my-model") { ... }',
    multiple=True,
    attrs=(
        AttrSpec.single("card", Boolean(), True,
                        "Write a model card (README.md): task, base model, adapter, labels, data rows per split, "
                        "training steps, metrics with the starting model's, intended use and limits, a snippet "
                        "loading the model with its Auto class, and the recipe."),
        AttrSpec.single("merge_adapter", Boolean(), True,
                        "Merge LoRA weights into the base model before saving (else save the adapter alone)."),
    ),
    example='export hf("out/my-model") { card true }',
)


@hookimpl
def ftcore_register_components(register):
    """Declare the ``export`` block and the ``hf`` and ``hub`` exporters."""
    register.kind("exporter", "Writes the trained model to a destination in some layout.",
                  contract=KIND_CONTRACTS["exporter"])
    register.block(EXPORT_BLOCK)
    register.component(
        "exporter", "hf",
        (Param("path", FilePath("folder", must_exist=False), help="Folder to write, relative to the recipe's folder."),
         Param("overwrite", Boolean(), False, "Replace the folder if it already holds a model."),
         Param("outside", Boolean(), False, "Allow a folder outside the recipe's folder (off: such a path is "
               "reported as a likely mistake).", positional=False)),
        "The Hugging Face layout: config.json, model.safetensors, tokenizer files, README.md.",
        impl="ftcore_export.hf:HFExporter",
    )
    register.component(
        "exporter", "hub",
        (Param("repo", String(), help="The Hub repository, owner/name."),
         Param("private", Boolean(), False, "Create the repository as private (an existing one keeps its setting).")),
        "Push to a Hugging Face Hub repository with huggingface_hub (token from HF_TOKEN or `hf auth login`).",
        impl="ftcore_export.hub:HubExporter",
    )


def _outside_project(path, recipe) -> Optional[str]:
    """The absolute destination when it is not inside the folder of the recipe being run, else None."""
    if not isinstance(path, str) or not getattr(recipe, "path", None):
        return None
    dest = Path(path).resolve()
    project = Path(recipe.path).resolve().parent
    return None if dest == project or project in dest.parents else str(dest)


def _destination(exporter) -> Any:
    path = exporter.args.get("path")
    return getattr(path, "absolute", None) or path


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """Exports need a train block, must not write the same folder twice, and each exporter's ``check`` passes."""
    seen = {}
    blocks = recipe.blocks_of("export")
    if blocks and recipe.block("train") is None and registry.blocks.get("train") is not None:
        diagnostics.error("nothing to export: the recipe trains no model", blocks[0].span,
                          "add a train block: train { epochs 3 }")
    for block in blocks:
        exporter = block.label
        if exporter is None or not hasattr(exporter, "args"):
            continue
        path = _destination(exporter)
        if path is not None and path in seen:
            diagnostics.error(f'two exports write "{exporter.args.get("path")}"', exporter.span,
                              f"the other is at {seen[path]}")
            continue
        seen[path] = exporter.span
        outside = _outside_project(path, recipe)
        if outside and not exporter.args.get("outside"):
            diagnostics.error(f'export "{exporter.args.get("path")}" writes outside the recipe\'s folder, to {outside}',
                              exporter.arg_spans.get("path", exporter.span),
                              f'export inside the project, or say it is meant: '
                              f'{exporter.name}("{exporter.args.get("path")}", outside: true)')
        for message, arg, hint in exporter_problems(exporter, registry, recipe.name):
            where = exporter.arg_spans.get(arg, exporter.span) if arg else exporter.span
            diagnostics.error(message, where, hint)


def exporter_check(exporter: Exporter, recipe_name: str):
    """``exporter.check`` as a one-argument function, given the recipe's name when its signature takes it."""
    import inspect

    try:
        takes_name = "recipe_name" in inspect.signature(exporter.check).parameters
    except (TypeError, ValueError):
        takes_name = False
    return (lambda args: exporter.check(args, recipe_name=recipe_name)) if takes_name else exporter.check


def exporter_problems(exporter, registry, recipe_name: str = "") -> list[tuple[str, Any, Any]]:
    """What the exporter's own ``check`` finds (none when its impl cannot be found: check reports that)."""
    spec = registry.component(exporter.kind, exporter.name)
    if spec is None or impl_problem(spec.impl) is not None:
        return []
    if any(p.name not in exporter.args for p in spec.params):
        return []  # an argument failed to bind: that error is reported already
    from ftcore_export.stage import resolved_args

    entry = component_entry(exporter, registry)
    try:
        problems = call_component(entry, exporter_check(component_object(entry, Exporter), recipe_name),
                                  resolved_args(entry))
    except PluginError as err:
        if err.position is None and exporter.span is not None and exporter.span.line > 0:
            err.position = str(exporter.span)  # the recipe text that brought the failing code in
        raise
    if not isinstance(problems, (list, tuple)) or not all(isinstance(p, (list, tuple)) and len(p) == 3
                                                          for p in problems):
        raise PluginError(entry["plugin"], f'exporter "{exporter.name}"',
                          f"its check() returned {problems!r}, not a list of (message, argument, hint)",
                          dist=entry.get("dist", "?"), version=entry.get("version", "?"))
    return [(str(m), a, h) for m, a, h in problems]


@hookimpl(wrapper=True)
def ftcore_lower(recipe, graph, registry):
    """After every other plugin lowered its blocks: one ``export.<n>`` stage per export block.

    Each reads the trained model (``train.model``), the training summary and the metrics of every
    ``evaluate`` stage (for the model card), whichever plugins added them.
    """
    result = yield
    lower_exports(recipe, graph, registry)
    return result


def lower_exports(recipe, graph, registry) -> None:
    """Add the export stages (see :func:`ftcore_lower`)."""
    blocks = recipe.blocks_of("export")
    train = graph.get("train")
    if not blocks or train is None or "model" not in train.outputs:
        return
    model = recipe.block("model")
    task = model.get("task", "") if model is not None else ""
    evaluations = [s.id for s in graph.order() if s.kind == "evaluate" and "metrics" in s.outputs]
    for index, block in enumerate(blocks):
        exporter = block.label
        inputs = {"model": f"{train.id}.model"}
        if "summary" in train.outputs:
            inputs["summary"] = f"{train.id}.summary"
        if "info" in train.inputs:  # the data's rows per split, for the model card
            inputs["info"] = train.inputs["info"]
        inputs.update({f"metrics{i}": f"{sid}.metrics" for i, sid in enumerate(evaluations)})
        graph.add_stage(
            f"export.{index}", "export", "export",
            params={"exporter": component_entry(exporter, registry), "card": block.get("card", True),
                    "merge_adapter": block.get("merge_adapter", True), "recipe": recipe.name, "task": task,
                    "recipe_text": recipe.source or ""},
            inputs=inputs, outputs={"path": "path"}, impl="ftcore_export.stage:EXPORT_STAGE",
            doc=f"write the model with {exporter}", span=block.span,
        )
