"""A stand-in for the model plugin in the data tests: a ``model`` block and a ``model.tokenizer`` stage.

``model { base "<tokenizer folder>"  task causal_lm  max_length 64 }`` lowers to one stage whose
output ``tokenizer`` is ``AutoTokenizer.from_pretrained(base)``.
"""

import types

from ftcore.plugins import hookimpl
from ftcore.plugins.schema import AttrSpec, BlockSpec, Choice, Integer, String


def _register(register):
    register.block(BlockSpec("model", attrs=(
        AttrSpec.single("base", String(), ""),
        AttrSpec.single("task", Choice("causal_lm", "classification", "seq2seq", "token_classification"), None),
        AttrSpec.single("max_length", Integer(min=8), 512),
    )))


def _lower(recipe, graph):
    model = recipe.block("model")
    if model is not None:
        graph.add_stage("model.tokenizer", "model.tokenizer", "fakemodel", params={"path": model["base"]},
                        outputs={"tokenizer": "tokenizer"}, impl="fake_model:TokenizerStage")


class TokenizerStage:
    """Loads the tokenizer saved at ``params["path"]`` (not cached, like a cheap load)."""

    calls = 0

    @classmethod
    def run(cls, stage, inputs, ctx):
        from transformers import AutoTokenizer

        cls.calls += 1
        return {"tokenizer": AutoTokenizer.from_pretrained(stage.params["path"])}


def plugin():
    """The fake model plugin as a module object, for ``load_host(extra=[("fakemodel", plugin())])``."""
    module = types.ModuleType("fakemodel")
    module.ftcore_register_components = hookimpl(_register)
    module.ftcore_lower = hookimpl(_lower)
    return module
