"""Shared test helpers: the repository root and a tiny fake plugin for language/compiler tests.

The fake plugin declares minimal ``data``, ``model`` and ``train`` blocks (the real ones belong to
other built-in plugins) and lowers them to a small run graph. Tests that use it load only the
built-ins they name plus the fake, so they do not depend on which other plugins are installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftcore.lang import ast
from ftcore.plugins import hookimpl
from ftcore.plugins.schema import (AttrSpec, BlockSpec, Boolean, Choice, Component, Float, Fraction, Integer,
                                   ListOf, Param, PortionType, Reference, String)

ROOT = Path(__file__).resolve().parents[1]
BUILTINS = ["recipe", "metrics", "export"]


@pytest.fixture(scope="session", autouse=True)
def _user_cache_in_a_temporary_folder(tmp_path_factory):
    """ftcore's user cache (ftcore/user_cache.py) in a fresh folder, for the tests and the processes they start."""
    os.environ.setdefault("FTCORE_USER_CACHE", str(tmp_path_factory.mktemp("user-cache")))


class Name(String):
    """A label written as a bare name (``data tickets``) or a string."""

    description = "a name"

    def convert(self, value, ctx):
        if isinstance(value, ast.Ref) and len(value.parts) == 1:
            return value.parts[0]
        return super().convert(value, ctx)


class FakePlugin:
    """``data``, ``model`` and ``train`` blocks, a few components, and their stages."""

    __version__ = "0.0.1"

    @hookimpl
    def ftcore_register_components(self, register):
        register.kind("source", "Where examples come from.")
        register.kind("cleaner", "A cleaning step.")
        register.kind("optimizer", "An optimizer.")
        register.component("source", "jsonl", (Param("path", String()), Param("lines", Boolean(), True)))
        register.component("cleaner", "drop_empty", (Param("field", String()),))
        register.component("cleaner", "dedupe", (), variadic=Param("fields", String()))
        register.component("cleaner", "max_chars", (Param("field", String()), Param("limit", Integer(min=1))))
        register.component("optimizer", "adamw", (Param("lr", Float(min=0, min_open=True), 5e-5),
                                                  Param("betas", ListOf(Float()), [0.9, 0.999], positional=False)))
        register.block(BlockSpec(
            "data", label=Name(), label_required=True, multiple=True, required=False,
            label_help="a name for the data: data tickets { ... }",
            attrs=(AttrSpec.single("source", Component("source"), required=True),
                   AttrSpec.many("clean", Component("cleaner")),
                   AttrSpec("split", (Param("train", PortionType()), Param("eval", PortionType(), None),
                                      Param("test", PortionType(), None), Param("stratify", String(), ""))))))
        register.block(BlockSpec(
            "model", attrs=(AttrSpec.single("base", String(), required=True),
                            AttrSpec.single("task", Choice("classification", "causal_lm"), "causal_lm"),
                            AttrSpec.single("max_length", Integer(min=1), 512))))
        early_stop = AttrSpec("early_stop", (Param("patience", Integer(min=1)),
                                             Param("on", Reference("a metric such as eval.loss"), None)))
        register.block(BlockSpec(
            "train", attrs=(AttrSpec.single("epochs", Integer(min=1), 1), AttrSpec.single("batch", Integer(min=1), 8),
                            AttrSpec.single("optimizer", Component("optimizer"), None),
                            AttrSpec.single("warmup", Fraction(), 0.0)),
            blocks=(BlockSpec("regularize", attrs=(AttrSpec.single("dropout", Fraction(), 0.0), early_stop)),)))

    @hookimpl
    def ftcore_lower(self, recipe, graph):
        data_ids = {}
        for block in recipe.blocks_of("data"):
            load = graph.add_stage(f"data.{block.label}.load", "load", "fake", params={"source": block["source"]},
                                   outputs={"rows": "dataset"}, span=block.span)
            split = graph.add_stage(f"data.{block.label}.split", "split", "fake",
                                    params={"clean": block["clean"], "split": block["split"]},
                                    inputs={"rows": f"{load.id}.rows"}, outputs={s: "dataset" for s in
                                                                                ("train", "eval", "test")})
            data_ids[block.label] = split.id
        model = recipe.block("model")
        if model is None:
            return
        base = graph.add_stage("model", "load_model", "fake", params={"base": model["base"]},
                               outputs={"model": "model"})
        train = recipe.block("train")
        inputs = {"model": "model.model"}
        if data_ids:
            inputs["train"] = next(iter(data_ids.values())) + ".train"
        params = {} if train is None else {k: v for k, v in train.attrs.items()}
        graph.add_stage("train", "train", "fake", params=params, inputs=inputs, outputs={"model": "model"})
        # evaluate blocks are lowered by the real metrics plugin, from the data.<label>.* stages above


@pytest.fixture
def fake_host():
    """A plugin host with the built-in recipe, metrics and export plugins plus :class:`FakePlugin`."""
    from ftcore.plugins.manager import load_host

    return load_host(only=BUILTINS, extra=[("fake", FakePlugin())])


@pytest.fixture
def one_torch_thread():
    """Torch on one thread for the test: tiny models train fastest, and steadiest on a busy machine, so."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
