"""End-to-end ``ftcore run`` on CPU with tiny models: classifier, causal LM (full and LoRA), seq2seq."""

from __future__ import annotations

import json
import math

import pytest

from ftcore.plugins import hookimpl

from tiny_recipes import read_metrics, train_losses, write_recipe

pytest.importorskip("deepspeed")


pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")  # tiny models: torch on one thread


def run(recipe, out, *args, **kwargs) -> int:
    from rich.console import Console

    from ftcore.runtime.run import run_command

    return run_command(str(recipe), out=str(out), console=Console(file=open(out.parent / "log.txt", "a")), **kwargs)


def test_classifier_run_directory_metrics_and_export(tmp_path):
    recipe = write_recipe(tmp_path, "classification", train="accumulate 2  eval_every 4  keep 1",
                          evaluate="evaluate d.test { metrics accuracy, f1 }",
                          export='export hf("exported") { card true }')
    out = tmp_path / "run"
    assert run(recipe, out) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and "recipe \"tiny-classification\"" in manifest["recipe"]["text"]
    assert len(manifest["recipe"]["sha256"]) == 64 and manifest["libraries"]["deepspeed"] != "-"
    assert "data.d.load" in manifest["data"] and '"plugin": "train==' in json.dumps(manifest["graph"])
    records = read_metrics(out)
    steps = [r for r in records if "split" not in r]
    assert [r["step"] for r in steps] == list(range(1, len(steps) + 1)) and all("loss" in r for r in steps)
    evals = [r for r in records if r.get("split") == "eval"]
    assert evals and {"loss", "accuracy", "f1"} <= set(evals[0])
    test = [r for r in records if r.get("split") == "d.test"]
    assert test and 0 <= test[0]["accuracy"] <= 1
    ckpts = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert ckpts == [f"step-{steps[-1]['step']:07d}"]  # keep 1, no early stopping: only the newest
    assert (out / "model" / "model.safetensors").is_file()
    config = json.loads((out / "model" / "config.json").read_text())
    assert sorted(config["id2label"].values()) == ["account", "billing", "tech"]
    exported = tmp_path / "exported"
    assert (exported / "model.safetensors").is_file() and "## Metrics" in (exported / "README.md").read_text()
    assert f"run directory: {out}" in (tmp_path / "log.txt").read_text()


def test_causal_lm_full_and_lora(tmp_path):
    full = write_recipe(tmp_path, "causal_lm", evaluate="evaluate d.test { metrics loss, perplexity }")
    assert run(full, tmp_path / "full") == 0
    lora = tmp_path / "lora.ftr"
    lora.write_text(full.read_text().replace("max_length 32", 'max_length 32\n  adapter lora(rank: 4, alpha: 8, '
                                                                'targets: ["q_proj", "v_proj"])'))
    assert run(lora, tmp_path / "lora") == 0
    assert (tmp_path / "lora" / "adapter" / "adapter_config.json").is_file()
    assert_lora_is_merged_into_the_base(tmp_path / "lora", scale=8 / 4)
    full_losses, lora_losses = train_losses(tmp_path / "full"), train_losses(tmp_path / "lora")
    assert len(full_losses) == len(lora_losses) and full_losses != lora_losses
    test = [r for r in read_metrics(tmp_path / "lora") if r.get("split") == "d.test"][0]
    assert test["perplexity"] > 1


def assert_lora_is_merged_into_the_base(run_dir, scale):
    """model/ holds W + scale * B @ A for each adapted projection, from the final checkpoint's W, A and B."""
    import torch
    from safetensors.torch import load_file

    from ftcore_train.safe_load import load_tensors_only

    final = sorted((run_dir / "checkpoints").glob("step-*"))[-1]
    states = load_tensors_only(str(next(final.rglob("mp_rank_00_model_states.pt"))))["module"]
    merged = load_file(str(run_dir / "model" / "model.safetensors"))
    bases = [k for k in states if k.endswith(".base_layer.weight")]
    assert sorted({k.split(".")[-3] for k in bases}) == ["q_proj", "v_proj"]
    for key in bases:
        w, a, b = (states[key], states[key.replace("base_layer", "lora_A.default")],
                   states[key.replace("base_layer", "lora_B.default")])
        name = key[key.index("model.layers."):].replace(".base_layer", "")
        assert not bool((b == 0).all())  # training moved the adapter, so merging changes the weight
        assert torch.allclose(merged[name], w + scale * b @ a, atol=1e-6), name


def test_seq2seq_run(tmp_path):
    recipe = write_recipe(tmp_path, "seq2seq", evaluate="evaluate d.test { metrics loss }")
    assert run(recipe, tmp_path / "run") == 0
    losses = train_losses(tmp_path / "run")
    assert losses and all(l == l for l in losses)


def test_zero_stages_agree_in_one_process(tmp_path):
    """ZeRO 0-3 in one process give the same losses (measured: identical to the last bit on CPU)."""
    recipe = write_recipe(tmp_path, "classification", train="accumulate 2", regularize="dropout 0.1  clip 1.0")
    losses = {}
    for zero in (0, 1, 2, 3):
        out = tmp_path / f"z{zero}"
        assert run(recipe, out, overrides=[f"train.engine=deepspeed(zero: {zero})"]) == 0
        ran = json.loads((out / "train_summary.json").read_text())
        assert (ran["zero"], ran["world_size"]) == (zero, 1)  # each run is the stage it claims to compare
        losses[zero] = train_losses(out)
    for zero in (1, 2, 3):
        assert losses[zero] == pytest.approx(losses[0], abs=1e-5)


def test_a_failed_run_is_a_message_not_a_traceback(tmp_path):
    recipe = write_recipe(tmp_path, "classification")
    from rich.console import Console

    from ftcore.runtime.run import run_command

    console = Console(file=open(tmp_path / "err.txt", "w"))
    assert run_command(str(recipe), out=str(tmp_path / "run"), console=console, overrides=["train.batch=200"]) == 1
    text = (tmp_path / "err.txt").read_text()
    assert "fewer than one optimizer step" in text and "Traceback" not in text


class PackedInputsSpy:
    """A plugin that records, for every forward pass in training, the position ids and the mask's shape."""

    def __init__(self):
        self.seen, self.lengths, self.attention = [], [], []

    @hookimpl
    def ftcore_build_engine(self, model, config, param_groups, lr_lambda):
        def record(module, args, kwargs):
            if module.training:
                self.seen.append((kwargs.get("position_ids"), kwargs["attention_mask"].dim()))
                self.lengths.append(kwargs.get("packed_seq_lens"))
                self.attention.append(module.config._attn_implementation)

        model.register_forward_pre_hook(record, with_kwargs=True)
        return None


def test_causal_lm_trains_on_packed_rows(tmp_path, monkeypatch):
    import ftcore.plugins.manager as manager

    spy = PackedInputsSpy()
    load_host = manager.load_host
    monkeypatch.setattr(manager, "load_host", lambda *a, **k: load_host(*a, extra=[("spy", spy)], **k))
    recipe = write_recipe(tmp_path, "causal_lm", evaluate="evaluate d.test { metrics loss }")
    recipe.write_text(recipe.read_text().replace('format text(field: "text")', 'format text(field: "text")\n  pack true')
                      .replace("max_length 32", "max_length 96"))
    assert run(recipe, tmp_path / "run") == 0
    losses = train_losses(tmp_path / "run")
    assert losses and all(math.isfinite(l) for l in losses)
    assert spy.seen and all(p is not None and dim == 4 for p, dim in spy.seen)  # block-diagonal, not padding
    rows = [row for p, _ in spy.seen for row in p]
    restarts = sum(int((row[1:] == 0).sum()) for row in rows)  # a 0 after a row's first token: a new sample
    assert restarts >= len(rows)  # rows hold several samples, each starting again at position 0
    # the samples' lengths reach the model, whose attention runs sample by sample
    assert set(spy.attention) == {"ftcore_packed_sdpa"}
    assert all(len(l) == len(p) for l, (p, _) in zip(spy.lengths, spy.seen))
    assert all(sum(n) <= len(row) for l, (p, _) in zip(spy.lengths, spy.seen) for n, row in zip(l, p))
