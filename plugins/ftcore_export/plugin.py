"""The ``export`` block: where the trained model goes, in which layout.

``export hf("out/support-intents") { card true }`` writes the model in the Hugging Face layout
(safetensors weights, config, tokenizer, a model card) to a folder relative to the recipe.
"""

from ftcore.plugins import hookimpl
from ftcore.plugins.schema import AttrSpec, BlockSpec, Boolean, Component, Param, String

EXPORT_BLOCK = BlockSpec(
    name="export",
    help="Write the trained model somewhere outside the run directory.",
    label=Component("exporter"),
    label_required=True,
    label_help='the exporter and its destination: export hf("out/my-model") { ... }',
    multiple=True,
    attrs=(
        AttrSpec.single("card", Boolean(), True, "Write a model card (README.md) with the recipe, data and metrics."),
        AttrSpec.single("merge_adapter", Boolean(), True,
                        "Merge LoRA weights into the base model before saving (else save the adapter alone)."),
    ),
    example='export hf("out/my-model") { card true }',
)


@hookimpl
def ftcore_register_components(register):
    """Declare the ``export`` block and the ``hf`` exporter."""
    register.kind("exporter", "Writes the trained model to a destination in some layout.")
    register.block(EXPORT_BLOCK)
    register.component(
        "exporter", "hf",
        (Param("path", String(), help="Folder to write, relative to the recipe's folder."),
         Param("overwrite", Boolean(), False, "Replace the folder if it already holds a model.")),
        "The Hugging Face layout: config.json, model.safetensors, tokenizer files, README.md.",
        impl="ftcore_train.stages:EXPORT_STAGE",
    )


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """Two exports must not write the same folder."""
    seen = {}
    for block in recipe.blocks_of("export"):
        exporter = block.label
        if exporter is None:
            continue
        path = exporter.args.get("path")
        if path in seen:
            diagnostics.error(f'two exports write "{path}"', exporter.span, f"the other is at {seen[path]}")
        seen[path] = exporter.span
