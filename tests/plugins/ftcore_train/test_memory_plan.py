"""The planned per-process memory: parameter counts read from model files, the ZeRO formula, `ftcore check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ftcore_hf.shapes import gguf_shapes, safetensors_shapes, tiny_shapes
from ftcore_train.memory_plan import count, model_shapes, plan, trainable

ROOT = Path(__file__).resolve().parents[3]
MIB = 1024 * 1024


def test_zero_stages_divide_what_the_paper_says():
    """Ψ = 1M fp32 parameters on 4 processes: 16 B/param at ZeRO 0, then optimizer, gradients, weights split."""
    psi = 1_000_000
    assert plan(psi, psi, 0, "fp32", 4) == {"weights": 4e6, "gradients": 4e6, "optimizer": 8e6, "total": 16e6}
    assert plan(psi, psi, 1, "fp32", 4)["total"] == 4e6 + 4e6 + 12e6 / 4
    assert plan(psi, psi, 2, "fp32", 4)["total"] == 4e6 + (4e6 + 12e6) / 4
    assert plan(psi, psi, 3, "fp32", 4)["total"] == 16e6 / 4 + 4e6 / 4
    # mixed precision: the paper's 2Ψ + 2Ψ + 12Ψ, and (2 + 2 + 12)Ψ / N at stage 3
    assert plan(psi, psi, 0, "bf16", 8)["total"] == 16e6
    assert plan(psi, psi, 3, "bf16", 8)["total"] == 16e6 / 8
    # frozen parameters (LoRA) have weights only
    assert plan(psi, 1000, 0, "fp32", 1)["total"] == 4e6 + 4000 + 8000


@pytest.mark.parametrize("arch,task,tolerance", [("llama", "causal_lm", 0.0), ("gpt2", "causal_lm", 0.0),
                                                 ("t5", "seq2seq", 0.01), ("bert", "classification", 0.01)])
def test_tiny_model_counts_match_the_built_model(arch, task, tolerance):
    """The shapes of tiny(...) add up to the parameters of the model TinySource builds (heads aside)."""
    from ftcore_hf.sources import TinySource

    args = dict(arch=arch, layers=2, hidden=64, heads=4, intermediate=128)
    model = TinySource().model(args, task=task, labels=["a", "b"])
    real = sum(p.numel() for p in model.parameters())
    assert abs(count(tiny_shapes(args, task)) - real) <= tolerance * real


def test_safetensors_header_counts_every_weight():
    """MiniLM's header gives the count of the model transformers loads from it (its position_ids buffer aside)."""
    from transformers import AutoModel

    from ftcore_hf.packaged import packaged_copy

    folder = Path(packaged_copy("sentence-transformers/all-MiniLM-L6-v2")[0])
    shapes = model_shapes({"base": {"component": "model_source:hf", "impl": "ftcore_hf.sources:HFSource",
                                    "args": {"path": "sentence-transformers/all-MiniLM-L6-v2"}}})
    assert shapes == safetensors_shapes(folder / "model.safetensors")
    assert count(shapes) == sum(p.numel() for p in AutoModel.from_pretrained(folder).parameters()) == 22_713_216


def test_gguf_table_and_lora_share():
    """SmolLM2's GGUF tensor table read without llama.cpp: 134,515,008 parameters as the gguf package reads
    them; LoRA rank 8 on q_proj and v_proj trains 30 layers × 8 × ((576 + 576) + (576 + 192))."""
    gguf = pytest.importorskip("gguf")
    from ftcore_hf.packaged import packaged_copy

    folder, name = packaged_copy("HuggingFaceTB/SmolLM2-135M-Instruct")
    shapes = gguf_shapes(Path(folder) / name)
    reader = gguf.GGUFReader(str(Path(folder) / name))
    assert {t.name: [int(d) for d in t.shape] for t in reader.tensors} == shapes
    assert count(shapes) == 134_515_008
    lora = {"adapter": {"component": "adapter:lora", "impl": "ftcore_hf.adapters:LoraAdapter",
                        "args": {"rank": 8, "targets": ["q_proj", "v_proj"]}}}
    assert trainable(shapes, lora) == 30 * 8 * ((576 + 576) + (576 + 192))
    assert trainable(shapes, {}) == count(shapes)


def test_truncated_gguf_is_an_error_not_a_shape_table(tmp_path):
    """A GGUF file cut inside its vocabulary or its tensor table is a ValueError, and the plan has no shapes."""
    pytest.importorskip("gguf")
    from ftcore_hf.packaged import packaged_copy
    from ftcore_hf.shapes import hf_shapes

    folder, name = packaged_copy("HuggingFaceTB/SmolLM2-135M-Instruct")
    whole = (Path(folder) / name).open("rb").read(2_000_000)  # the header: vocabulary, then 272 tensors to 1.79 MB
    for cut in (200_000, 1_780_000):
        (tmp_path / "cut.gguf").write_bytes(whole[:cut])
        with pytest.raises(ValueError, match="ends early"):
            gguf_shapes(tmp_path / "cut.gguf")
        assert hf_shapes({"path": str(tmp_path), "gguf": "cut.gguf"}) is None


def test_check_prints_the_plan(tmp_path):
    """`ftcore check` prints the planned model states per process, per process count under ZeRO."""
    recipe = (ROOT / "recipes" / "quickstart.ftr").read_text().replace("deepspeed(zero: 0)", "deepspeed(zero: 2)")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "support_tickets.jsonl").write_text((ROOT / "recipes" / "data" /
                                                             "support_tickets.jsonl").read_text())
    (tmp_path / "q.ftr").write_text(recipe)
    out = subprocess.run([sys.executable, "-m", "ftcore.cli", "check", "q.ftr"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    psi = 22_713_216
    one, two = plan(psi, psi, 2, "fp32", 1)["total"], plan(psi, psi, 2, "fp32", 2)["total"]
    assert ("train: memory plan: 22.7M parameters, fp32, ZeRO 2: model states per process "
            f"{one / MIB:.0f} MiB") in out.stdout
    assert f"with 2 processes {two / MIB:.0f} MiB" in out.stdout


def _third_party_classes():
    from ftcore.api import Adapter, ModelSource

    class FixedShapes(ModelSource):
        def tokenizer(self, args, max_length):
            raise NotImplementedError

        def model(self, args, **kwargs):
            raise NotImplementedError

        def parameter_shapes(self, args, task):
            return {"w": [args["n"], 100]}

    class HeadOnly(Adapter):
        def apply(self, model, args, task):
            return model

        def trainable_parameters(self, args, shapes):
            return 7

    return FixedShapes, HeadOnly


FixedShapes, HeadOnly = _third_party_classes()


def test_the_plan_asks_the_model_source_and_adapter_through_their_contracts():
    """A third party's components size the plan as the built-ins do: no names of built-ins involved."""
    model = {"base": {"component": "model_source:fixed", "impl": f"{__name__}:FixedShapes", "args": {"n": 30}},
             "adapter": {"component": "adapter:head_only", "impl": f"{__name__}:HeadOnly", "args": {}}}
    shapes = model_shapes(model)
    assert shapes == {"w": [30, 100]} and count(shapes) == 3000
    assert trainable(shapes, model) == 7
    assert trainable(shapes, {"base": model["base"]}) == 3000
