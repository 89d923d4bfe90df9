"""Binding arguments to declared parameters (like a Python call), and checking blocks against schemas."""

from __future__ import annotations

import pytest

from ftcore.compiler.binding import bind_args, bind_component
from ftcore.compiler.checker import check_module
from ftcore.lang.diagnostics import Diagnostics
from ftcore.lang.parser import parse
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import (REQUIRED, AttrSpec, BlockSpec, BoundComponent, Component, ConvertContext,
                                   Float, Integer, ListOf, Param, Portion, PortionType, RefValue, String,
                                   TypeProblem)

PARAMS = (Param("path", String()), Param("limit", Integer(min=1), 10), Param("rate", Float(), 0.5),
          Param("tags", ListOf(String()), [], positional=False))


def call_args(text: str):
    module, diagnostics = parse(f"x {{ v f({text}) }}", "t.ftr")
    assert not diagnostics
    return module.blocks[0].attributes[0].args[0].value.args


def bind(text: str, params=PARAMS, variadic=None, registry=None):
    diagnostics = Diagnostics()
    ctx = ConvertContext(registry or Registry(), diagnostics)
    values, extra, spans, ok = bind_args(params, variadic, call_args(text), ctx, 'source "f"', None)
    return values, extra, [d.message for d in diagnostics], ok


def test_positional_then_keyword_with_defaults_filled():
    values, extra, errors, ok = bind('"a.jsonl", 5, rate: 0.1')
    assert ok and not errors and extra == []
    assert values == {"path": "a.jsonl", "limit": 5, "rate": 0.1, "tags": []}


def test_keywords_in_any_order():
    values, _, errors, ok = bind('rate: 2, path: "p"')
    assert ok and values == {"path": "p", "limit": 10, "rate": 2.0, "tags": []}


def test_positional_skips_parameters_already_named():
    values, _, errors, ok = bind('limit: 3, "p", 0.25')
    assert ok, errors
    assert values["path"] == "p" and values["limit"] == 3 and values["rate"] == 0.25


def test_keyword_only_parameters_are_not_filled_positionally():
    _, _, errors, ok = bind('"p", 1, 0.5, ["x"]')
    assert not ok and errors == ["too many arguments: source \"f\" takes 3 positional arguments"]
    values, _, errors, ok = bind('"p", tags: ["x", "y"]')
    assert ok and values["tags"] == ["x", "y"]
    values, _, _, _ = bind('"p", tags: "x"')  # one item is accepted as a list of one
    assert values["tags"] == ["x"]


@pytest.mark.parametrize("text, message", [
    ("", 'source "f" needs argument "path" (a string)'),
    ('"p", lmit: 3', 'unknown argument "lmit" for source "f"'),
    ('"p", path: "q"', 'argument "path" given twice for source "f"'),
    ('"p", limit: 0', "limit: 0 is out of range: must be ≥ 1"),
    ('"p", limit: 2.5', "limit: expected an integer ≥ 1, got the number 2.5"),
    ('3', "path: expected a string, got the number 3"),
])
def test_binding_errors(text, message):
    _, _, errors, ok = bind(text)
    assert not ok and errors == [message]


def test_every_binding_error_is_reported():
    _, _, errors, _ = bind('lmit: 3, limit: 0, rate: "x"')
    assert len(errors) == 4  # unknown, out of range, wrong type, missing path


def test_variadic_parameters_collect_positional_arguments():
    params = (Param("keep", Integer(), 1, positional=False),)
    values, extra, errors, ok = bind('"a", "b", "c", keep: 2', params, Param("fields", String()))
    assert ok and extra == ["a", "b", "c"] and values == {"keep": 2}
    _, extra, errors, ok = bind('"a", 3', params, Param("fields", String()))
    assert not ok and errors == ["fields: expected a string, got the number 3"]


def test_did_you_mean_for_arguments():
    diagnostics = Diagnostics()
    ctx = ConvertContext(Registry(), diagnostics)
    bind_args(PARAMS, None, call_args('"p", limt: 3'), ctx, 'source "f"', None)
    assert diagnostics[0].hint == 'did you mean "limit"?'


# ---------------------------------------------------------------- components


def registry() -> Registry:
    from ftcore.plugins.registry import Register

    reg = Registry()
    r = Register(reg, "test")
    r.kind("metric")
    r.component("metric", "f1", (Param("average", String(), "macro"),), tasks=("classification",))
    r.component("metric", "accuracy")
    r.component("source", "jsonl", (Param("path", String()),))
    return reg


def component(kind: str, text: str):
    module, _ = parse(f"x {{ v {text} }}", "t.ftr")
    value = module.blocks[0].attributes[0].args[0].value
    diagnostics = Diagnostics()
    return bind_component(kind, value, ConvertContext(registry(), diagnostics)), diagnostics


def test_components_bind_from_calls_and_bare_names():
    f1, diagnostics = component("metric", 'f1(average: "micro")')
    assert not diagnostics
    assert f1 == BoundComponent("metric", "f1", {"average": "micro"}, "test")
    assert f1.to_json() == {"component": "metric:f1", "args": {"average": "micro"}}
    accuracy, _ = component("metric", "accuracy")
    assert accuracy.name == "accuracy" and accuracy.args == {}
    default, _ = component("metric", "f1")
    assert default.args == {"average": "macro"}


@pytest.mark.parametrize("kind, text, message, hint", [
    ("metric", "accuarcy()", 'unknown metric "accuarcy"', 'did you mean "accuracy"?'),
    ("metric", "jsonl", 'unknown metric "jsonl"', '"jsonl" is a source, not a metric'),
    ("metric", "zzz", 'unknown metric "zzz"', "known metrics: accuracy, f1"),
    ("metric", "3", "expected a metric such as accuracy(...), got the number 3", "one of: accuracy, f1"),
])
def test_component_errors(kind, text, message, hint):
    with pytest.raises(TypeProblem) as info:
        component(kind, text)
    assert info.value.message == message and info.value.hint == hint


# ---------------------------------------------------------------- blocks


SPEC = BlockSpec("train", attrs=(
    AttrSpec.single("epochs", Integer(min=1), 1),
    AttrSpec.single("name", String(), required=True),
    AttrSpec.many("metrics", Component("metric")),
    AttrSpec("split", (Param("train", PortionType()), Param("eval", PortionType(), None))),
    AttrSpec("early_stop", (Param("patience", Integer(min=1)),)),
    AttrSpec.single("on", ListOf(String()), []),
), blocks=(BlockSpec("inner", attrs=(AttrSpec.single("x", Integer(), 0),)),))


def checked(text: str):
    reg = registry()
    reg.blocks["train"] = SPEC
    module, _ = parse(text, "t.ftr")
    diagnostics = Diagnostics()
    recipe = check_module(module, reg, diagnostics)
    return recipe, [d.message for d in diagnostics]


def test_attribute_shapes_and_defaults():
    recipe, errors = checked('train { name "n"  metrics accuracy, f1  split train: 80%, eval: 100\n'
                             "  inner { x 2 } }")
    assert not errors
    block = recipe.block("train")
    assert block["epochs"] == 1 and "epochs" not in block.given  # defaulted
    assert block["name"] == "n"
    assert [m.name for m in block["metrics"]] == ["accuracy", "f1"]
    assert block["split"] == {"train": Portion(fraction=0.8), "eval": Portion(count=100)}
    assert block["early_stop"] is None  # not written, and it has a required parameter
    assert block["on"] == []
    assert block.nested("inner")[0]["x"] == 2
    assert block.span_of("name").col == 9


def test_positional_binding_in_attributes_too():
    recipe, errors = checked('train { name "n"  split 80%, 20%  early_stop 3 }')
    assert not errors
    assert recipe.block("train")["split"] == {"train": Portion(fraction=0.8), "eval": Portion(fraction=0.2)}
    assert recipe.block("train")["early_stop"] == {"patience": 3}


@pytest.mark.parametrize("text, message", [
    ("train { }", 'block "train" needs attribute "name"'),
    ('train { name "n" name "m" }', 'attribute "name" is set twice in block "train"'),
    ('train { name "n" epochs 1, 2 }', 'attribute "epochs" takes one value (an integer ≥ 1), got 2 values'),
    ('train { name "n" epochs x: 1 }', 'attribute "epochs" takes one value (an integer ≥ 1), '
                                       'got a named argument "x"'),
    ('train "label" { name "n" }', 'block "train" takes no label'),
    ('train { name "n" split eval: 10% }', 'attribute "split" needs argument "train" (a count or a percentage)'),
    ('train { name "n" split train: 101% }', "train: 101% is out of range: must be between 0% and 100%"),
    ('train { name "n" split train: 0.5 }', "train: expected a count or a percentage, got the number 0.5"),
    ('train { name "n" inner { y 1 } }', 'unknown attribute "y" in block "inner"'),
    ('train { name "n" nope { } }', 'block "train" has no nested block "nope"'),
])
def test_block_errors(text, message):
    _, errors = checked(text)
    assert errors == [message]


def test_reference_values():
    from ftcore.plugins.schema import Reference

    module, _ = parse("x { v eval.loss }", "t.ftr")
    value = module.blocks[0].attributes[0].args[0].value
    ref = Reference().convert(value, None)
    assert ref == RefValue(("eval", "loss")) and ref.dotted == "eval.loss" and ref.to_json() == "eval.loss"
    assert Param("p", String()).default is REQUIRED and Param("p", String()).required
