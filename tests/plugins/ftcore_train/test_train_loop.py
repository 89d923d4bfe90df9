"""The training loop: accumulation equivalence, early stopping, run-time hooks, exact resume."""

from __future__ import annotations

import json
import random

import pytest

from ftcore.plugins import hookimpl
from ftcore_train import dsconfig

pytest.importorskip("deepspeed")


pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")  # tiny models: torch on one thread


def rows(tok, n, seed=0):
    r = random.Random(seed)
    out = []
    for i in range(n):
        label = i % 3
        ids = tok(["refund my money", "the app crashes", "reset password"][label] + f" {r.randrange(99)}")["input_ids"]
        out.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": label})
    return out


def training_metrics():
    """The built-in metrics' entries a classifier's train stage evaluates with."""
    from ftcore.plugins.manager import load_host
    from ftcore_metrics.plugin import metric_entries

    return metric_entries(load_host(only=["metrics"]).registry, ["loss", "accuracy", "f1"])


def params(batch=4, accumulate=1, **extra):
    s = dsconfig.Settings(batch=batch, accumulate=accumulate, lr=1e-3, weight_decay=0.01, clip=1.0)
    p = {"model": {"base": {"component": "model_source:tiny", "args": {"arch": "bert", "layers": 1, "hidden": 32,
                                                                      "heads": 4, "intermediate": 64},
                            "impl": "ftcore_hf.sources:TinySource"},
                   "task": "classification", "max_length": 32,
                   "adapter": {"component": "adapter:full", "args": {}, "impl": "ftcore_hf.adapters:FullAdapter"},
                   "freeze": [], "gradient_checkpointing": False},
         "settings": s.to_json(), "epochs": 1, "max_steps": None,
         "schedule": {"component": "schedule:linear", "args": {"warmup": {"count": 1}, "end": 0.0},
                      "impl": "ftcore_train.optim:LinearSchedule"},
         "engine": {"component": "engine:deepspeed", "args": {"zero": 0, "offload": "none"},
                    "impl": "ftcore_train.engine:DeepSpeedEngine"},
         "dropout": 0.0, "label_smoothing": 0.1, "early_stop": None, "eval_every": None, "checkpoint_every": None,
         "keep": 2, "log_every": 10, "metrics": training_metrics(), "deepspeed": dsconfig.generate(s),
         "seed": 5}
    p.update(extra)
    return p


def train(tmp_path, name, p, hook=None, resume=False, n=48):
    from ftcore_hf.byte_tokenizer import byte_tokenizer
    from ftcore_train.loop import Trainer

    tok = byte_tokenizer(32)
    info = {"task": "classification", "label_names": ["billing", "tech", "account"], "pad_token_id": 0}
    out = tmp_path / name
    out.mkdir(exist_ok=True)
    trainer = Trainer(p, rows(tok, n), rows(tok, 12, 1), info, tok, out, hook=hook, resume=resume)
    try:
        summary = trainer.run()
    finally:
        trainer.close()
    return summary


def losses(run_dir):
    return [json.loads(l)["loss"] for l in (run_dir / "metrics.jsonl").read_text().splitlines() if '"split"' not in l]


def weights(run_dir):
    from safetensors.torch import load_file

    return load_file(str(run_dir / "model" / "model.safetensors"))


def test_gradient_accumulation_equals_the_larger_batch(tmp_path):
    big = train(tmp_path, "big", params(batch=8, accumulate=1))
    small = train(tmp_path, "small", params(batch=4, accumulate=2))
    assert big["steps"] == small["steps"] == 6
    assert losses(tmp_path / "small") == pytest.approx(losses(tmp_path / "big"), abs=1e-6)
    wa, wb = weights(tmp_path / "big"), weights(tmp_path / "small")
    assert all((wa[k] - wb[k]).abs().max() < 1e-5 for k in wa)


class WeightSpy:
    """A plugin keeping a copy of the model's weights at every checkpoint (the engine wraps this very model)."""

    def __init__(self):
        self.model, self.at, self.dtypes = None, {}, []

    @hookimpl
    def ftcore_build_engine(self, model, config, param_groups, lr_lambda):
        self.model = model
        return None

    @hookimpl
    def ftcore_train_step_end(self, step, total, metrics):
        self.dtypes.append({str(p.dtype) for p in self.model.parameters()})

    @hookimpl
    def ftcore_checkpoint_saved(self, path, step):
        self.at[path.name] = {k: v.detach().clone() for k, v in self.model.state_dict().items()}


def test_early_stopping_stops_and_restores_the_best_checkpoint(tmp_path):
    early = {"patience": 2, "metric": "loss", "mode": "min", "min_delta": 10.0}  # nothing improves by 10
    spy = WeightSpy()
    summary = train(tmp_path, "run", params(eval_every=1, epochs=5, early_stop=early), hook=host_with(spy).hook)
    assert summary["stopped_early"] and summary["steps"] == 3
    assert summary["best_checkpoint"] == "step-0000001" and summary["restored"] == "step-0000001"
    ckpts = sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir() if p.name.startswith("step-"))
    assert "step-0000001" in ckpts  # the best is kept besides the newest
    best, last, final = spy.at["step-0000001"], spy.at["step-0000003"], weights(tmp_path / "run")
    assert not bool((best["classifier.weight"] == last["classifier.weight"]).all())  # training moved on after 1
    assert "classifier.weight" in final and all(bool((final[k] == best[k]).all()) for k in final)


class Spy:
    """A plugin recording the run-time hooks."""

    def __init__(self, stop_at=None):
        self.calls, self.stop_at = [], stop_at

    @hookimpl
    def ftcore_build_engine(self, model, config, param_groups, lr_lambda):
        self.calls.append(("build_engine", config["train_batch_size"]))
        return None  # leave it to the built-in DeepSpeed engine

    @hookimpl
    def ftcore_train_step_end(self, step, total, metrics):
        self.calls.append(("step", step, total, metrics["loss"]))
        if step == self.stop_at:
            raise KeyboardInterrupt  # a killed run

    @hookimpl
    def ftcore_evaluation_end(self, step, split, metrics):
        self.calls.append(("eval", step, split, sorted(metrics)))

    @hookimpl
    def ftcore_checkpoint_saved(self, path, step):
        self.calls.append(("checkpoint", step, path.name, (path / "trainer_state.json").is_file()))


def host_with(spy):
    from ftcore.plugins.manager import load_host

    return load_host(only=["train"], extra=[("spy", spy)])


def test_run_time_hooks_fire(tmp_path):
    spy = Spy()
    train(tmp_path, "run", params(eval_every=3, checkpoint_every=3), hook=host_with(spy).hook, n=24)
    assert spy.calls[0] == ("build_engine", 4)
    steps = [c for c in spy.calls if c[0] == "step"]
    assert [c[:3] for c in steps] == [("step", i, 6) for i in range(1, 7)]
    assert [c[3] for c in steps] == losses(tmp_path / "run")  # the loss the hook sees is the one logged
    assert ("eval", 3, "eval", ["accuracy", "f1", "loss"]) in spy.calls
    assert ("checkpoint", 6, "step-0000006", True) in spy.calls


class CountingEngine:
    """An engine a plugin returns from ftcore_build_engine: DeepSpeed's, counting the optimizer steps."""

    def __init__(self, inner):
        self.inner, self.steps = inner, 0

    def __call__(self, *args, **kwargs):
        return self.inner(*args, **kwargs)

    def step(self):
        self.steps += 1
        self.inner.step()

    def __getattr__(self, name):
        return getattr(self.inner, name)


class EngineBuilder:
    """A plugin that builds the engine itself: the first non-None result must be the engine that trains."""

    def __init__(self):
        self.engine = None

    @hookimpl
    def ftcore_build_engine(self, model, config, param_groups, lr_lambda):
        from ftcore_train.engine import build_engine

        self.engine = CountingEngine(build_engine(model, config, param_groups, lr_lambda))
        return self.engine


def test_a_plugin_engine_from_ftcore_build_engine_is_the_one_that_trains(tmp_path):
    builder = EngineBuilder()
    summary = train(tmp_path, "run", params(accumulate=2), hook=host_with(builder).hook, n=24)
    assert summary["steps"] == 3 and builder.engine.steps == 6  # 3 optimizer steps of 2 micro-batches


def test_a_killed_run_resumes_to_the_same_losses_and_weights(tmp_path):
    p = params(checkpoint_every=2, epochs=2, dropout=0.2)  # dropout: RNG state must be restored too
    train(tmp_path, "whole", p)
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path, "killed", p, hook=host_with(Spy(stop_at=9)).hook)
    assert (tmp_path / "killed" / "checkpoints" / "step-0000008").is_dir()
    train(tmp_path, "killed", p, resume=True)
    assert losses(tmp_path / "killed") == losses(tmp_path / "whole")
    wa, wb = weights(tmp_path / "whole"), weights(tmp_path / "killed")
    assert all(bool((wa[k] == wb[k]).all()) for k in wa)


def test_bf16_trains_on_cpu_under_zero_2(tmp_path):
    s = dsconfig.Settings(zero=2, batch=4, lr=1e-3, precision="bf16")
    spy = WeightSpy()
    summary = train(tmp_path, "bf16", params(settings=s.to_json(), deepspeed=dsconfig.generate(s)), n=16,
                    hook=host_with(spy).hook)
    assert summary["steps"] == 4 and summary["zero"] == 2 and all(l == l for l in losses(tmp_path / "bf16"))
    assert spy.dtypes == [{"torch.bfloat16"}] * 4  # the weights the forward pass used, at every step
    assert weights(tmp_path / "bf16")["classifier.weight"].dtype.is_floating_point


@pytest.mark.parametrize("zero", [0, 2])
def test_adamw_steps_with_torchs_fused_kernel(tmp_path, zero):
    """The recipe's AdamW reaches torch as ``AdamW(fused=True)``, under DeepSpeed's ZeRO wrapper too: the
    Hugging Face Trainer's default, several times faster per step on a CPU than torch's per-tensor loop."""
    import torch

    s = dsconfig.Settings(zero=zero, batch=4, lr=1e-3)
    builder = EngineBuilder()
    train(tmp_path, f"zero{zero}", params(settings=s.to_json(), deepspeed=dsconfig.generate(s)), n=8,
          hook=host_with(builder).hook)
    optimizer = builder.engine.inner.optimizer
    while not isinstance(optimizer, torch.optim.AdamW):
        optimizer = optimizer.optimizer  # DeepSpeed's ZeRO optimizer wraps torch's
    assert optimizer.defaults["fused"] is True


@pytest.mark.parametrize("zero", [0, 1])
def test_one_process_at_zero_0_skips_deepspeeds_all_reduce_and_trains_the_same(tmp_path, zero):
    """Alone under ZeRO 0 the engine skips the all-reduce (an identity that copies every gradient twice);
    ZeRO 1 keeps its own reduction. Two processes keep it too: tests/runtime/test_launch.py compares them
    with one. The losses are bit for bit those of the engine that all-reduces."""
    s = dsconfig.Settings(zero=zero, batch=4, lr=1e-3)
    p = params(settings=s.to_json(), deepspeed=dsconfig.generate(s))
    builder = EngineBuilder()
    train(tmp_path, "skipped", p, n=16, hook=host_with(builder).hook)
    assert builder.engine.inner.enable_backward_allreduce is (zero != 0)

    class AllReducing(EngineBuilder):
        @hookimpl
        def ftcore_build_engine(self, model, config, param_groups, lr_lambda):
            engine = EngineBuilder.ftcore_build_engine(self, model, config, param_groups, lr_lambda)
            engine.inner.enable_backward_allreduce = True
            return engine

    train(tmp_path, "reduced", p, n=16, hook=host_with(AllReducing()).hook)
    assert losses(tmp_path / "skipped") == losses(tmp_path / "reduced")
