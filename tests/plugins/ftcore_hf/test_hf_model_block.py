"""The model block: declarations and rules (no torch), model sources, dropout, adapters, freezing."""

from __future__ import annotations

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore.runtime.errors import RunError

DATA = 'data d { source jsonl("x.jsonl")  format classification(text: "text", label: "label") }\n'


def compile_text(tmp_path, text):
    (tmp_path / "x.jsonl").write_text('{"text": "a", "label": "b"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(text)
    return compile_recipe(path)


def test_tiny_arch_must_fit_the_task(tmp_path):
    with pytest.raises(RecipeError) as err:
        compile_text(tmp_path, DATA + 'model { base tiny(arch: "t5", hidden: 30, heads: 4)  task classification }\n')
    messages = [d.message for d in err.value.diagnostics]
    assert 'tiny arch "t5" cannot do the task classification' in messages
    assert "heads (4) must divide hidden (30)" in messages


def test_model_block_lowers_a_tokenizer_stage_with_the_source_impl(tmp_path):
    (tmp_path / "models/m").mkdir(parents=True)  # a folder next to the recipe wins over a hub id
    _, graph = compile_text(tmp_path, DATA + 'model { base hf("models/m", trust_remote_code: true)  task classification }\n')
    stage = graph["model.tokenizer"]
    assert stage.params["base"]["impl"] == "ftcore_hf.sources:HFSource"
    assert stage.params["base"]["component"] == "model_source:hf" and stage.params["base"]["dist"] == "ftcore"
    assert stage.params["base"]["args"]["path"] == str((tmp_path / "models/m").resolve())
    assert stage.params["base"]["args"]["trust_remote_code"] is True


def test_check_does_not_import_the_ml_stack(tmp_path):
    import subprocess
    import sys

    (tmp_path / "x.jsonl").write_text('{"text": "a", "label": "b"}\n')
    (tmp_path / "r.ftr").write_text(DATA + 'model { base tiny(arch: "bert")  task classification }\n'
                                    'regularize { dropout 0.1 }\ntrain { engine deepspeed(zero: 3) }\n')
    code = ("import sys; from ftcore.compiler.pipeline import compile_recipe; compile_recipe(sys.argv[1]); "
            "bad = [m for m in ('torch', 'transformers', 'deepspeed', 'peft', 'datasets') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.ftr")], check=True)


def test_byte_tokenizer_round_trips_and_has_a_chat_template():
    from ftcore_hf.byte_tokenizer import byte_tokenizer

    tok = byte_tokenizer()
    text = "héllo wörld ✓"
    ids = tok(text)["input_ids"]
    assert len(ids) == len(text.encode("utf-8")) and tok.decode(ids) == text
    chat = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert chat == "<|user|>\nhi</s>\n<|assistant|>\n"
    assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id) == (0, 1, 2)


def tiny(arch="bert", task="classification", **kw):
    base = {"component": "model_source:tiny", "args": {"arch": arch, "layers": 1, "hidden": 32, "heads": 4,
                                                       "intermediate": 64}, "impl": "ftcore_hf.sources:TinySource"}
    model = {"base": base, "task": task, "max_length": 32,
             "adapter": {"component": "adapter:full", "args": {}, "impl": "ftcore_hf.adapters:FullAdapter"},
             "freeze": [], "gradient_checkpointing": False}
    model.update(kw)
    return model


def test_dropout_reaches_every_dropout_module():
    import torch

    from ftcore_hf.build import build_model

    net = build_model(tiny(), labels=["a", "b"], dropout=0.23)
    ps = {m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)}
    assert ps == {0.23}
    assert net.config.hidden_dropout_prob == net.config.attention_probs_dropout_prob == 0.23
    assert net.config.classifier_dropout == 0.23


def test_dropout_reaches_the_pretrained_minilm():
    import torch

    from ftcore_hf.build import build_model

    model = {**tiny(), "base": {"component": "model_source:hf",
                                "args": {"path": "sentence-transformers/all-MiniLM-L6-v2", "revision": "",
                                         "trust_remote_code": False, "gguf": "", "download": False},
                                "impl": "ftcore_hf.sources:HFSource"}}
    net = build_model(model, labels=["x", "y", "z"], dropout=0.05)
    assert {m.p for m in net.modules() if isinstance(m, torch.nn.Dropout)} == {0.05}
    assert net.config.id2label == {0: "x", 1: "y", 2: "z"} and not net.config.to_dict().get("trust_remote_code")


def test_a_hub_id_that_is_not_here_fails_with_a_clear_message():
    from ftcore_hf.sources import HFSource

    with pytest.raises(RunError) as err:
        HFSource().tokenizer({"path": "nobody/no-such-model", "download": False}, 32)
    assert "neither a local folder nor in the Hugging Face cache" in err.value.message
    assert "download: true" in err.value.hint


def test_lora_trains_only_adapter_weights_and_checks_targets():
    from ftcore_hf.build import build_model

    lora = {"component": "adapter:lora", "args": {"rank": 4, "alpha": 8.0, "dropout": 0.0, "targets": ["q_proj"]},
            "impl": "ftcore_hf.adapters:LoraAdapter"}
    net = build_model(tiny("llama", "causal_lm", adapter=lora))
    trainable = [n for n, p in net.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    bad = {**lora, "args": {**lora["args"], "targets": ["query"]}}
    with pytest.raises(RunError, match="no module called 'query'"):
        build_model(tiny("llama", "causal_lm", adapter=bad))


def test_freeze_by_name_pattern():
    from ftcore_hf.build import build_model

    net = build_model(tiny(freeze=["embeddings", "encoder.layer.0.attention"]), labels=["a", "b"])
    frozen = {n for n, p in net.named_parameters() if not p.requires_grad}
    assert frozen and all("embeddings" in n or "encoder.layer.0.attention" in n for n in frozen)
    assert any(p.requires_grad for n, p in net.named_parameters() if "classifier" in n)
    with pytest.raises(RunError, match='"nothing_like_this" matches no parameter'):
        build_model(tiny(freeze=["nothing_like_this"]), labels=["a", "b"])


def test_tokenizer_stage_saves_and_loads_back(tmp_path):
    from types import SimpleNamespace

    from ftcore_hf.stages import TOKENIZER_STAGE

    stage = SimpleNamespace(params={"base": tiny()["base"], "max_length": 32})
    ctx = SimpleNamespace(output_dir=tmp_path)
    made = TOKENIZER_STAGE.run(stage, {}, ctx)["tokenizer"]
    loaded = TOKENIZER_STAGE.load(stage, ctx)["tokenizer"]
    assert loaded("abc")["input_ids"] == made("abc")["input_ids"] and loaded.chat_template == made.chat_template


def test_gradient_checkpointing_is_switched_on():
    from ftcore_hf.build import build_model

    net = build_model(tiny("llama", "causal_lm", gradient_checkpointing=True))
    assert net.is_gradient_checkpointing and net.config.use_cache is False
