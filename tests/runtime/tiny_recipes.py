"""Tiny recipes and data for end-to-end ``ftcore run`` tests (written into a test's tmp folder)."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = {"billing": ["refund", "charge", "invoice", "payment"], "tech": ["crash", "error", "bug", "screen"],
         "account": ["password", "login", "email", "profile"]}

DATA = {
    "classification": ("cls.jsonl", 'format classification(text: "text", label: "label")'),
    "causal_lm": ("lm.jsonl", 'format text(field: "text")'),
    "seq2seq": ("s2s.jsonl", 'format seq2seq(source: "source", target: "target")'),
}
ARCH = {"classification": "bert", "causal_lm": "llama", "seq2seq": "t5"}


def write_data(folder: Path, rows: int = 96) -> None:
    """Three small JSON Lines files: support tickets, short sentences, and reversal pairs."""
    r = random.Random(0)
    with open(folder / "cls.jsonl", "w") as f:
        for i in range(rows):
            label = sorted(WORDS)[i % 3]
            f.write(json.dumps({"text": f"my {r.choice(WORDS[label])} issue {i}", "label": label}) + "\n")
    with open(folder / "lm.jsonl", "w") as f:
        for i in range(rows):
            f.write(json.dumps({"text": f"the cat {i} sat on mat {i % 7}"}) + "\n")
    with open(folder / "s2s.jsonl", "w") as f:
        for i in range(rows):
            f.write(json.dumps({"source": f"reverse {i}", "target": str(i)[::-1]}) + "\n")


def tiny_recipe(task: str, *, model: str = "", regularize: str = "dropout 0.0", train: str = "",
                evaluate: str = "", export: str = "", name: str = "tiny") -> str:
    """A recipe training a tiny model for ``task``; the keyword arguments add lines to each block."""
    data_file, fmt = DATA[task]
    return f"""recipe "{name}-{task}" {{ seed 3 }}
data d {{
  source jsonl("{data_file}")
  split train: 80%, eval: 10%, test: 10%
  {fmt}
}}
model {{
  base tiny(arch: "{ARCH[task]}", layers: 2, hidden: 32, heads: 4, intermediate: 64)
  task {task}
  max_length 32
  {model}
}}
regularize {{ {regularize} }}
train {{
  epochs 1  batch 4
  optimizer adamw(lr: 1e-3)
  {train}
}}
{evaluate}
{export}
"""


def write_recipe(folder: Path, task: str, **kwargs) -> Path:
    """Write data and a tiny recipe for ``task`` into ``folder``; returns the recipe's path."""
    write_data(folder)
    path = folder / f"{task}.ftr"
    path.write_text(tiny_recipe(task, **kwargs), encoding="utf-8")
    return path


def read_metrics(run_dir: Path) -> list[dict]:
    """The records of a run's metrics.jsonl."""
    return [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines() if line.strip()]


def train_losses(run_dir: Path) -> list[float]:
    """The training loss of every optimizer step, in order."""
    return [r["loss"] for r in read_metrics(run_dir) if "split" not in r]
