"""The export plugin: destinations checked before training, export stages lowered after every other
plugin's, the ``hf`` exporter writing through a temporary folder, and the stage calling the exporter's contract."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore.runtime.errors import RunError

HEAD = '''data d { source jsonl("x.jsonl")  split train: 80%, eval: 10%, test: 10%  format text(field: "text") }
model { base tiny(arch: "llama")  task causal_lm }
'''


def compile_text(tmp_path, text, train="train { }\n"):
    (tmp_path / "x.jsonl").write_text('{"text": "a"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(HEAD + train + text)
    return compile_recipe(path)


def errors(tmp_path, text, train="train { }\n"):
    with pytest.raises(RecipeError) as err:
        compile_text(tmp_path, text, train)
    return [d for d in err.value.diagnostics if d.severity == "error"]


def test_a_destination_holding_files_is_refused_by_check_at_the_path(tmp_path):
    (tmp_path / "out" / "m").mkdir(parents=True)
    (tmp_path / "out" / "m" / "model.safetensors").write_text("earlier")
    (err,) = errors(tmp_path, 'export hf("out/m") { card true }\n')
    assert err.message == f"export folder {tmp_path / 'out' / 'm'} holds files ftcore did not write: model.safetensors"
    assert (err.span.line, err.span.col) == (4, 11) and "overwrite: true" in err.hint
    compile_text(tmp_path, 'export hf("out/m", overwrite: true) { card true }\n')  # asked for: fine
    (err,) = errors(tmp_path, 'export hf("out/m/model.safetensors") { }\n')
    assert err.message.endswith("is a file, not a folder")


def test_an_export_needs_a_train_block_and_its_own_folder(tmp_path):
    (err,) = errors(tmp_path, 'export hf("out/m") { }\n', train="")
    assert err.message == "nothing to export: the recipe trains no model" and err.span.line == 3
    (err,) = errors(tmp_path, 'export hf("out/m") { }\nexport hf("./out/../out/m") { card false }\n')
    assert err.message == 'two exports write "./out/../out/m"' and err.span.line == 5


def test_export_stages_read_the_model_the_summary_and_every_evaluation(tmp_path):
    _, graph = compile_text(tmp_path, 'evaluate d.eval { metrics loss }\nevaluate d.test { metrics perplexity }\n'
                                      'export hf("out/m") { card false  merge_adapter false }\n')
    stage = graph["export.0"]
    assert stage.plugin == "export" and stage.impl == "ftcore_export.stage:EXPORT_STAGE"
    info = graph["train"].inputs["info"]
    assert stage.inputs == {"model": "train.model", "summary": "train.summary", "info": info,
                            "metrics0": "evaluate.d.eval.metrics", "metrics1": "evaluate.d.test.metrics"}
    assert stage.params["exporter"]["component"] == "exporter:hf"
    assert stage.params["exporter"]["paths"] == {"path": str(tmp_path / "out" / "m")}
    assert (stage.params["card"], stage.params["merge_adapter"]) == (False, False)
    assert stage.code_versions == {"exporter:hf": f"ftcore=={stage.params['exporter']['version']}"}


def trained_folder(tmp_path):
    """A run directory as training leaves it: model/ with tokenizer files, and adapter/."""
    model, adapter = tmp_path / "run" / "model", tmp_path / "run" / "adapter"
    model.mkdir(parents=True)
    adapter.mkdir()
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json"):
        (model / name).write_text(name)
    (model / "ftcore_model.json").write_text(json.dumps({
        "task": "causal_lm", "label_names": [],
        "base": {"component": "model_source:tiny", "args": {"arch": "llama", "layers": 2, "hidden": 64},
                 "impl": "ftcore_hf.sources:TinySource"},
        "adapter": {"component": "adapter:lora", "args": {}, "impl": "ftcore_hf.adapters:LoraAdapter"}}))
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        (adapter / name).write_text(name)
    return model


def run_export(tmp_path, model_dir, dest, **params):
    from ftcore_export.stage import EXPORT_STAGE

    entry = {"component": "exporter:hf", "args": {"path": "out", "overwrite": params.pop("overwrite", False)},
             "paths": {"path": str(dest)}, "impl": "ftcore_export.hf:HFExporter", "plugin": "export"}
    stage = SimpleNamespace(params={"exporter": entry, "card": True, "merge_adapter": True, "recipe": "r",
                                    "task": "causal_lm", **params})
    logged = []
    inputs = {"model": str(model_dir), "summary": {"steps": 7},
              "metrics0": {"split": "d.test", "loss": 1.5, "examples": 3}}
    return EXPORT_STAGE.run(stage, inputs, SimpleNamespace(log=logged.append)), logged


def test_the_hf_exporter_writes_the_model_and_a_card_through_a_temporary_folder(tmp_path):
    model = trained_folder(tmp_path)
    dest = tmp_path / "exported"
    outputs, logged = run_export(tmp_path, model, dest)
    assert outputs == {"path": str(dest)} and logged == [f"exported to {dest}"]
    assert (dest / "model.safetensors").read_text() == "model.safetensors"
    assert not (dest / "adapter_config.json").exists()
    card = (dest / "README.md").read_text()
    assert "- base model: tiny llama (2 layers, hidden 64)" in card and "- adapter: lora" in card
    assert "| d.test | loss | 1.5000 |" in card and "- optimizer steps: 7" in card
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []
    (model / "model.safetensors").write_text("retrained")
    run_export(tmp_path, model, dest)  # the same recipe's earlier export is replaced
    assert (dest / "model.safetensors").read_text() == "retrained"
    with pytest.raises(RunError, match='holds the export of another recipe, "r"'):
        run_export(tmp_path, model, dest, recipe="other")
    (model / "model.safetensors").write_text("again")
    run_export(tmp_path, model, dest, overwrite=True, recipe="other")
    assert (dest / "model.safetensors").read_text() == "again"


def test_merge_adapter_false_exports_the_adapter_with_the_tokenizer(tmp_path):
    model = trained_folder(tmp_path)
    dest = tmp_path / "adapter-only"
    run_export(tmp_path, model, dest, merge_adapter=False, card=False)
    assert sorted(p.name for p in dest.iterdir()) == [
        "adapter_config.json", "adapter_model.safetensors", "ftcore_export.json", "ftcore_model.json",
        "special_tokens_map.json",
        "tokenizer.json", "tokenizer_config.json"]


def test_a_destination_outside_the_recipe_folder_must_be_marked_as_meant(tmp_path):
    """hf("../../somewhere") once wrote two folders above the recipe's without a word."""
    project = tmp_path / "a" / "b"
    project.mkdir(parents=True)
    (project / "d.jsonl").write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\n')
    head = ('recipe "e" { seed 1 }\ndata d {\n  source jsonl("d.jsonl")\n  split train: 80%, eval: 20%\n'
            '  format classification(text: "text", label: "label")\n}\n'
            'model { base tiny(arch: "bert")  task classification }\ntrain { optimizer adamw(lr: 1e-3) }\n')
    recipe = project / "r.ftr"
    recipe.write_text(head + 'export hf("../../somewhere") { card true }\n')
    with pytest.raises(RecipeError) as err:
        compile_recipe(recipe)
    (d,) = [d for d in err.value.diagnostics if d.severity == "error"]
    assert d.message == f'export "../../somewhere" writes outside the recipe\'s folder, to {tmp_path / "somewhere"}'
    assert (d.span.line, d.span.col) == (9, 11) and 'hf("../../somewhere", outside: true)' in d.hint
    recipe.write_text(head + 'export hf("../../somewhere", outside: true) { card true }\n')
    compile_recipe(recipe)
    recipe.write_text(head + 'export hf("out/model") { card true }\n')
    compile_recipe(recipe)
