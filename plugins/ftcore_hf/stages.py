"""The ``model.tokenizer`` stage: loads the tokenizer once; its cache entry is the saved tokenizer."""

from __future__ import annotations

from ftcore.api import LazyOutputs

from ftcore_hf.build import load_tokenizer


class TokenizerStage:
    """Runs the base model source's ``tokenizer`` and saves the result, so later runs and workers load it back."""

    def run(self, stage, inputs, ctx):
        """Load the tokenizer and save it to ``ctx.output_dir``."""
        tok = load_tokenizer(stage.params)
        tok.save_pretrained(str(ctx.output_dir))
        return {"tokenizer": tok}

    def load(self, stage, ctx):
        """The tokenizer ``run`` saved, read back on first use (a warm ``ftcore prepare`` may not need it)."""
        return LazyOutputs({"tokenizer": lambda: _saved_tokenizer(ctx.output_dir)})


def _saved_tokenizer(folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


TOKENIZER_STAGE = TokenizerStage()
