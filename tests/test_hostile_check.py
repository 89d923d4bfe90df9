"""``ftcore check`` on hostile recipes and ``--set`` values: exit 0 or 2 with a located message, never 3.

Recipes are generated from pieces a probe of hostile input used (huge and infinite numbers, deep
nesting, imports of secrets, devices and files outside the folder, stray quotes and NULs, very long
lines) mixed with valid recipe text. The property also checks that nothing outside the recipe's
folder is written and that no secret from an imported file is printed. ``FTCORE_FUZZ_SCALE=20``
searches twenty times as long.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftcore.cli import main

SCALE = float(os.environ.get("FTCORE_FUZZ_SCALE", "1"))
SECRET = "hf_SECRETTOKEN123"

VALID = ('recipe "fuzz" { seed 1 }\n'
         'data d {\n  source jsonl("d.jsonl")\n  split train: 80%, eval: 20%\n'
         '  format classification(text: "text", label: "label")\n}\n'
         'model { base tiny(arch: "bert")  task classification }\n'
         'train { epochs 1  batch 4  optimizer adamw(lr: 1e-3) }\n')
PIECES = [
    "1e309", "-1e309", "1" * 5000, "[" * 1200 + "]" * 1200,
    " optimizer adamw(betas: " + "[" * 1200 + "]" * 1200 + ")", "10^21", "0x10", "1e-400", "nan", "inf", "{" * 200, "}" * 200, "[" * 300,
    "]" * 300, "(" * 100, 'import "/proc/self/environ"\n', 'import "secrets.env"\n', 'import "/dev/zero"\n',
    'import "../outside.ftr"\n', 'import "blob.ftr"\n', 'import "fuzz.ftr"\n', '"', "\\", "\x00", "\r", "\n",
    "x" * 3000, " batch ", " lr: ", " epochs ", "layers: 100000000", 'export hf("../../x") { card true }\n',
    'deepspeed_extra "tensorboard.enabled=true"', "let a = 1\n", "train {", "}", "%", "..", "#",
]
SETS = ["train.batch=8", "train.batch=8 } recipe \"x\" {", "train.epochs=1e309", "train.batch=" + "9" * 100,
        "train.batch=[[[[", "model.base=tiny(layers: 100000000)", "=", "train.", 'train.batch="\x00"']


# Statements that parse, carrying hostile values where a recipe has values.
VALUES = ["1e309", "-1e309", "1" * 5000, "[" * 1200 + "1" + "]" * 1200, "0.1", "3", '"x"', "1e-400", "10%",
          "1e309%", "[" + "1, " * 500 + "1]", '"' + "z" * 5000 + '"', "true", "tiny(layers: 100000000)"]
STATEMENTS = ["train {{ optimizer adamw(lr: {v}) }}\n", "train {{ epochs {v} }}\n", "train {{ batch {v} }}\n",
              "regularize {{ weight_decay {v}  clip {v} }}\n", "train {{ optimizer adamw(betas: {v}) }}\n",
              "let v = {v}\n", "model {{ base {v} }}\n", "regularize {{ early_stop(patience: 1, min_delta: {v}) }}\n",
              "import {v}\n", 'export hf("out", overwrite: {v}) {{ card true }}\n']
IMPORTS = ['"/proc/self/environ"', '"secrets.env"', '"/dev/zero"', '"../outside.ftr"', '"blob.ftr"', '"fuzz.ftr"']


def recipes():
    piece = st.sampled_from(PIECES)
    noise = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
    cut = st.integers(min_value=0, max_value=len(VALID))
    mutated = st.tuples(cut, st.lists(st.one_of(piece, noise), max_size=8), cut).map(
        lambda t: VALID[:t[0]] + "".join(t[1]) + VALID[t[2]:])
    statement = st.tuples(st.sampled_from(STATEMENTS), st.sampled_from(VALUES + IMPORTS)).map(
        lambda t: t[0].format(v=t[1]))
    imports = st.lists(st.sampled_from(IMPORTS).map(lambda path: f"import {path}\n"), max_size=2)
    structured = st.tuples(imports, st.lists(statement, min_size=1, max_size=4)).map(
        lambda t: "".join(t[0]) + VALID + "".join(t[1]))
    return st.one_of(mutated, structured)


def snapshot(folder):
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@settings(max_examples=int(150 * SCALE), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=recipes(), sets=st.lists(st.sampled_from(SETS), max_size=2))
def test_check_reports_hostile_input_as_recipe_errors(tmp_path_factory, capsys, text, sets):
    outer = tmp_path_factory.mktemp("outer")
    project = outer / "project"
    project.mkdir()
    (project / "d.jsonl").write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n')
    (project / "secrets.env").write_text(f"HF_TOKEN={SECRET}\n")
    (project / "blob.ftr").write_bytes(b"\x00\x01" + SECRET.encode())
    (outer / "outside.ftr").write_text("train { epochs 2 }\n")
    recipe = project / "fuzz.ftr"
    recipe.write_text(text, encoding="utf-8")
    before = snapshot(outer)
    args = ["check", str(recipe)]
    for s in sets:
        args += ["--set", s]
    status = main(args)
    printed = capsys.readouterr()
    shown = printed.out + printed.err
    assert status in (0, 2), shown
    assert "internal error" not in shown and "Traceback" not in shown
    assert SECRET not in shown
    assert snapshot(outer) == before, "check wrote or changed a file"


def test_a_path_too_long_for_any_file_system_is_a_recipe_error(tmp_path, capsys):
    """Found by the property above: a 5000-character data path was an internal error (OSError)."""
    recipe = tmp_path / "r.ftr"
    recipe.write_text(VALID.replace('jsonl("d.jsonl")', 'jsonl("' + "1" * 5000 + 'd.jsonl")'))
    assert main(["check", str(recipe)]) == 2
    err = capsys.readouterr().err
    assert 'path "111111111111111111111111111111...(5007 characters)" is too long' in err and "r.ftr:3:16" in err
