"""The recipes and data the benchmarks train, written into a scratch folder.

Every recipe keeps to what all four loops can do identically: no dropout, no weight decay, no
clipping, no label smoothing, a constant learning rate and ZeRO 0, so their losses must agree.
Each ends with an evaluation and an export, whose cost counts in ftcore's time after the last step.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("order refund parcel invoice delivery account password screen battery charger warranty store "
         "cart payment card label return exchange size colour stock courier address email").split()


@dataclass(frozen=True)
class Workload:
    """One model, its data and training settings."""

    name: str
    describe: str
    model: str  # the recipe's model block body
    data: str  # the recipe's data block body
    batch: int
    steps: int
    precision: str = "fp32"
    words: int = 12  # median words of a generated text row

    def recipe(self) -> str:
        """The recipe text."""
        return f"""recipe "bench-{self.name}" {{ seed 3 }}
data d {{
{self.data}
}}
model {{
{self.model}
}}
regularize {{ dropout 0.0  weight_decay 0.0 }}
train {{
  max_steps {self.steps}  batch {self.batch}
  precision {self.precision}
  optimizer adamw(lr: 1e-3)
  schedule constant
  engine deepspeed(zero: 0)
}}
evaluate d.test {{ metrics loss }}
export hf("exported", overwrite: true) {{ card false }}
"""

    def write(self, folder: Path) -> Path:
        """Write data and recipe into ``folder``; returns the recipe's path."""
        folder.mkdir(parents=True, exist_ok=True)
        write_lm_rows(folder / "lm.jsonl", 2000, words=self.words)
        shutil.copy(ROOT / "recipes" / "data" / "support_tickets.jsonl", folder / "support_tickets.jsonl")
        path = folder / f"{self.name}.ftr"
        path.write_text(self.recipe(), encoding="utf-8")
        return path


def write_lm_rows(path: Path, rows: int, seed: int = 0, words: int = 12) -> None:
    """Texts with log-normal lengths in words (median ``words``, at most 5 times that), one JSON object a line."""
    r = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(rows):
            n = max(2, min(5 * words, int(math.exp(r.gauss(math.log(words), 0.6)))))
            f.write(json.dumps({"text": " ".join(r.choice(WORDS) for _ in range(n))}) + "\n")


LM_DATA = '  source jsonl("lm.jsonl")\n  split train: 90%, eval: 5%, test: 5%\n  format text(field: "text")'
CLS_DATA = ('  source jsonl("support_tickets.jsonl")\n  split train: 80%, eval: 10%, test: 10%, stratify: "label"\n'
            '  format classification(text: "text", label: "label")')


def tiny_lm(quick: bool) -> Workload:
    """A small Llama-shaped causal LM (random weights, byte tokenizer)."""
    if quick:
        model = ('  base tiny(arch: "llama", layers: 2, hidden: 32, heads: 4, intermediate: 64)\n'
                 '  task causal_lm\n  max_length 64')
        return Workload("tiny-lm", "tiny Llama, 2 layers, hidden 32, 64 tokens", model, LM_DATA, 8, 4)
    model = ('  base tiny(arch: "llama", layers: 4, hidden: 128, heads: 4, intermediate: 512)\n'
             '  task causal_lm\n  max_length 128')
    return Workload("tiny-lm", "tiny Llama, 4 layers, hidden 128, 128 tokens", model, LM_DATA, 8, 16)


def packing_lm() -> Workload:
    """The tiny Llama of :func:`tiny_lm` with a 512-token context: short texts (median 12 words, about 70
    tokens) in a context several times longer, as chat and instruction data sit in a model's context."""
    model = ('  base tiny(arch: "llama", layers: 4, hidden: 128, heads: 4, intermediate: 512)\n'
             '  task causal_lm\n  max_length 512')
    return Workload("tiny-lm-512", "tiny Llama, 4 layers, hidden 128, 512 tokens", model, LM_DATA, 8, 16)


def minilm(quick: bool) -> Workload:
    """The quickstart's classifier: all-MiniLM-L6-v2 (22M parameters) on the support tickets."""
    model = '  base hf("sentence-transformers/all-MiniLM-L6-v2")\n  task classification\n  max_length 64'
    return Workload("minilm-cls", "all-MiniLM-L6-v2 classifier, 64 tokens", model, CLS_DATA, 16,
                    4 if quick else 10)


def gpu_lm() -> Workload:
    """About 1B parameters (a 20-layer Llama, hidden 2048, random weights from the config) in bf16, for a GPU."""
    model = ('  base tiny(arch: "llama", layers: 20, hidden: 2048, heads: 16, intermediate: 5504)\n'
             '  task causal_lm\n  max_length 1024')
    return Workload("gpu-1b", "Llama-shaped, 20 layers, hidden 2048 (1.0B parameters), bf16, 1024 tokens", model,
                    LM_DATA, 8, 30, precision="bf16", words=120)
