"""The example plugin's declarations: ``sqlite`` source, ``strip_html`` cleaner, ``balanced_accuracy``
metric and the ``data_audit`` block.

Only declarations live here (every ftcore command imports this module); the code that runs is
named by ``impl`` strings and imported when a run needs it.
"""

from ftcore.api import AttrSpec, BlockSpec, FilePath, Float, Param, Reference, String, hookimpl

FTCORE_PLUGIN_API = "1.0"

DATA_AUDIT = BlockSpec(
    name="data_audit",
    help="Check the prepared training split before training: no label may hold more than max_share of it. "
         "Writes data_audit.json (rows per label) into the run directory.",
    attrs=(
        AttrSpec.single("data", Reference("a data block's label"), help="The data block to audit.", required=True),
        AttrSpec.single("max_share", Float(min=0, max=1, min_open=True), 0.9,
                        "Largest share of the training rows one label may have."),
    ),
    example="data_audit { data tickets  max_share 0.6 }",
)


@hookimpl
def ftcore_register_components(register):
    """Declare the source, the cleaner, the metric and the block."""
    register.component(
        "source", "sqlite",
        (Param("path", FilePath("file"), help="A SQLite database file, relative to the recipe."),
         Param("query", String(), help="A SELECT statement; each result row becomes a row (columns: fields).")),
        "Rows from a SQL query on a SQLite database, opened read-only (rows are reported as path#row).",
        impl="ftcore_example.sqlite_source:SqliteSource",
    )
    register.component(
        "cleaner", "strip_html", (Param("field", String(), help="The field holding HTML."),),
        "Replace HTML in the field by its text: tags removed, entities decoded, whitespace collapsed.",
        impl="ftcore_example.strip_html:StripHtml",
    )
    register.component(
        "metric", "balanced_accuracy", (),
        "Mean recall over the classes that occur: accuracy that a majority class cannot inflate.",
        impl="ftcore_example.balanced_accuracy:BalancedAccuracy", tasks=("classification",),
    )
    register.block(DATA_AUDIT)


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """The audited data block must exist."""
    block = recipe.block("data_audit")
    if block is None:
        return
    labels = [b.label for b in recipe.blocks_of("data")]
    ref = block["data"]
    if len(ref.parts) != 1 or ref.parts[0] not in labels:
        diagnostics.error(f'no data block is labelled "{ref.dotted}"', ref.span,
                          f"data blocks: {', '.join(labels)}" if labels else "add a data block")


@hookimpl(trylast=True)  # after the data plugin has added the stages this one reads
def ftcore_lower(recipe, graph, registry):
    """One stage reading the data block's tokenized training split and its info."""
    block = recipe.block("data_audit")
    if block is None:
        return
    label = block["data"].parts[0]
    prepared = [s for s in graph.order() if s.id.startswith(f"data.{label}.") and {"train", "info"} <= set(s.outputs)]
    if not prepared:
        raise LookupError(f'no stage of data block "{label}" provides the prepared train split')
    source = prepared[-1].id
    graph.add_stage("data_audit", "data_audit", "example", params={"max_share": block["max_share"]},
                    inputs={"train": f"{source}.train", "info": f"{source}.info"},
                    impl="ftcore_example.audit:DataAuditStage", doc=f"label shares of {label}'s training split",
                    span=block.span)
