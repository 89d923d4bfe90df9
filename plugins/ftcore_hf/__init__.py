"""Hugging Face models for ftcore: the ``model`` block, model sources, adapters and the tokenizer stage."""
