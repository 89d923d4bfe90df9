"""Where the cursor is, worked out from tokens, in half-typed recipes the parser cannot read."""

from __future__ import annotations

import pytest

from ftcore.lsp.scan import context_at, outline


def at(source: str):
    """The context at the ``|`` in ``source``."""
    offset = source.index("|")
    return context_at(source.replace("|", "", 1), offset)


@pytest.mark.parametrize("source, slot, blocks, head", [
    ("|", "statement", [], None),
    ("rec|", "statement", [], None),
    ("train {\n  |\n}", "statement", ["train"], None),
    ("train { epochs 3\n  ba|", "statement", ["train"], None),
    ("model { task causal_lm |", "statement", ["model"], None),
    ("train { checkpoint {\n  |", "statement", ["train", "checkpoint"], None),
    ("data x { }\n|", "statement", [], None),
    ("evaluate |", "label_or_argument", [], "evaluate"),
    ("model { task |", "label_or_argument", ["model"], "task"),
    ("evaluate x.test {\n  metrics accuracy, |\n}", "argument", ["evaluate"], "metrics"),
    ("let a = |", "let", [], "let"),
    ("# a comm|ent", "none", None, None),
    ('evaluate x.test { metrics f1(average: "macro"|', "none", None, None),
])
def test_the_slot_at_the_cursor(source, slot, blocks, head):
    ctx = at(source)
    if slot == "none":  # nothing to offer: where exactly does not matter
        assert ctx.slot == "none"
    else:
        assert (ctx.slot, ctx.blocks, ctx.head) == (slot, blocks, head)


def test_calls_and_arguments_are_followed():
    ctx = at("evaluate x.test {\n  metrics accuracy, f1(average: |")
    assert [(f.kind, f.name, f.kwarg) for f in ctx.frames] == [("call", "f1", "average")]
    assert ctx.position == 1  # the second item of metrics
    ctx = at('data x { split train: 80%, eval: 10%, |')
    assert ctx.given == ["train", "eval"] and ctx.kwarg is None
    ctx = at('model { adapter lora(rank: 8, targets: ["q", |')
    assert [(f.kind, f.name) for f in ctx.frames] == [("call", "lora"), ("list", "")]
    ctx = at('model { base tiny("t5", 2, |')
    assert ctx.frames[0].position == 2  # the third positional argument of the call
    ctx = at('model { base tiny("t5", layers: 2, |')
    assert (ctx.frames[0].position, ctx.frames[0].given) == (1, ["layers"])
    ctx = at("regularize { early_stop(patience: 2, |")
    assert ctx.call_statement and ctx.frames[0].name == "early_stop" and ctx.frames[0].given == ["patience"]


def test_inside_a_string_the_context_is_where_the_string_starts():
    ctx = at('data x { source jsonl("data/ti|ckets")')
    assert (ctx.slot, ctx.head, ctx.in_string, ctx.prefix) == ("argument", "source", True, "data/ti")
    assert [f.name for f in ctx.frames] == ["jsonl"]
    ctx = at('import "sub/ba|')
    assert (ctx.slot, ctx.in_string, ctx.prefix) == ("import", True, "sub/ba")
    assert at('import "base.ftr"|').slot == "statement"  # after the closing quote


def test_the_name_being_typed_is_the_prefix_even_when_dotted():
    ctx = at("evaluate tickets.te|")
    assert (ctx.prefix, ctx.prefix_start) == ("tickets.te", len("evaluate "))
    assert at("train { epo|").prefix == "epo"
    assert at("train { epochs 5e-|").prefix == ""  # inside a number there is no name to complete


def test_an_unclosed_call_does_not_swallow_the_rest_of_the_block():
    ctx = at("train { optimizer adamw(lr: 1e-4\n}\nmodel {\n  |")
    assert (ctx.slot, ctx.blocks) == ("statement", ["model"])


def test_outline_lists_blocks_attributes_lets_and_imports_even_when_broken():
    text = 'import "base.ftr"\nlet n = 3\ndata tickets {\n  source jsonl("a")\n  split train: 80%,\n}\nexport hf("out") {\n  card'
    symbols = outline(text)
    assert [(s.kind, s.name) for s in symbols] == [("import", '"base.ftr"'), ("let", "n"), ("block", "data tickets"),
                                                   ("block", 'export hf("out")')]
    data = symbols[2]
    assert [(c.kind, c.name) for c in data.children] == [("attribute", "source"), ("attribute", "split")]
    assert text[data.start:data.end].startswith("data tickets {") and text[data.start:data.end].endswith("}")
    assert symbols[3].end == len(text)  # an unclosed block runs to the end
