"""Shared pieces of the distribution's tests: tiny recipes and the tiny model's parts through ftcore.api."""

from __future__ import annotations

import pytest

from preference_helpers import pairs_jsonl, preference_recipe


@pytest.fixture
def tiny_parts(ftcore_compile, tmp_path):
    """``(model params of the train stage, tokenizer)`` of a tiny recipe (``model`` lines added to its model block)."""
    from ftcore.api import ModelSource, component_object

    def make(model: str = ""):
        (tmp_path / "pairs.jsonl").write_text(pairs_jsonl())
        _, graph = ftcore_compile(preference_recipe(model=model))
        params = graph.get("train").params
        base = params["model"]["base"]
        tokenizer = component_object(base, ModelSource).tokenizer(base["args"], params["model"]["max_length"])
        return params, tokenizer

    return make
