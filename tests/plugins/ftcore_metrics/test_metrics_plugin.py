"""The metrics plugin's declarations, rules and lowering: every metric has code that runs, and
``ftcore check`` refuses an evaluation that could not run, at the position that causes it."""

from __future__ import annotations

import importlib.util

import pytest

from ftcore.api import KIND_CONTRACTS
from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore.plugins.components import impl_problem, load_component
from ftcore.plugins.manager import load_host

HEAD = '''data d { source jsonl("x.jsonl")  split train: 80%, eval: 10%, test: 10%  format text(field: "text") }
model { base tiny(arch: "llama")  task causal_lm }
train { }
'''


def compile_text(tmp_path, text):
    (tmp_path / "x.jsonl").write_text('{"text": "a"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(HEAD + text)
    return compile_recipe(path)


def test_every_built_in_metric_has_an_impl_on_the_metric_contract():
    registry = load_host(only=["metrics"]).registry
    assert registry.contracts["metric"] is KIND_CONTRACTS["metric"]
    names = sorted(spec.name for spec in registry.of_kind("metric"))
    assert names == ["accuracy", "bleu", "chrf", "confusion_matrix", "exact_match", "f1", "loss", "perplexity",
                     "precision", "recall", "rouge"]
    for spec in registry.of_kind("metric"):
        assert impl_problem(spec.impl) is None, spec.name
        entry = {"component": f"metric:{spec.name}", "impl": spec.impl, "plugin": "metrics"}
        assert issubclass(load_component(entry, KIND_CONTRACTS["metric"]), KIND_CONTRACTS["metric"])


def test_evaluate_stage_carries_component_entries_and_their_code_versions(tmp_path):
    recipe, graph = compile_text(tmp_path, "evaluate d.test { metrics perplexity, rouge(types: [\"rougeL\"]), "
                                           "exact_match(max_new_tokens: 16) }\n")
    assert recipe.warnings == []  # every declared metric runs: nothing left to warn about
    stage = graph["evaluate.d.test"]
    assert stage.plugin == "metrics" and stage.impl == "ftcore_train.stages:EVALUATE_STAGE"
    entries = stage.params["metrics"]
    assert [e["component"] for e in entries] == ["metric:loss", "metric:perplexity", "metric:rouge",
                                                 "metric:exact_match"]  # the loss is always reported
    assert entries[2]["args"] == {"types": ["rougeL"], "max_new_tokens": 128}
    assert entries[3]["impl"] == "ftcore_metrics.generation:ExactMatch" and entries[3]["dist"] == "ftcore"
    assert stage.code_versions["metric:rouge"].startswith("ftcore==")
    tokenize = [s for s in graph if s.id.startswith("data.d.") and "test" in s.outputs][-1]
    assert stage.inputs == {"model": "train.model", "dataset": f"{tokenize.id}.test", "info": f"{tokenize.id}.info",
                            "tokenizer": "model.tokenizer.tokenizer"}
    assert [e["component"] for e in graph["train"].params["metrics"]] == ["metric:loss", "metric:perplexity"]


def test_metric_arguments_change_the_evaluate_fingerprint_only(tmp_path):
    _, one = compile_text(tmp_path, "evaluate d.test { metrics exact_match(max_new_tokens: 16) }\n")
    _, two = compile_text(tmp_path, "evaluate d.test { metrics exact_match(max_new_tokens: 32) }\n")
    assert one["evaluate.d.test"].fingerprint != two["evaluate.d.test"].fingerprint
    assert one["train"].fingerprint == two["train"].fingerprint


def test_a_generation_metric_whose_library_is_missing_is_a_check_error_at_the_metric(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sacrebleu" else real(name, *a))
    with pytest.raises(RecipeError) as err:
        compile_text(tmp_path, "evaluate d.test { metrics loss, bleu }\n")
    (diag,) = [d for d in err.value.diagnostics if d.severity == "error"]
    assert diag.message == 'metric "bleu" needs the Python package sacrebleu, which is not installed'
    assert diag.hint == "pip install sacrebleu" and (diag.span.line, diag.span.col) == (4, 33)


def test_a_bleu_tokenizer_sacrebleu_lacks_is_refused_by_check(tmp_path):
    with pytest.raises(RecipeError) as err:
        compile_text(tmp_path, 'evaluate d.test { metrics bleu(tokenize: "13b") }\n')
    assert any("13a" in (d.hint or "") + d.message for d in err.value.diagnostics)


def test_early_stopping_may_watch_only_metrics_a_plugin_provides(tmp_path, monkeypatch):
    monkeypatch.setenv("FTCORE_DISABLE_PLUGINS", "metrics")
    with pytest.raises(RecipeError) as err:
        compile_text(tmp_path, "regularize { early_stop(patience: 2, on: eval.loss) }\n")
    assert any('"loss" is not evaluated during training' in d.message for d in err.value.diagnostics)


def test_evaluating_a_split_the_data_block_does_not_make_is_a_check_error_at_the_label(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"text": "a"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(HEAD.replace("eval: 10%, test: 10%", "test: 20%") + "evaluate d.eval { metrics loss }\n")
    with pytest.raises(RecipeError) as err:
        compile_recipe(path)
    (diag,) = err.value.diagnostics
    assert diag.message == 'data block "d" makes no eval split, so there is nothing to evaluate'
    assert diag.hint.startswith("the data block makes train, test; give eval a share")
    assert (diag.span.line, diag.span.col) == (4, 10)


def test_a_metric_listed_twice_with_the_same_arguments_is_a_check_error(tmp_path):
    with pytest.raises(RecipeError) as err:
        compile_text(tmp_path, 'evaluate d.test { metrics perplexity, rouge, rouge(types: ["rouge1", "rouge2", '
                               '"rougeL"]) }\n')
    (diag,) = err.value.diagnostics
    assert diag.message == 'metric "rouge" is listed twice with the same arguments'
    assert (diag.span.line, diag.span.col) == (4, 46) and diag.hint == "remove one (the other is at 4:39)"
    compile_text(tmp_path, 'evaluate d.test { metrics rouge, rouge(types: ["rougeLsum"]) }\n')  # different: fine


def test_generation_settings_on_a_classifier_are_a_check_error_at_the_attribute(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"text": "a", "label": "b"}\n')
    path = tmp_path / "r.ftr"
    path.write_text('data d { source jsonl("x.jsonl")  split train: 80%, eval: 10%, test: 10%  '
                    'format classification(text: "text", label: "label") }\n'
                    'model { base tiny(arch: "bert")  task classification }\ntrain { }\n'
                    'evaluate d.test { metrics accuracy  generation(sample: true) }\n')
    with pytest.raises(RecipeError) as err:
        compile_recipe(path)
    (diag,) = [d for d in err.value.diagnostics if d.severity == "error"]
    assert diag.message == "generation settings have no effect: the task classification does not generate text"
    assert (diag.span.line, diag.span.col) == (4, 37)


def test_a_baseline_evaluation_carries_the_starting_model_and_the_seed(tmp_path):
    _, plain = compile_text(tmp_path, "evaluate d.test { metrics loss }\n")
    _, base = compile_text(tmp_path, "evaluate d.test { metrics loss  baseline true  generation(sample: true) }\n")
    assert "start" not in plain["evaluate.d.test"].params and plain["evaluate.d.test"].params["baseline"] is False
    params = base["evaluate.d.test"].params
    assert params["start"]["model"] == base["train"].params["model"] and params["seed"] == base["train"].params["seed"]
    assert params["generation"] == {"sample": True, "temperature": 1.0, "top_p": 1.0, "max_new_tokens": None}
    assert plain["evaluate.d.test"].fingerprint != base["evaluate.d.test"].fingerprint


def test_the_evaluate_example_in_the_training_doc_checks(tmp_path):
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "training.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```\n(.*?)```", doc, re.S) if b.startswith("evaluate faq.test")]
    recipe, graph = compile_text(tmp_path, block.replace("faq.test", "d.test"))
    assert recipe.warnings == [] and graph["evaluate.d.test"].params["generation"]["top_p"] == 0.9
