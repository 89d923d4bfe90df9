"""The ``model.tokenizer`` stage: loads the tokenizer once; its cache entry is the saved tokenizer."""

from __future__ import annotations

from ftcore_hf.build import load_tokenizer


class TokenizerStage:
    """Runs the base model source's ``tokenizer`` and saves the result, so later runs and workers load it back."""

    def run(self, stage, inputs, ctx):
        """Load the tokenizer and save it to ``ctx.output_dir``."""
        tok = load_tokenizer(stage.params)
        tok.save_pretrained(str(ctx.output_dir))
        return {"tokenizer": tok}

    def load(self, stage, ctx):
        """Read back the tokenizer ``run`` saved."""
        from transformers import AutoTokenizer

        return {"tokenizer": AutoTokenizer.from_pretrained(str(ctx.output_dir), local_files_only=True)}


TOKENIZER_STAGE = TokenizerStage()
