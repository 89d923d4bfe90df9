"""ZeRO 3: the model is built partitioned, starts from the weights other stages start from, and is saved whole."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ftcore.plugins import hookimpl
from ftcore_train import dsconfig

pytest.importorskip("deepspeed")

pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")  # tiny models: torch on one thread

ROOT = Path(__file__).resolve().parents[3]


class ModelSpy:
    """Records, for the model handed to the engine, how much of each parameter this process holds."""

    def __init__(self):
        self.params = []
        self.zero_config = {}

    @hookimpl
    def ftcore_build_engine(self, model, config, param_groups, lr_lambda):
        self.zero_config = dict(config["zero_optimization"])
        self.params = [(name, hasattr(p, "ds_id"), p.data.numel(), getattr(p, "ds_numel", p.numel()))
                       for name, p in model.named_parameters()]
        return None  # the recipe's engine builds it


def zero_params(zero: int):
    from test_train_loop import params

    s = dsconfig.Settings(zero=zero, batch=4, lr=1e-3, weight_decay=0.01, clip=1.0)
    p = params(settings=s.to_json(), deepspeed=dsconfig.generate(s))
    p["engine"]["args"]["zero"] = zero
    return p


def test_zero3_builds_the_model_partitioned_and_saves_the_gathered_weights(tmp_path):
    """Before ``deepspeed.initialize`` every parameter is a ZeRO-3 placeholder (no process ever held the
    whole model); after training, ``model/`` holds exactly the weights DeepSpeed consolidates itself."""
    import torch
    from safetensors.torch import load_file
    from test_train_loop import host_with, rows

    from ftcore_hf.byte_tokenizer import byte_tokenizer
    from ftcore_train.loop import Trainer

    spy = ModelSpy()
    tok = byte_tokenizer(32)
    info = {"task": "classification", "label_names": ["billing", "tech", "account"], "pad_token_id": 0}
    trainer = Trainer(zero_params(3), rows(tok, 24), rows(tok, 8, 1), info, tok, tmp_path,
                      hook=host_with(spy).hook)
    try:
        summary = trainer.run()
        engine_weights = {k: v.float().cpu() for k, v in trainer.engine._zero3_consolidated_16bit_state_dict().items()}
    finally:
        trainer.close()
    assert summary["zero"] == 3
    assert spy.params and all(partitioned for _, partitioned, _, _ in spy.params), spy.params[:3]
    assert sum(held for _, _, held, _ in spy.params) == 0  # placeholders: the values live in ZeRO's partitions
    assert sum(full for _, _, _, full in spy.params) > 10_000
    assert spy.zero_config["reduce_bucket_size"] == 32 * 32  # buckets sized to the model (hidden 32)
    saved = load_file(str(tmp_path / "model" / "model.safetensors"))
    assert set(saved) <= set(engine_weights) and len(saved) >= len(spy.params) - 1
    for name, value in saved.items():
        assert value.shape == engine_weights[name].shape, name
        assert torch.allclose(value, engine_weights[name]), name


def test_every_zero_stage_starts_from_the_same_weights(tmp_path):
    """The seed alone decides a fresh model's weights: built partitioned (ZeRO 3) or whole, they are equal."""
    import torch
    from test_train_loop import params

    from ftcore_hf.build import build_model
    from ftcore_train.engine import init_distributed, partitioned_construction, shutdown
    from ftcore_train.seeding import seed_everything

    model = params()["model"]
    labels = ["a", "b", "c"]
    init_distributed()
    try:
        seed_everything(5)
        whole = {k: v.clone() for k, v in build_model(model, labels=labels).state_dict().items()}
        s = dsconfig.Settings(zero=3, batch=4)
        seed_everything(5)
        parted = build_model(model, labels=labels,
                             construction=partitioned_construction(dsconfig.finalize(dsconfig.generate(s), s, 1)))
        import deepspeed

        with deepspeed.zero.GatheredParameters(list(parted.parameters())):
            gathered = {k: v.clone() for k, v in parted.state_dict().items()}
    finally:
        shutdown(None)
    assert set(whole) == set(gathered)
    for name in whole:
        assert torch.equal(whole[name], gathered[name]), name


TWO_RANKS = textwrap.dedent("""
    import json, sys
    from ftcore_hf.build import build_model
    from ftcore_train import dsconfig
    from ftcore_train.engine import init_distributed, partitioned_construction, shutdown
    rank, world = init_distributed()
    s = dsconfig.Settings(zero=int(sys.argv[1]), batch=2)
    config = dsconfig.finalize(dsconfig.generate(s), s, world)
    model = {"base": {"component": "model_source:tiny", "impl": "ftcore_hf.sources:TinySource",
                      "args": {"arch": "llama", "layers": 2, "hidden": 64, "heads": 2, "intermediate": 128}},
             "task": "causal_lm", "max_length": 32, "freeze": [], "gradient_checkpointing": False,
             "adapter": {"component": "adapter:full", "args": {}, "impl": "ftcore_hf.adapters:FullAdapter"}}
    net = build_model(model, construction=partitioned_construction(config))
    full = sum(getattr(p, "ds_numel", p.numel()) for p in net.parameters())
    held = sum(p.ds_tensor.numel() if hasattr(p, "ds_tensor") else p.numel() for p in net.parameters())
    print("REPORT " + json.dumps({"rank": rank, "full": full, "held": held}), flush=True)
    shutdown(None)
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_on_two_ranks(zero: int) -> list[dict]:
    import json

    port = str(free_port())
    procs = []
    for rank in range(2):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1",
                   MASTER_PORT=port, OMP_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join([str(ROOT / "plugins"), str(ROOT)]))
        procs.append(subprocess.Popen([sys.executable, "-c", TWO_RANKS, str(zero)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True))
    reports = []
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out[-3000:]
        reports += [json.loads(line[len("REPORT "):]) for line in out.splitlines() if line.startswith("REPORT ")]
    return reports


def test_under_zero3_each_of_two_processes_builds_only_its_half():
    """Two processes, ZeRO 3: right after the build (before ``deepspeed.initialize``) each holds about half of
    the values; under ZeRO 2 each builds them all."""
    parted = build_on_two_ranks(3)
    assert len(parted) == 2 and parted[0]["full"] == parted[1]["full"]
    for report in parted:
        assert report["held"] <= report["full"] // 2 + 2 * 64, report  # at most one padding value per parameter
    whole = build_on_two_ranks(2)
    assert all(r["held"] == r["full"] == parted[0]["full"] for r in whole)


def test_buckets_are_sized_to_the_model_unless_the_recipe_sets_them():
    s = dsconfig.Settings(zero=3)
    sized = dsconfig.size_buckets(dsconfig.generate(s), 768)["zero_optimization"]
    assert (sized["reduce_bucket_size"], sized["stage3_prefetch_bucket_size"],
            sized["stage3_param_persistence_threshold"]) == (768 * 768, int(0.9 * 768 * 768), 7680)
    extra = dsconfig.merge_extra(dsconfig.generate(s), ["zero_optimization.reduce_bucket_size=5e8"])
    assert dsconfig.size_buckets(extra, 768)["zero_optimization"]["reduce_bucket_size"] == 5e8  # deepspeed_extra wins
    two = dsconfig.size_buckets(dsconfig.generate(dsconfig.Settings(zero=2)), 64)["zero_optimization"]
    assert two == {"stage": 2, "reduce_bucket_size": 4096}
    assert dsconfig.size_buckets(dsconfig.generate(dsconfig.Settings(zero=0)), 64) == dsconfig.generate(dsconfig.Settings())
    assert dsconfig.size_buckets(dsconfig.generate(s), None) == dsconfig.generate(s)  # hidden size unknown


def test_a_model_source_outside_transformers_is_partitioned_too():
    """A third party's source that builds plain torch modules gets partitioned weights under ZeRO 3, with the
    values torch's own initialisation gave them."""
    import torch

    from ftcore_train.engine import init_distributed, partitioned_construction, shutdown

    init_distributed()
    try:
        torch.manual_seed(3)
        expected = torch.nn.Linear(16, 8).weight.detach().clone()
        s = dsconfig.Settings(zero=3, batch=4)
        torch.manual_seed(3)
        with partitioned_construction(dsconfig.finalize(dsconfig.generate(s), s, 1)) as partitioned:
            layer = torch.nn.Linear(16, 8)
        import deepspeed

        assert partitioned and hasattr(layer.weight, "ds_id") and layer.weight.data.numel() == 0
        with deepspeed.zero.GatheredParameters([layer.weight]):
            assert torch.equal(layer.weight.data, expected)
        with partitioned_construction(dsconfig.generate(dsconfig.Settings(zero=2))) as partitioned:
            plain = torch.nn.Linear(16, 8)
        assert not partitioned and not hasattr(plain.weight, "ds_id")
    finally:
        shutdown(None)


def test_a_gguf_model_is_built_whole_inside_the_partitioned_construction():
    """transformers loads GGUF through its quantized path, which cannot fill ZeRO-3 placeholders: those models
    are built whole (DeepSpeed partitions them at ``deepspeed.initialize``); transformers' ZeRO-3 mode ends with
    the block, so a model built afterwards (the export's plain copy) is an ordinary one."""
    import torch
    from transformers.integrations import is_deepspeed_zero3_enabled

    from ftcore_hf.sources import whole_if_gguf
    from ftcore_train.engine import init_distributed, partitioned_construction, shutdown

    init_distributed()
    try:
        s = dsconfig.Settings(zero=3, batch=4)
        with partitioned_construction(dsconfig.finalize(dsconfig.generate(s), s, 1)):
            assert is_deepspeed_zero3_enabled()
            with whole_if_gguf(True):
                whole = torch.nn.Linear(16, 8)
            with whole_if_gguf(False):
                parted = torch.nn.Linear(16, 8)
        assert not hasattr(whole.weight, "ds_id") and whole.weight.numel() == 128
        assert hasattr(parted.weight, "ds_id")
        assert not is_deepspeed_zero3_enabled()
    finally:
        shutdown(None)
