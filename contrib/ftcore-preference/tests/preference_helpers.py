"""Tiny preference recipes and data for the distribution's tests."""

from __future__ import annotations

import json

TINY_LLAMA = 'tiny(arch: "llama", layers: 1, hidden: 32, heads: 2, intermediate: 64)'


def pairs_jsonl(n: int = 40) -> str:
    """Learnable pairs: the chosen answer is polite and right, the rejected one rude or wrong."""
    rows = []
    for i in range(n):
        item = ["lamp", "kettle", "scarf", "chair"][i % 4]
        rows.append({"prompt": f"Q: can I return the {item}?\nA:", "chosen": " Yes, within 30 days. Thanks!",
                     "rejected": " No. Go away." if i % 2 else " Never, returns are closed."})
    return "\n".join(json.dumps(r) for r in rows) + "\n"


def preference_recipe(objective: str = "dpo(beta: 0.1)", *, train: str = "", model: str = "", data: str = "",
                      extra: str = "", fmt: str = 'preference(prompt: "prompt", chosen: "chosen", rejected: "rejected")'
                      ) -> str:
    """A tiny causal model trained with ``objective`` on ``pairs.jsonl``."""
    return f"""recipe "pref-test" {{ seed 3 }}
data d {{
  source jsonl("pairs.jsonl")
  split train: 80%, eval: 20%
  format {fmt}
  {data}
}}
model {{
  base {TINY_LLAMA}
  task causal_lm
  max_length 64
  {model}
}}
train {{
  epochs 2  batch 4
  optimizer adamw(lr: 5e-3)
  objective {objective}
  {train}
}}
{extra}
"""
