"""A LoRA run exported merged and exported as an adapter alone gives the same model.

The base is a small Llama saved in the Hugging Face layout (random weights, no download); the
recipe trains LoRA on it and exports twice: ``merge_adapter true`` (W + scale·B@A folded in) and
``merge_adapter false`` (the peft adapter alone, loaded onto the same base with peft). Both must
give the same logits, within 1e-5 (float32 rounding of the folded sum).
"""

from __future__ import annotations

import pytest

from ftcore.testing import tiny_rows

pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")
torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")

RECIPE = """recipe "lora-export" { seed 3 }
data d {
  source jsonl("rows.jsonl")
  split train: 80%, eval: 10%, test: 10%
  format text(field: "text")
}
model {
  base hf("base")
  task causal_lm
  max_length 32
  adapter lora(rank: 4, alpha: 8, dropout: 0.0, targets: ["q_proj", "v_proj"])
}
train { epochs 1  batch 8  optimizer adamw(lr: 5e-3) }
export hf("merged") { merge_adapter true }
export hf("adapter") { merge_adapter false }
"""


def test_merged_and_adapter_exports_give_the_same_logits(ftcore_run, tmp_path):
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    from ftcore_hf.byte_tokenizer import byte_tokenizer

    tok = byte_tokenizer(32)
    torch.manual_seed(0)
    base = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                                        num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                                        max_position_embeddings=64, pad_token_id=tok.pad_token_id,
                                        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id))
    files = {}
    folder = tmp_path / "base-src"
    base.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
    for path in folder.iterdir():
        files[f"base/{path.name}"] = path.read_bytes()
    result = ftcore_run(RECIPE, files={**files, "rows.jsonl": tiny_rows(rows=48)})
    assert result.status == 0, result.output
    out = result.run_dir.parent
    assert (out / "adapter" / "adapter_config.json").is_file() and not (out / "adapter" / "model.safetensors").exists()

    ids = torch.tensor([tok("my refund issue 7")["input_ids"]])
    merged = AutoModelForCausalLM.from_pretrained(out / "merged").eval()
    with_adapter = peft.PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(out / "base"),
                                                  out / "adapter").eval()
    plain = AutoModelForCausalLM.from_pretrained(out / "base").eval()
    with torch.no_grad():
        a, b, c = merged(ids).logits, with_adapter(ids).logits, plain(ids).logits
    assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()
    assert (a - c).abs().max() > 1e-4  # training changed the model: the comparison is not base against base
