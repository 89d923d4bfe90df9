"""The resolver: imports merged attribute by attribute, lets substituted, ``--set`` applied."""

from __future__ import annotations

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang import ast
from ftcore.lang.diagnostics import RecipeError
from ftcore.lang.resolve import resolve_file

BASE = """
let max_len = 128
recipe "base" { seed 1 }
data tickets {
  source jsonl("tickets.jsonl")
  split train: 80%, eval: 20%
}
model { base "tiny" max_length max_len }
train {
  epochs 3
  batch 32
  optimizer adamw(lr: 1e-4)
  regularize { dropout 0.1  early_stop(patience: 2, on: eval.loss) }
}
"""


@pytest.fixture
def write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return name

    return write


def resolved(path, overrides=()):
    result, diagnostics = resolve_file(path, overrides)
    assert not diagnostics.errors, [d.message for d in diagnostics]
    return result.module


def block(module: ast.Module, kind: str, label=None) -> ast.Block:
    (found,) = [b for b in module.blocks if b.kind == kind and (label is None or b.label == label)]
    return found


def attrs(b: ast.Block) -> dict:
    from ftcore.lang.fmt import format_arg

    return {a.name: ", ".join(format_arg(x) for x in a.args) for a in b.attributes}


def test_import_overrides_attribute_by_attribute_and_nested_blocks(write, fake_host):
    write("base.ftr", BASE)
    path = write("child.ftr", 'import "base.ftr"\n'
                              'train {\n  batch 16\n  warmup 10%\n  regularize { dropout 0.2 }\n}\n')
    module = resolved(path)
    train = block(module, "train")
    assert attrs(train) == {"epochs": "3", "batch": "16", "optimizer": "adamw(lr: 1e-4)", "warmup": "10%"}
    assert attrs(train.blocks[0]) == {"dropout": "0.2", "early_stop": "patience: 2, on: eval.loss"}
    # blocks the child does not mention come from the base unchanged
    assert attrs(block(module, "recipe")) == {"seed": "1"}
    recipe, graph = compile_recipe(path, host=fake_host)
    assert graph["train"].params["batch"] == 16 and graph["train"].params["epochs"] == 3


def test_override_spans_point_at_the_file_that_wrote_them(write):
    write("base.ftr", BASE)
    module = resolved(write("child.ftr", 'import "base.ftr"\ntrain { batch 16 }\n'))
    train = block(module, "train")
    by_name = {a.name: a for a in train.attributes}
    assert by_name["batch"].span.path == "child.ftr"
    assert by_name["epochs"].span.path == "base.ftr"


def test_labelled_blocks_merge_by_label(write):
    write("base.ftr", BASE)
    module = resolved(write("child.ftr", 'import "base.ftr"\n'
                                         'data tickets { split train: 90%, eval: 10% }\n'
                                         'data extra { source jsonl("more.jsonl") }\n'))
    tickets = block(module, "data", ast.Ref(("tickets",)))
    assert attrs(tickets) == {"source": 'jsonl("tickets.jsonl")', "split": "train: 90%, eval: 10%"}
    assert attrs(block(module, "data", ast.Ref(("extra",)))) == {"source": 'jsonl("more.jsonl")'}


def test_imports_are_relative_to_the_importing_file_and_later_imports_win(write):
    write("shared/a.ftr", "train { epochs 1 batch 8 }\n")
    write("shared/b.ftr", 'import "a.ftr"\ntrain { epochs 2 }\n')
    write("shared/c.ftr", "train { epochs 5 warmup 5% }\n")
    module = resolved(write("r.ftr", 'import "shared/b.ftr"\nimport "shared/c.ftr"\n'))
    assert attrs(block(module, "train")) == {"epochs": "5", "batch": "8", "warmup": "5%"}


def test_blocks_written_twice_in_one_file_are_not_merged(write):
    module = resolved(write("r.ftr", "train { epochs 1 }\ntrain { batch 2 }\n"))
    assert [b.kind for b in module.blocks] == ["train", "train"]


def test_lets_substitute_everywhere_and_may_use_earlier_lets(write, fake_host):
    path = write("r.ftr", 'let lr = 3e-4\nlet opt = adamw(lr: lr)\nlet fields = ["text", "label"]\n'
                          'let out = "out/m"\nlet len = 64\n'
                          "model { base \"m\" max_length len }\n"
                          "train { optimizer opt  regularize { early_stop(patience: len) } }\n"
                          'data t { source jsonl("x.jsonl")  clean dedupe("a"), drop_empty("b") }\n'
                          "export hf(out) { card true }\n"
                          "recipe \"r\" { description \"x\" }\nlet unused_list = fields\n")
    module = resolved(path)
    train = block(module, "train")
    assert attrs(train)["optimizer"] == "adamw(lr: 3e-4)"
    assert attrs(train.blocks[0])["early_stop"] == "patience: 64"
    assert block(module, "export").label == ast.Call("hf", (ast.Arg(None, ast.Str("out/m")),))
    recipe, graph = compile_recipe(path, host=fake_host)
    assert graph["train"].params["optimizer"]["args"]["lr"] == 3e-4


def test_lets_of_the_importing_file_override_imported_lets(write, fake_host):
    write("base.ftr", BASE)
    path = write("child.ftr", 'import "base.ftr"\nlet max_len = 256\n')
    module = resolved(path)
    assert attrs(block(module, "model"))["max_length"] == "256"


def test_unused_let_is_a_warning_not_an_error(write, fake_host):
    path = write("r.ftr", "let a = 1\nlet b = a\nrecipe \"r\" { seed 1 }\n")
    recipe, _ = compile_recipe(path, host=fake_host)
    assert [d.message for d in recipe.warnings] == ['variable "b" is never used']


# ---------------------------------------------------------------- --set


def test_set_replaces_or_adds_an_attribute(write):
    write("base.ftr", BASE)
    module = resolved("base.ftr", ["train.batch=16", "train.warmup=5%", "recipe.description=\"hi\""])
    assert attrs(block(module, "train"))["batch"] == "16"
    assert attrs(block(module, "train"))["warmup"] == "5%"
    assert attrs(block(module, "recipe")) == {"seed": "1", "description": '"hi"'}


def test_set_on_labelled_and_nested_blocks(write, fake_host):
    write("base.ftr", BASE + 'data more { source jsonl("m.jsonl") }\n')
    sets = ["data.tickets.split=train: 70%, eval: 30%", "train.regularize.dropout=0.3",
            "train.optimizer=adamw(lr: 2e-4)", "model.max_length=max_len"]
    module = resolved("base.ftr", sets)
    assert attrs(block(module, "data", ast.Ref(("tickets",))))["split"] == "train: 70%, eval: 30%"
    assert attrs(block(module, "data", ast.Ref(("more",)))) == {"source": 'jsonl("m.jsonl")'}
    assert attrs(block(module, "train").blocks[0])["dropout"] == "0.3"
    assert attrs(block(module, "model"))["max_length"] == "128"  # lets work in --set values too
    recipe, graph = compile_recipe("base.ftr", sets, host=fake_host)
    assert graph["data.tickets.split"].params["split"]["train"] == {"fraction": 0.7}


def test_set_value_spans_point_into_the_set_text(write):
    write("base.ftr", BASE)
    module = resolved("base.ftr", ["recipe.seed=7", "train.optimizer=adamw(lr: 2e-4)"])
    seed = block(module, "recipe").attributes[0]
    assert seed.span.path == "--set #1"
    value = seed.args[0].value.span
    assert (value.line, value.col, value.end_col) == (1, 13, 14)
    call = [a for a in block(module, "train").attributes if a.name == "optimizer"][0].args[0].value
    assert call.span.path == "--set #2" and "train.optimizer=adamw(lr: 2e-4)"[call.span.col - 1:][:5] == "adamw"
    kw = call.args[0].value.span
    assert "train.optimizer=adamw(lr: 2e-4)"[kw.col - 1:kw.end_col - 1] == "2e-4"


@pytest.mark.parametrize("override, message", [
    ("train.batch", "--set needs BLOCK.ATTRIBUTE=VALUE"),
    ("batch=3", 'is not BLOCK.ATTRIBUTE'),
    ("train.batch=", 'cannot read the value'),
    ("train.batch=1 2", 'cannot read the value'),
    ("trian.batch=3", 'the recipe has no block "trian"'),
    ("data.source=jsonl(\"x\")", 'several "data" blocks'),
    ("train.regularise.dropout=0.1", 'block "train" has no nested block "regularise"'),
])
def test_set_errors(write, fake_host, override, message):
    write("base.ftr", BASE + 'data more { source jsonl("m.jsonl") }\n')
    with pytest.raises(RecipeError) as info:
        compile_recipe("base.ftr", [override], host=fake_host)
    (diag,) = info.value.diagnostics
    assert message in diag.message
    assert diag.span.path == "--set #1" and diag.span.line == 1


def test_set_on_blocks_with_dotted_and_call_labels(write):
    write("r.ftr", 'evaluate tickets.test { metrics accuracy }\nevaluate tickets.eval { metrics loss }\n'
                   'export hf("out") { card true }\n')
    module = resolved("r.ftr", ["evaluate.tickets.test.batch=64", "export.hf.card=false"])
    assert attrs(block(module, "evaluate", ast.Ref(("tickets", "test")))) == {"metrics": "accuracy", "batch": "64"}
    assert attrs(block(module, "evaluate", ast.Ref(("tickets", "eval")))) == {"metrics": "loss"}
    assert attrs(block(module, "export")) == {"card": "false"}
