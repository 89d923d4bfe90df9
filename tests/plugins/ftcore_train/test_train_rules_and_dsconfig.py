"""The regularize and train blocks' rules, and the DeepSpeed config checked before anything runs."""

from __future__ import annotations

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore_train import dsconfig

HEAD = '''data d { source jsonl("x.jsonl")  split train: 80%, eval: 20%  format text(field: "text") }
model { base tiny(arch: "llama")  task causal_lm }
'''


def compile_text(tmp_path, text):
    (tmp_path / "x.jsonl").write_text('{"text": "a"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(HEAD + text)
    return compile_recipe(path)


def errors(tmp_path, text) -> list:
    with pytest.raises(RecipeError) as err:
        compile_text(tmp_path, text)
    return [d for d in err.value.diagnostics if d.severity == "error"]


def test_generated_config_follows_the_recipe(tmp_path):
    _, graph = compile_text(tmp_path, 'regularize { weight_decay 0.01  clip 0.5 }\n'
                                      'train { batch 4  accumulate 3  precision bf16  optimizer adamw(lr: 2e-4)\n'
                                      '        engine deepspeed(zero: 3, offload: "both") }\n')
    config = graph["train"].params["deepspeed"]
    assert config["train_micro_batch_size_per_gpu"] == 4 and config["gradient_accumulation_steps"] == 3
    assert config["gradient_clipping"] == 0.5 and config["bf16"]["enabled"] and not config["fp16"]["enabled"]
    assert config["zero_optimization"] == {"stage": 3, "offload_optimizer": {"device": "cpu", "pin_memory": False},
                                           "offload_param": {"device": "cpu", "pin_memory": False}}
    assert config["optimizer"] == {"type": "AdamW", "params": {"lr": 2e-4, "betas": [0.9, 0.999], "eps": 1e-8,
                                                               "weight_decay": 0.01}}
    settings = dsconfig.Settings.from_json(graph["train"].params["settings"])
    assert dsconfig.finalize(config, settings, 2)["train_batch_size"] == 24


def test_a_contradicting_deepspeed_setting_is_caught_before_launch(tmp_path):
    found = errors(tmp_path, 'regularize { clip 1.0 }\ntrain { batch 4\n'
                             '  deepspeed_extra "gradient_clipping=2.0", "zero_optimization.stage=2", '
                             '"train_micro_batch_size_per_gpu=8", "zero_optimization.overlap_comm=true" }\n')
    by_key = {d.message.split(" = ")[0].removeprefix("DeepSpeed setting "): d for d in found}
    assert set(by_key) == {"gradient_clipping", "zero_optimization.stage", "train_micro_batch_size_per_gpu"}
    assert "regularize.clip gives 1.0" in by_key["gradient_clipping"].message
    assert "set `clip`" in by_key["gradient_clipping"].hint
    assert "deepspeed(zero: 2)" in by_key["zero_optimization.stage"].hint
    assert by_key["gradient_clipping"].span.line == 5  # points at deepspeed_extra


def test_extra_settings_that_agree_are_merged_and_unknown_ones_warned(tmp_path):
    recipe, graph = compile_text(tmp_path, 'train { deepspeed_extra "zero_optimization.overlap_comm=true", '
                                           '"gradient_clippin=1.0" }\n')
    assert graph["train"].params["deepspeed"]["zero_optimization"]["overlap_comm"] is True
    (warning,) = recipe.warnings
    assert "gradient_clippin" in warning.message and "gradient_clipping" in warning.hint


def test_offload_parameters_needs_zero_3_and_a_bad_extra_is_reported(tmp_path):
    found = errors(tmp_path, 'train { engine deepspeed(zero: 2, offload: "parameters") }\n')
    assert any("offload parameters only with deepspeed(zero: 3)" in d.hint for d in found)
    found = errors(tmp_path, 'train { deepspeed_extra "no equals sign" }\n')
    assert 'write "dotted.key=value"' in found[0].message


def test_warmup_must_be_shorter_than_the_run(tmp_path):
    (err,) = errors(tmp_path, "train { max_steps 10  schedule linear(warmup: 10) }\n")
    assert "not shorter than max_steps 10" in err.message
    (err,) = errors(tmp_path, "train { schedule cosine(warmup: 100%) }\n")
    assert "leaves no steps" in err.message


def test_early_stop_must_watch_an_evaluated_metric(tmp_path):
    (err,) = errors(tmp_path, "regularize { early_stop(patience: 2, on: eval.accuracy) }\ntrain { epochs 2 }\n")
    assert '"accuracy" is not evaluated during training for the task causal_lm' in err.message
    assert "eval.perplexity" in err.hint
    _, graph = compile_text(tmp_path, "regularize { early_stop(patience: 2, on: eval.perplexity) }\ntrain { }\n")
    assert graph["train"].params["early_stop"] == {"patience": 2, "metric": "perplexity", "mode": "min",
                                                   "min_delta": 0.0}


def test_evaluate_and_export_blocks_become_stages(tmp_path):
    _, graph = compile_text(tmp_path, 'train { }\nevaluate d.eval { metrics loss, perplexity }\n'
                                      'export hf("out/m") { card true }\n')
    assert graph["evaluate.d.eval"].inputs["model"] == "train.model"
    exporter = graph["export.0"].params["exporter"]
    assert exporter["component"] == "exporter:hf" and exporter["impl"] == "ftcore_export.hf:HFExporter"
    assert exporter["paths"]["path"] == str((tmp_path / "out/m").resolve())
    assert graph["export.0"].inputs["metrics0"] == "evaluate.d.eval.metrics"
