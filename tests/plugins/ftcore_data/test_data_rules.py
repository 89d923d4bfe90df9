"""Checking data blocks: declarations, cross-block rules at their spans, no ML imports while checking."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError


def errors(host, tmp_path, text):
    path = tmp_path / "r.ftr"
    path.write_text(text)
    with pytest.raises(RecipeError) as err:
        compile_recipe(path, host=host)
    return [(d.message, d.span.line, d.span.col) for d in err.value.diagnostics if d.severity == "error"]


def test_components_are_registered_through_the_entry_point(data_host):
    provided = data_host.registry.provided_by("data")
    assert provided["blocks"] == ["data"]
    assert {"jsonl", "json", "csv", "parquet", "text_files", "disk", "hub"} == set(provided["source"])
    assert {"classification", "instruction", "chat", "seq2seq", "text"} == set(provided["format"])
    assert "mask_phones" in provided["cleaner"] and provided["split_method"] == ["hash", "random"]


def test_cross_block_rules_point_at_the_recipe(data_host, tmp_path):
    (tmp_path / "d.jsonl").write_text("{}\n")
    found = errors(data_host, tmp_path, textwrap.dedent('''\
        model { task seq2seq }
        data d {
          source jsonl("d.jsonl"), csv("nope.csv")
          clean keep_regex("text", "(")
          split train: 80%, eval: 30%
          format instruction(template: "{a.b}")
          pack true
        }
        data e {
          source jsonl("d.jsonl")
          split eval: 10, test: 5%, stratify: "label", by: hash("id")
          format text
        }
        '''))
    messages = {m.split(":")[0] if "regular" in m else m: (line, col) for m, line, col in found}
    assert messages['path: data file "nope.csv" does not exist'] == (3, 32)
    assert messages["invalid regular expression"] == (4, 28)
    assert messages["split shares add up to 110%, not 100% (train 80%, eval 30%)"] == (5, 3)
    assert messages["format \"instruction\" does not fit the model's task seq2seq"] == (6, 10)
    assert (6, 32) in [(l, c) for m, l, c in found if m.startswith("bad instruction template")]
    assert messages["split mixes percentages and counts"] == (11, 3)
    assert messages["format \"text\" does not fit the model's task seq2seq"] == (12, 10)
    assert len(found) == 7


def test_a_data_block_needs_a_model_block(data_host, tmp_path):
    (tmp_path / "d.jsonl").write_text("{}\n")
    found = errors(data_host, tmp_path, 'data d { source jsonl("d.jsonl") format text }\n')
    assert found == [('data block "d" needs a model block: its tokenizer encodes the data', 1, 6)]


def test_hash_split_rules(data_host, tmp_path):
    (tmp_path / "d.jsonl").write_text("{}\n")
    found = errors(data_host, tmp_path, 'model { task causal_lm } data d { source jsonl("d.jsonl") '
                                        'split eval: 10%, stratify: "label", by: hash("id") format text }\n')
    assert [m for m, _, _ in found] == ["a hash split cannot be stratified"]


def test_checking_imports_no_ml_library(tmp_path):
    (tmp_path / "d.jsonl").write_text("{}\n")
    (tmp_path / "r.ftr").write_text('model { base "x" task causal_lm }\ndata d { source jsonl("d.jsonl") clean dedupe("text") split eval: 10% '
                                    'format text pack true }\n')
    code = textwrap.dedent(f'''
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import fake_model
        from ftcore.plugins.manager import load_host
        from ftcore.compiler.pipeline import compile_recipe
        host = load_host(only=["recipe", "data"], extra=[("fakemodel", fake_model.plugin())])
        recipe, graph = compile_recipe({str(tmp_path / "r.ftr")!r}, host=host)
        assert "data.d.tokenize" in graph.stages
        heavy = [m for m in ("datasets", "torch", "transformers", "pyarrow") if m in sys.modules]
        print(heavy)
        ''')
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_components_are_asked_about_their_arguments_through_their_contract(data_host, tmp_path):
    (tmp_path / "d.csv").write_text("text\na\n")
    found = errors(data_host, tmp_path, 'model { task seq2seq }\n'
                                        'data d { source csv("d.csv", delimiter: ";;") format seq2seq pack true }\n')
    assert found == [('the CSV delimiter must be one character, got ";;"', 2, 41),
                     ('pack works with causal language-model formats, not "seq2seq"', 2, 62)]
