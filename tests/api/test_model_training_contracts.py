"""A third party's model source, adapter, optimizer, schedule, engine and exporter run exactly like the built-ins.

The plugin below is defined here, not in plugins/, and installed as a fake ``ftcore`` entry point of
a distribution ``ftcore-thirdparty 0.2.0`` (as pip would install it). One tiny ``ftcore run`` uses
all six of its components; then each component in turn raises inside its code (``FAIL``), and a
copy of the plugin with misspelt ``impl`` strings is checked. What the user sees is compared with
``tests/golden/model_components/<case>.txt`` (``FTCORE_UPDATE_GOLDEN=1`` rewrites them).
"""

from __future__ import annotations

import json
import os
import tarfile
import types
from pathlib import Path
from typing import Any, Mapping

import pytest

import ftcore.plugins.manager as manager
from ftcore.api import (Adapter, Boolean, Engine, Exporter, FilePath, Float, Integer, ModelSource, Optimizer, Param,
                        RunError, Schedule, hookimpl)
from ftcore.cli import main
from ftcore.testing import tiny_rows

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "model_components"
UPDATE = os.environ.get("FTCORE_UPDATE_GOLDEN", "") not in ("", "0")
HERE = __name__  # the impl strings point into this module

CALLS: list[tuple] = []  # what the components were asked to do, in order
FAIL: set[str] = set()  # kinds whose component raises inside its code


def _maybe_fail(kind: str) -> None:
    if kind in FAIL:
        raise RuntimeError(f"the {kind} broke")


class SmallBert(ModelSource):
    """``small_bert(width)``: a one-layer BERT classifier built from a config, with a byte tokenizer."""

    def tokenizer(self, args: Mapping[str, Any], max_length: int):
        from ftcore_hf.byte_tokenizer import byte_tokenizer

        _maybe_fail("model_source")
        CALLS.append(("tokenizer", max_length))
        return byte_tokenizer(max_length)

    def model(self, args, *, task, labels=None, overrides=None, tokenizer=None):
        import transformers

        CALLS.append(("model", task, tuple(labels or ())))
        config = transformers.BertConfig(
            vocab_size=len(tokenizer), hidden_size=int(args["width"]), num_hidden_layers=1, num_attention_heads=2,
            intermediate_size=32, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
            num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)})
        return transformers.BertForSequenceClassification(config)

    def describe(self, args) -> str:
        return f"small-bert(width {args['width']})"


class HeadOnly(Adapter):
    """``head_only``: train the classifier head, freeze everything else."""

    def apply(self, model, args, task):
        _maybe_fail("adapter")
        for name, param in model.named_parameters():
            param.requires_grad_(name.startswith("classifier."))
        CALLS.append(("adapter", sorted(n for n, p in model.named_parameters() if p.requires_grad)))
        return model


class RMSprop(Optimizer):
    """``rmsprop(lr, alpha)``: ``torch.optim.RMSprop`` through DeepSpeed."""

    def deepspeed_section(self, args, weight_decay, offload):
        _maybe_fail("optimizer")
        CALLS.append(("optimizer", offload))
        return {"type": "RMSprop", "params": {"lr": args["lr"], "alpha": args["alpha"], "weight_decay": weight_decay}}


class StepDecay(Schedule):
    """``step_decay(every, gamma)``: multiply the learning rate by gamma every ``every`` steps."""

    def factor(self, args, step, total):
        _maybe_fail("schedule")
        return float(args["gamma"]) ** (step // int(args["every"]))


class RecordingEngine(Engine):
    """``recording(zero)``: the built-in DeepSpeed engine, noting that it was the one used."""

    def build(self, model, config, param_groups, lr_lambda, args):
        from ftcore_train.engine import build_engine

        _maybe_fail("engine")
        engine = build_engine(model, config, param_groups, lr_lambda)
        inner = getattr(engine.optimizer, "optimizer", engine.optimizer)
        CALLS.append(("engine", args["zero"], config["zero_optimization"]["stage"], type(inner).__name__))
        return engine


class Tarball(Exporter):
    """``tarball("out/model.tar.gz")``: the trained model folder and its card in one gzipped tar file."""

    def check(self, args):
        _maybe_fail("exporter check")
        if Path(args["path"]).exists() and not args["overwrite"]:
            return [(f"{Path(args['path']).name} already exists", "path", "write tarball(..., overwrite: true)")]
        return []

    def export(self, request):
        _maybe_fail("exporter")
        dest = Path(request.args["path"])
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        with tarfile.open(tmp, "w:gz") as tar:
            for file in sorted(Path(request.model_dir).iterdir()):
                tar.add(file, arcname=file.name)
            if request.card is not None:
                info = tarfile.TarInfo("README.md")
                data = request.card.encode("utf-8")
                info.size = len(data)
                import io

                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, dest)
        if not dest.is_file():
            raise RunError("the tarball vanished")
        return str(dest)


def thirdparty_plugin(typo: str = "") -> types.ModuleType:
    """The plugin module of ``ftcore-thirdparty``; ``typo`` is appended to every impl's class name."""
    module = types.ModuleType("ftcore_thirdparty.plugin")
    module.FTCORE_PLUGIN_API = "1.0"

    def ftcore_register_components(register):
        impl = (lambda cls: f"{HERE}:{cls.__name__}{typo}")
        register.component("model_source", "small_bert", (Param("width", Integer(min=8), 16, "Hidden size."),),
                           "A one-layer BERT from a config.", impl=impl(SmallBert))
        register.component("adapter", "head_only", (), "Train the head only.", impl=impl(HeadOnly))
        register.component("optimizer", "rmsprop", (Param("lr", Float(min=0, min_open=True), 1e-3, "Peak lr."),
                                                    Param("alpha", Float(min=0, max=1), 0.99, "Smoothing.")),
                           "RMSprop from torch.optim.", impl=impl(RMSprop))
        register.component("schedule", "step_decay", (Param("every", Integer(min=1), 10, "Steps per decay."),
                                                      Param("gamma", Float(min=0, max=1), 0.5, "Decay factor.")),
                           "Step decay.", impl=impl(StepDecay))
        register.component("engine", "recording", (Param("zero", Integer(min=0, max=3), 0, "ZeRO stage."),),
                           "DeepSpeed, recorded.", impl=impl(RecordingEngine))
        register.component("exporter", "tarball", (Param("path", FilePath("file", must_exist=False), help="File."),
                                                   Param("overwrite", Boolean(), False, "Replace it.")),
                           "A .tar.gz of the model folder.", impl=impl(Tarball))

    module.ftcore_register_components = hookimpl(ftcore_register_components)
    return module


class FakeDist:
    name, version = "ftcore-thirdparty", "0.2.0"


class FakeEntryPoint:
    """An ``ftcore`` entry point of the installed distribution ftcore-thirdparty."""

    def __init__(self, module, version="0.2.0"):
        self.name, self.value, self._module = "thirdparty", "ftcore_thirdparty.plugin", module
        self.dist = type("Dist", (FakeDist,), {"version": version})()

    def load(self):
        return self._module


@pytest.fixture
def install(monkeypatch):
    """Install a version of the third-party plugin next to the real built-in ones."""
    real = [ep for ep in manager._entry_points() if ep.name != "thirdparty"]

    def _install(module, version="0.2.0"):
        monkeypatch.setattr(manager, "_entry_points", lambda: real + [FakeEntryPoint(module, version)])

    CALLS.clear()
    FAIL.clear()
    yield _install
    FAIL.clear()


pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")  # tiny models: torch on one thread


RECIPE = """recipe "third-party" { seed 1 }
data d {
  source jsonl("rows.jsonl")
  split train: 80%, eval: 10%, test: 10%
  format classification(text: "text", label: "label")
}
model {
  base small_bert(width: 16)
  task classification
  max_length 32
  adapter head_only
}
train {
  epochs 1  batch 8
  optimizer rmsprop(lr: 0.01, alpha: 0.9)
  schedule step_decay(every: 2, gamma: 0.5)
  engine recording(zero: 1)
}
evaluate d.test { metrics accuracy }
export tarball("out/model.tar.gz") { card true }
"""


def write(folder: Path, text: str = RECIPE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rows.jsonl").write_text(tiny_rows("classification", 48))
    (folder / "r.ftr").write_text(text)
    return folder / "r.ftr"


def golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def error_block(err: str) -> str:
    """What ``ftcore`` printed from its first error line on."""
    lines = err.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(("error:", "r.ftr:")))
    return "".join(lines[start:])


pytest.importorskip("deepspeed")


def test_every_third_party_component_runs_end_to_end(install, tmp_path, capsys, monkeypatch):
    from safetensors.torch import load_file

    install(thirdparty_plugin())
    write(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    assert main(["run", "r.ftr", "--out", str(out), "--plain"]) == 0, capsys.readouterr().err[-3000:]
    print(capsys.readouterr().err)

    kinds = [c[0] for c in CALLS]
    for kind in ("optimizer", "tokenizer", "model", "adapter", "engine"):
        assert kind in kinds, CALLS
    assert ("optimizer", False) in CALLS  # asked for its DeepSpeed section before anything ran
    (engine,) = [c for c in CALLS if c[0] == "engine"]
    assert engine == ("engine", 1, 1, "RMSprop")  # its zero argument reached the config; torch's RMSprop steps
    (adapter,) = {tuple(c[1]) for c in CALLS if c[0] == "adapter"}
    assert adapter == ("classifier.bias", "classifier.weight")

    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if '"split"' not in line]
    assert [round(s["lr"], 6) for s in steps] == [0.01, 0.005, 0.005, 0.0025]  # factor(step) after each step

    # head_only froze the encoder: its weights are the seeded initial ones, the head's are not.
    import torch

    from ftcore_hf.byte_tokenizer import byte_tokenizer
    from ftcore_train.seeding import seed_everything

    seed_everything(1)
    initial = SmallBert().model({"width": 16}, task="classification", labels=["account", "billing", "tech"],
                                tokenizer=byte_tokenizer(32)).state_dict()
    trained = load_file(str(out / "model" / "model.safetensors"))
    assert torch.equal(trained["bert.embeddings.word_embeddings.weight"],
                       initial["bert.embeddings.word_embeddings.weight"])
    assert not torch.equal(trained["classifier.weight"], initial["classifier.weight"])

    with tarfile.open(tmp_path / "out" / "model.tar.gz") as tar:
        names = set(tar.getnames())
        card = tar.extractfile("README.md").read().decode()
    assert {"model.safetensors", "config.json", "README.md"} <= names
    assert "- base model: small-bert(width 16)" in card and "- adapter: head_only" in card
    assert "| d.test | accuracy |" in card

    manifest = json.loads((out / "manifest.json").read_text())
    train = next(s for s in manifest["graph"]["stages"] if s["id"] == "train")
    assert {k: v for k, v in train["code"].items() if "ftcore-thirdparty" in v} == {
        "model_source:small_bert": "ftcore-thirdparty==0.2.0", "adapter:head_only": "ftcore-thirdparty==0.2.0",
        "optimizer:rmsprop": "ftcore-thirdparty==0.2.0", "schedule:step_decay": "ftcore-thirdparty==0.2.0",
        "engine:recording": "ftcore-thirdparty==0.2.0"}

    # The exporter's check runs before anything else: a second run stops at the recipe, naming the argument.
    CALLS.clear()
    assert main(["run", "r.ftr", "--out", str(tmp_path / "again")]) == 2
    golden("exporter_check_problem", error_block(capsys.readouterr().err))
    assert not [c for c in CALLS if c[0] in ("tokenizer", "model")]


def test_a_new_version_of_the_distribution_changes_the_fingerprints_of_the_stages_running_its_code(install, tmp_path):
    from ftcore.compiler.pipeline import compile_recipe

    recipe = write(tmp_path)
    install(thirdparty_plugin(), "0.2.0")
    _, old = compile_recipe(recipe)
    install(thirdparty_plugin(), "0.2.1")
    _, new = compile_recipe(recipe)
    changed = {sid for sid in old.stages if old[sid].fingerprint != new[sid].fingerprint}
    # The tokenizer comes from small_bert, so every data stage after tokenization follows it too.
    assert {"model.tokenizer", "train", "export.0"} <= changed
    assert "data.d.load" not in changed and "data.d.clean" not in changed
    assert new["export.0"].code_versions == {"exporter:tarball": "ftcore-thirdparty==0.2.1"}


FAULTS = {  # kind that raises -> where the run stops
    "model_source": "the model.tokenizer stage",
    "adapter": "the train stage, building the model",
    "optimizer": "compiling: the DeepSpeed section is planned before anything runs",
    "schedule": "the train stage, building the engine",
    "engine": "the train stage, building the engine",
    "exporter check": "checking the recipe",
    "exporter": "the export stage, after training",
}


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_a_component_raising_inside_its_code_is_the_plugins_fault(kind, install, tmp_path, capsys, monkeypatch):
    install(thirdparty_plugin())
    FAIL.add(kind)
    write(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "r.ftr", "--out", str(tmp_path / "run"), "--plain"]) == 5, FAULTS[kind]
    err = capsys.readouterr().err
    golden(f"raises_{kind.replace(' ', '_')}", error_block(err))
    assert "Traceback" not in err and "internal error" not in err
    assert not (tmp_path / "out" / "model.tar.gz").exists()


def test_a_misspelt_impl_of_each_kind_is_reported_by_check_where_the_recipe_names_it(install, tmp_path, capsys,
                                                                                       monkeypatch):
    install(thirdparty_plugin(typo="X"))
    write(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "r.ftr"]) == 2
    text = capsys.readouterr().err
    golden("impl_typos", text)
    for name in ("small_bert", "head_only", "rmsprop", "step_decay", "recording", "tarball"):
        assert f'"{name}" cannot run' in text


def test_every_golden_file_has_a_case():
    cases = {f"raises_{k.replace(' ', '_')}" for k in FAULTS} | {"impl_typos", "exporter_check_problem"}
    assert {p.stem for p in GOLDEN.glob("*.txt")} == cases
