"""The data plugin's hooks: declare the ``data`` block, check it, lower it to stages.

See docs/data.md for the block's reference. Nothing here imports ``datasets``, ``transformers``
or ``torch``; the stages named by ``impl`` strings do, when they run.
"""

from ftcore.api import hookimpl

from ftcore_data.lowering import lower_data_block
from ftcore_data.rules import check_data_block
from ftcore_data.spec import register_all

FTCORE_PLUGIN_API = "1.0"


@hookimpl
def ftcore_register_components(register):
    """Declare the ``data`` block, the source/cleaner/split_method/format kinds and their components."""
    register_all(register)


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """Split shares add up, the format fits the model's task, every component accepts its arguments.

    Data files are checked by their ``FilePath`` parameters; each source, cleaner, split method
    and format is asked about its arguments through its contract's ``check``."""
    for block in recipe.blocks_of("data"):
        check_data_block(block, recipe, registry, diagnostics)
        if recipe.block("model") is None:
            diagnostics.error(f'data block "{block.label}" needs a model block: its tokenizer encodes the data',
                              block.label_span or block.span, 'add a model block, e.g. model { base hf("gpt2") ... }')


@hookimpl
def ftcore_lower(recipe, graph, registry):
    """Add load → validate → clean → split → tokenize stages for every data block."""
    for block in recipe.blocks_of("data"):
        lower_data_block(block, recipe, graph, registry)
