"""The ``recipe`` block: ``recipe "support-intents" { seed 42 }``."""

from ftcore.plugins import hookimpl
from ftcore.plugins.schema import AttrSpec, BlockSpec, Integer, String

RECIPE_BLOCK = BlockSpec(
    name="recipe",
    help="The recipe's name and the settings that apply to the whole run.",
    label=String(),
    label_help='the recipe\'s name, used for the run directory: recipe "support-intents" { ... }',
    attrs=(
        AttrSpec.single("seed", Integer(min=0, max=2**32 - 1), 42,
                        "The one seed that reaches every random generator (data order, splits, init, dropout)."),
        AttrSpec.single("description", String(), "", "A sentence saying what the recipe is for."),
    ),
    example='recipe "support-intents" { seed 42 }',
)


@hookimpl
def ftcore_register_components(register):
    """Declare the ``recipe`` block."""
    register.block(RECIPE_BLOCK)


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """A recipe's name must be usable as a folder name."""
    block = recipe.block("recipe")
    if block is None or not isinstance(block.label, str):
        return
    name = block.label
    if not name or any(c in name for c in '/\\:*?"<>|') or name in (".", ".."):
        diagnostics.error(f'recipe name "{name}" cannot be used as a folder name', block.label_span,
                          "use letters, digits, '-', '_' and '.'")
