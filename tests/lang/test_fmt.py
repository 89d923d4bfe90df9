"""``ftcore fmt``: the canonical layout, comments kept, idempotence, and round trips to the same graph."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from ftcore.cli import main
from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore.lang.fmt import WIDTH, format_text
from ftcore.lang.parser import parse
from ftcore.plugins.manager import load_host

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"

MESSY = """# Support intents.
recipe   "r"{seed 42}
import "base.ftr"
let lr=5e-5
let names=[ "a" ,"b", ]
data tickets{source jsonl( "x.jsonl" )   # where
clean drop_empty("text"),dedupe("text")
split train:80%,eval:10%,test:10%,stratify:"label"}
train{ epochs 3 batch 32 regularize{dropout 0.1 early_stop( patience:2,on:eval.loss )}
# the optimizer
optimizer adamw(lr:lr)
}
evaluate tickets.test{metrics accuracy,f1(average:"macro")}
export hf("out"){}
"""

CANONICAL = """# Support intents.
recipe "r" {
  seed 42
}

import "base.ftr"

let lr = 5e-5
let names = ["a", "b"]

data tickets {
  source jsonl("x.jsonl")  # where
  clean drop_empty("text"), dedupe("text")
  split train: 80%, eval: 10%, test: 10%, stratify: "label"
}

train {
  epochs 3
  batch 32

  regularize {
    dropout 0.1
    early_stop(patience: 2, on: eval.loss)
  }

  # the optimizer
  optimizer adamw(lr: lr)
}

evaluate tickets.test {
  metrics accuracy, f1(average: "macro")
}

export hf("out") {}
"""


def fmt(text: str) -> str:
    out, diagnostics = format_text(text, "t.ftr")
    assert not diagnostics, [d.message for d in diagnostics]
    return out


def test_canonical_layout():
    assert fmt(MESSY) == CANONICAL


def test_idempotent():
    assert fmt(CANONICAL) == CANONICAL
    assert fmt(fmt(MESSY)) == fmt(MESSY)


def test_formatting_keeps_the_meaning():
    assert parse(fmt(MESSY))[0].items == parse(MESSY)[0].items


def test_numbers_and_strings_keep_their_spelling_and_escapes():
    text = 'x {\n  v 5e-5, 1E3, .5, 10%, -2, "a \\"b\\"\\n\\t\\\\"\n}\n'
    assert fmt(text) == text


def test_every_comment_is_kept_once():
    text = ("# one\nimport \"a.ftr\"  # two\n# three\nlet x = [1,  # four\n  2]\n"
            "x {  # five\n  # six\n  v 1  # seven\n  y {\n    # eight\n  }  # nine\n  # ten\n}  # eleven\n# twelve\n")
    out = fmt(text)
    comments = [line.strip() for line in out.splitlines() if "#" in line]
    found = [c[c.index("#"):] for c in comments]
    assert found == [f"# {n}" for n in ("one two three four five six seven eight nine ten eleven twelve".split())]
    assert fmt(out) == out


def test_long_attribute_lines_wrap_after_commas():
    names = ", ".join(f'drop_empty("field_number_{i}")' for i in range(6))
    out = fmt(f"data t {{\n  clean {names}\n}}\n")
    lines = out.splitlines()
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[1] == '  clean drop_empty("field_number_0"),'
    assert lines[2] == '        drop_empty("field_number_1"),'
    assert lines[6] == '        drop_empty("field_number_5")'
    assert fmt(out) == out
    short = "x {\n  clean a(), b()\n}\n"
    assert fmt(short) == short


def test_empty_input_formats_to_empty():
    assert fmt("") == ""
    assert fmt("\n\n# only\n\n") == "# only\n"


def test_syntax_errors_are_reported_not_formatted():
    out, diagnostics = format_text("x { v = 1 }", "t.ftr")
    assert out is None and diagnostics[0].span.line == 1


# ---------------------------------------------------------------- every recipe


def meaning(graph) -> list:
    """Each stage's fingerprint; for a stage that keeps the recipe's text (the model card quotes it), its
    parameters without that text and its inputs' fingerprints: a layout change must change nothing else."""
    out = []
    for s in graph.order():
        if "recipe_text" in s.params:
            params = {k: v for k, v in s.params.items() if k != "recipe_text"}
            out.append((s.id, params, [graph[ref.rpartition(".")[0]].fingerprint for ref in s.inputs.values()]))
        else:
            out.append((s.id, s.fingerprint))
    return out


def _recipes():
    cases = [pytest.param(p, "installed", id=f"recipes/{p.name}") for p in sorted((ROOT / "recipes").glob("*.ftr"))]
    return cases + [pytest.param(FIXTURES / "support.ftr", "fake", id="fixture/support.ftr")]


@pytest.mark.parametrize("path, which", _recipes())
def test_recipes_format_idempotently_and_compile_to_the_same_graph(path, which, fake_host):
    host = fake_host if which == "fake" else load_host()
    original = path.read_text(encoding="utf-8")
    formatted = fmt(original)
    assert fmt(formatted) == formatted, "formatting twice must change nothing"
    assert parse(formatted)[0].items == parse(original)[0].items

    _, before = compile_recipe(path, host=host)
    # Compile the formatted text in place of the files (same paths, so relative paths resolve the
    # same way); imported recipes are formatted too.
    formatted_files = {str(p.resolve()): fmt(p.read_text(encoding="utf-8")) for p in path.parent.glob("*.ftr")}
    _, after = compile_recipe(path, host=host, unsaved=formatted_files)
    assert meaning(after) == meaning(before)


def mangle(text: str, seed: int = 0) -> str:
    """The same recipe in a careless layout: random indentation, doubled blank lines, trailing spaces."""
    import random

    r = random.Random(seed)
    out = []
    for line in text.splitlines():
        if not line.strip():
            out += ["", "   "]
            continue
        out.append(" " * r.randrange(0, 7) + line.strip() + " " * r.randrange(0, 3))
    return "\n".join(out) + "\n\n\n"


@pytest.mark.parametrize("path, which", _recipes())
def test_a_mangled_layout_formats_back_to_the_canonical_recipe(path, which, fake_host):
    """The shipped recipes are canonical already, so formatting them alone proves little: mangle them first."""
    original = path.read_text(encoding="utf-8")
    messy = mangle(original)
    assert messy != original
    if which == "installed":
        assert fmt(original) == original, f"{path.name} is not in the canonical layout: run ftcore fmt on it"
    assert fmt(messy) == fmt(original)
    host = fake_host if which == "fake" else load_host()
    _, before = compile_recipe(path, host=host)
    with pytest.raises(RecipeError):  # the text given in place of the file is the one compiled
        compile_recipe(path, host=host, unsaved={str(path.resolve()): messy.replace("{", "", 1)})
    _, after = compile_recipe(path, host=host, unsaved={str(path.resolve()): messy})
    assert meaning(after) == meaning(before)


# ---------------------------------------------------------------- the command


def test_fmt_check_exit_status(tmp_path, capsys):
    messy, tidy = tmp_path / "messy.ftr", tmp_path / "tidy.ftr"
    messy.write_text(MESSY)
    tidy.write_text(CANONICAL)
    assert main(["fmt", "--check", str(tidy)]) == 0
    assert main(["fmt", "--check", str(messy), str(tidy)]) == 1
    assert f"would reformat {messy}" in capsys.readouterr().out
    assert messy.read_text() == MESSY  # --check changes nothing
    assert main(["fmt", "--check", "--diff", str(messy)]) == 1
    assert "+  seed 42" in capsys.readouterr().out


def test_fmt_rewrites_in_place(tmp_path, capsys):
    messy = tmp_path / "messy.ftr"
    messy.write_text(MESSY)
    assert main(["fmt", str(messy)]) == 0
    assert messy.read_text() == CANONICAL
    assert "reformatted" in capsys.readouterr().out
    assert main(["fmt", str(messy)]) == 0
    assert capsys.readouterr().out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["messy.ftr"]  # no temporary file left behind


def test_fmt_reads_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(MESSY))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == CANONICAL


def test_fmt_reports_syntax_errors_with_exit_2(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.ftr"
    bad.write_text("x {\n  v = 1\n}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["fmt", "bad.ftr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bad.ftr:2:5: error: unexpected '='") and "   2 |   v = 1" in err
    assert bad.read_text() == "x {\n  v = 1\n}\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO("x { v 'a' }"))
    assert main(["fmt", "-"]) == 2
    assert capsys.readouterr().err.startswith("<stdin>:1:7: error: unexpected character")
    assert main(["fmt", "missing.ftr"]) == 2
