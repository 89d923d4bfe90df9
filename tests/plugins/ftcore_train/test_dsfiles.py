"""deepspeed_extra settings that would read or write files outside the run folder are recipe errors."""

from __future__ import annotations

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore_train import dsconfig
from ftcore_train.dsfiles import FILE_SETTINGS, file_settings

RECIPE = '''data d { source jsonl("x.jsonl")  split train: 80%, eval: 20%  format text(field: "text") }
model { base tiny(arch: "llama")  task causal_lm }
train {
  optimizer adamw(lr: 1e-3)
  deepspeed_extra EXTRA
}
'''


def errors_for(tmp_path, *extra):
    (tmp_path / "x.jsonl").write_text('{"text": "a"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(RECIPE.replace("EXTRA", ", ".join(f'"{e}"' for e in extra)))
    try:
        compile_recipe(path)
    except RecipeError as err:
        return [(d.message, d.span.line) for d in err.diagnostics if d.severity == "error"]
    return []


def test_every_file_setting_is_an_error_at_the_deepspeed_extra_line(tmp_path):
    found = errors_for(tmp_path, "tensorboard.enabled=true", "flops_profiler.output_file=/tmp/p.txt",
                       "load_universal_checkpoint=true", "zero_optimization.offload_param.nvme_path=/mnt/swap")
    assert [line for _, line in found] == [5, 5, 5, 5]
    assert [m.split(" = ")[0] for m, _ in found] == [
        "deepspeed_extra: tensorboard", "deepspeed_extra: flops_profiler.output_file",
        "deepspeed_extra: load_universal_checkpoint", "deepspeed_extra: zero_optimization.offload_param.nvme_path"]
    assert "torch.load(weights_only=False)" in found[2][0]


def test_settings_that_write_nothing_are_still_allowed(tmp_path):
    assert errors_for(tmp_path, "wall_clock_breakdown=true", "zero_optimization.overlap_comm=true") == []


@pytest.mark.parametrize("key", sorted(FILE_SETTINGS))
def test_each_listed_setting_is_found_in_a_config(key):
    config = dsconfig.generate(dsconfig.Settings())
    assert file_settings(config) == []
    node = config
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = {"enabled": True} if len(parts) == 1 else "/somewhere"
    assert [f.key for f in file_settings(config)] == [key]
