"""The parser and the AST: values, spans, comments, and syntax errors in words."""

from __future__ import annotations

import pytest

from ftcore.lang import ast
from ftcore.lang.parser import describe_expected, parse
from ftcore.lang.transformer import unquote


def parse_ok(text: str) -> ast.Module:
    module, diagnostics = parse(text, "t.ftr")
    assert not diagnostics, [d.message for d in diagnostics]
    return module


def value_of(text: str) -> ast.Value:
    """The single value of attribute ``v`` in ``x { v <text> }``."""
    (block,) = parse_ok(f"x {{ v {text} }}").blocks
    (attr,) = block.attributes
    (arg,) = attr.args
    return arg.value


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("text, value, kind", [
    ("3", 3, int), ("0", 0, int), ("-2", -2, int), ("+7", 7, int), ("128", 128, int),
    ("0.1", 0.1, float), ("5e-5", 5e-5, float), ("1E3", 1000.0, float), ("-0.5", -0.5, float),
    (".5", 0.5, float), ("2.", 2.0, float), ("-1e-3", -1e-3, float),
])
def test_numbers(text, value, kind):
    node = value_of(text)
    assert isinstance(node, ast.Num)
    assert node.value == value and type(node.value) is kind
    assert node.text == text  # the spelling is kept for the formatter


@pytest.mark.parametrize("text, number, fraction", [
    ("10%", 10, 0.1), ("80%", 80, 0.8), ("0.5%", 0.5, 0.005), ("100%", 100, 1.0), ("-5%", -5, -0.05),
])
def test_percentages(text, number, fraction):
    node = value_of(text)
    assert isinstance(node, ast.Percent)
    assert node.value == number and node.fraction == pytest.approx(fraction) and node.text == text


def test_booleans_strings_and_escapes():
    assert value_of("true") == ast.Bool(True)
    assert value_of("false") == ast.Bool(False)
    assert value_of('"data/x.jsonl"') == ast.Str("data/x.jsonl")
    assert value_of(r'"a \"quoted\" word"').value == 'a "quoted" word'
    assert value_of(r'"tab\there\nnewline \\ backslash"').value == "tab\there\nnewline \\ backslash"
    assert value_of('""').value == ""
    assert unquote(r'"\q"') == r"\q"  # unknown escapes are kept as written
    assert value_of('"# not a comment"').value == "# not a comment"


def test_names_that_start_with_keywords_are_names():
    block = parse_ok("x { trueish 1  letter 2  important 3  falsey false }").blocks[0]
    assert [a.name for a in block.attributes] == ["trueish", "letter", "important", "falsey"]


def test_lists():
    node = value_of('[1, "two", 3%, [true], f(x: 1)]')
    assert isinstance(node, ast.ListV)
    assert [type(v) for v in node.items] == [ast.Num, ast.Str, ast.Percent, ast.ListV, ast.Call]
    assert value_of("[]") == ast.ListV(())
    assert value_of("[1, 2,]") == value_of("[1, 2]")  # a trailing comma is allowed
    assert value_of('[\n  "q_proj",\n  "v_proj",\n]').items == (ast.Str("q_proj"), ast.Str("v_proj"))


def test_calls_with_positional_and_keyword_arguments():
    node = value_of('jsonl("data/x.jsonl", lines: true)')
    assert isinstance(node, ast.Call) and node.name == "jsonl"
    assert [(a.name, a.value) for a in node.args] == [(None, ast.Str("data/x.jsonl")), ("lines", ast.Bool(True))]
    assert value_of("accuracy()") == ast.Call("accuracy", ())
    nested = value_of("adamw(lr: 1e-4, betas: [0.9, 0.95], schedule: linear(warmup: 10%))")
    assert nested.args[2].value == ast.Call("linear", (ast.Arg("warmup", ast.Percent(10, "10%")),))


def test_references():
    assert value_of("accuracy") == ast.Ref(("accuracy",))
    ref = value_of("tickets.test")
    assert ref.parts == ("tickets", "test") and ref.dotted == "tickets.test"
    assert value_of("a.b.c").parts == ("a", "b", "c")


# ---------------------------------------------------------------- structure


def test_blocks_labels_and_nesting():
    module = parse_ok('recipe "r" { seed 1 }\ndata tickets { }\nexport hf("out") { card true }\n'
                      "train { regularize { dropout 0.1 } epochs 2 }\nevaluate tickets.test { }\n")
    recipe, data, export, train, evaluate = module.blocks
    assert recipe.label == ast.Str("r")
    assert data.label == ast.Ref(("tickets",)) and data.body == ()
    assert export.label == ast.Call("hf", (ast.Arg(None, ast.Str("out")),))
    assert evaluate.label == ast.Ref(("tickets", "test"))
    assert [b.kind for b in train.blocks] == ["regularize"]
    assert [a.name for a in train.attributes] == ["epochs"]
    assert train.blocks[0].attributes[0].args[0].value == ast.Num(0.1, "0.1")


def test_attributes_comma_lists_keywords_and_call_statements():
    block = parse_ok('x {\n  clean a("t"), b("t")\n  split train: 80%, eval: 10%, stratify: "label"\n'
                     "  early_stop(patience: 2, on: eval.loss)\n  epochs 3  batch 32\n}").blocks[0]
    clean, split, early, epochs, batch = block.attributes
    assert [a.value.name for a in clean.args] == ["a", "b"]
    assert [a.name for a in split.args] == ["train", "eval", "stratify"]
    assert early.paren and not split.paren
    # the call-statement form means the same as the attribute form
    same = parse_ok("x { early_stop patience: 2, on: eval.loss }").blocks[0].attributes[0]
    assert (early.name, early.args) == (same.name, same.args)
    assert (epochs.name, batch.name) == ("epochs", "batch")


def test_lets_and_imports():
    module = parse_ok('import "base.ftr"\nlet max_len = 128\nlet names = ["a", "b"]\nx { v max_len }')
    assert module.imports == (ast.Import("base.ftr"),)
    assert [(l.name, l.value) for l in module.lets] == [("max_len", ast.Num(128, "128")),
                                                         ("names", ast.ListV((ast.Str("a"), ast.Str("b"))))]
    assert module.lets[0].name_span.col == 5


def test_empty_and_comment_only_files():
    assert parse_ok("").items == ()
    module = parse_ok("# just a comment\n\n# another\n")
    assert module.items == () and [c.text for c in module.comments] == ["# just a comment", "# another"]


def test_comments_are_kept_with_spans_and_strings_are_not_comments():
    module = parse_ok('# head\nx { v "a # b"  # tail\n}\n')
    assert [(c.text, c.span.line, c.span.col) for c in module.comments] == [("# head", 1, 1), ("# tail", 2, 16)]


# ---------------------------------------------------------------- spans


def test_spans_point_at_the_source():
    text = 'recipe "r" {\n  seed 42\n}\n\ntrain {\n  optimizer adamw(lr: 5e-5)\n}\n'
    module = parse_ok(text)
    recipe, train = module.blocks
    assert (recipe.span.line, recipe.span.col, recipe.span.end_line) == (1, 1, 3)
    assert (recipe.kind_span.line, recipe.kind_span.col, recipe.kind_span.end_col) == (1, 1, 7)
    assert (recipe.label.span.line, recipe.label.span.col, recipe.label.span.end_col) == (1, 8, 11)
    seed = recipe.attributes[0]
    assert (seed.name_span.line, seed.name_span.col) == (2, 3)
    assert (seed.args[0].value.span.col, seed.args[0].value.span.end_col) == (8, 10)
    call = train.attributes[0].args[0].value
    assert (call.span.line, call.span.col, call.span.end_col) == (6, 13, 28)
    assert (call.name_span.col, call.name_span.end_col) == (13, 18)
    kw = call.args[0]
    assert (kw.name_span.col, kw.value.span.col, kw.value.span.end_col) == (19, 23, 27)
    assert text[kw.value.span.start:kw.value.span.end] == "5e-5"
    assert str(kw.value.span) == "t.ftr:6:23"


def test_spans_are_not_part_of_equality():
    a = parse_ok("x { v 1 }").blocks[0]
    b = parse_ok("\n\n  x {\n v   1\n}").blocks[0]
    assert a == b and a.span != b.span


# ---------------------------------------------------------------- syntax errors


def errors(text: str) -> list[tuple[int, int, str, str]]:
    module, diagnostics = parse(text, "t.ftr")
    assert module.items == ()  # a file with a syntax error gives no items
    return [(d.span.line, d.span.col, d.message, d.hint or "") for d in diagnostics]


@pytest.mark.parametrize("text, line, col, message, hint", [
    ("x { v }", 1, 7, "unexpected '}': expected a value, '{' or '('", "`v` needs a value"),
    ('x { v "abc }', 1, 7, "unterminated string", "close the string"),
    ("x { v 'abc' }", 1, 7, "unexpected character \"'\"", "double quotes"),
    ("x { v = 1 }", 1, 7, "unexpected '=': expected a value", "without '='"),
    ("x { v: 1 }", 1, 6, "unexpected ':'", "not followed by ':'"),
    ("x {\n  v 1\n", 2, 6, "unexpected end of file: expected a name, ',' or '}'", "opened on line 1"),
    ("x { y {\n v 1\n", 2, 5, "unexpected end of file", "2 blocks are not closed (opened on lines 1 and 1)"),
    ("x { v 1 @ }", 1, 9, "unexpected character '@'", ""),
    ("x { v 1 } }", 1, 11, "unexpected '}'", "closes no block"),
    ("x { split train 80% }", 1, 17, "unexpected percentage 80%", "`train: 80%`"),
    ("import base", 1, 8, 'unexpected name "base": expected a string', "double quotes"),
    ("x { v f(1 }", 1, 11, "unexpected '}': expected ',' or ')'", ""),
    ("x { v [1 }", 1, 10, "unexpected '}': expected ',' or ']'", ""),
    ("x { v 1, }", 1, 10, "unexpected '}': expected a value", "trailing ','"),
    ("train epochs 3", 1, 14, "unexpected number 3", "between braces"),
    ("let = 3", 1, 5, "unexpected '=': expected a name", ""),
])
def test_syntax_errors_in_words(text, line, col, message, hint):
    (first, *_) = errors(text)
    assert first[:2] == (line, col), first
    assert first[2].startswith(message), first
    assert hint in first[3], first


def test_several_syntax_errors_are_reported_in_one_go():
    found = errors("recipe 'r' { seed 1 }\ntrain {\n  epochs = 3\n}\nmodel { task: x }\n")
    assert [line for line, *_ in found] == [1, 3, 5]


def test_describe_expected():
    assert describe_expected({"RBRACE"}) == "'}'"
    assert describe_expected({"NAME", "RBRACE"}) == "a name or '}'"
    assert describe_expected({"STRING", "NUMBER", "PERCENT", "LSQB", "NAME", "TRUE", "FALSE", "LPAR"}) == \
        "a value or '('"
    assert describe_expected(set()) == "something else"
