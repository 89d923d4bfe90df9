"""Item 4: data preparation at scale, ``ftcore prepare`` cold and warm, against the same work in ``datasets``.

    python -m bench --full --only preparation

100,000 support-ticket rows (the shipped tickets, each given a number so most are distinct, with
some empty and some repeated rows and e-mail addresses in the text) go through the quickstart's data
block: drop_empty, dedupe, mask_emails, a stratified 80/10/10 split, MiniLM's tokenizer at 64 tokens.
Cold: a fresh process and an empty stage cache; warm: a fresh process on the cache the cold run
left. Both are ``ftcore prepare prepare.ftr`` as a user types it: the summary and three decoded examples. The direct version is that cleaning, split and tokenization written with ``datasets`` (one
process, batched maps, ``save_to_disk``), as a user without ftcore would write it; it does not
validate rows or write reports. Every time is a whole process, imports included.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.stats import summary

ROOT = Path(__file__).resolve().parents[1]
RECIPE = """recipe "bench-prepare" { seed 42 }
data tickets {
  source jsonl("tickets.jsonl")
  clean drop_empty("text"), dedupe("text"), mask_emails("text")
  split train: 80%, eval: 10%, test: 10%, stratify: "label"
  format classification(text: "text", label: "label")
}
model {
  base hf("sentence-transformers/all-MiniLM-L6-v2")
  task classification
  max_length 64
}
"""

DIRECT = r'''
import re, sys
from datasets import ClassLabel, load_dataset
from transformers import AutoTokenizer
from ftcore_hf.packaged import packaged_copy

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
ds = load_dataset("json", data_files=sys.argv[1], split="train", cache_dir=sys.argv[3])
ds = ds.filter(lambda b: [bool(t and t.strip()) for t in b["text"]], batched=True)
seen = set()
def first(batch):
    keep = []
    for t in batch["text"]:
        keep.append(t not in seen)
        seen.add(t)
    return keep
ds = ds.filter(first, batched=True)
ds = ds.map(lambda b: {"text": [EMAIL.sub("[EMAIL]", t) for t in b["text"]]}, batched=True)
ds = ds.cast_column("label", ClassLabel(names=sorted(set(ds["label"]))))
train_rest = ds.train_test_split(test_size=0.2, stratify_by_column="label", seed=42)
eval_test = train_rest["test"].train_test_split(test_size=0.5, stratify_by_column="label", seed=42)
tok = AutoTokenizer.from_pretrained(str(packaged_copy("sentence-transformers/all-MiniLM-L6-v2")[0]))
for name, split in (("train", train_rest["train"]), ("eval", eval_test["train"]), ("test", eval_test["test"])):
    split.map(lambda b: tok(b["text"], truncation=True, max_length=64), batched=True).save_to_disk(f"{sys.argv[2]}/{name}")
'''


def write_rows(path: Path, rows: int) -> None:
    """``rows`` tickets from the shipped ones: numbered, 1% empty, 2% repeated, every 20th with an e-mail."""
    base = [json.loads(line) for line in (ROOT / "recipes" / "data" / "support_tickets.jsonl").open(encoding="utf-8")]
    r = random.Random(0)
    with open(path, "w", encoding="utf-8") as f:
        last = None
        for i in range(rows):
            row = dict(r.choice(base))
            roll = r.random()
            if roll < 0.01:
                row["text"] = "  "
            elif roll < 0.03 and last is not None:
                row = dict(last)
            else:
                row["text"] = f"{row['text']} (ticket {i})" + (f" reply to user{i}@example.com" if i % 20 == 0 else "")
            last = row
            f.write(json.dumps(row) + "\n")


def timed(command: list[str], cwd: Path) -> float:
    """Wall-clock seconds of one process, which must succeed."""
    start = time.perf_counter()
    out = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {out.returncode}):\n{(out.stdout + out.stderr)[-3000:]}")
    return time.perf_counter() - start


def column_pass(rows: int) -> dict[str, float]:
    """Seconds for one pass over an int column of ``rows`` rows: iterating ``dataset[name]`` (row by row)
    against :func:`ftcore_data.store.column` (one conversion from Arrow)."""
    import datasets

    from ftcore_data.store import column

    ds = datasets.Dataset.from_dict({"flag": [i % 2 for i in range(rows)]})
    start = time.perf_counter()
    sum(ds["flag"])
    lazy = time.perf_counter() - start
    start = time.perf_counter()
    sum(column(ds, "flag"))
    return {"iterate_column": lazy, "store_column": time.perf_counter() - start}


def hash_seconds(path: Path) -> float:
    """Seconds to hash the data file as the executor does for its fingerprints (in the harness's process)."""
    from ftcore.runtime.hashing import file_hash

    start = time.perf_counter()
    file_hash(path)
    return time.perf_counter() - start


def benchmark(folder: Path, reps: int, rows: int, say) -> dict[str, Any]:
    """Cold, warm and direct, in rotating order per repetition; rows per second and the ratios.

    After each warm run, what bounds it from below: ``python -c pass`` and ``ftcore check`` on the same recipe
    (fresh processes: start-up, ftcore's imports and the compile), and hashing the data file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_rows(folder / "tickets.jsonl", rows)
    (folder / "prepare.ftr").write_text(RECIPE, encoding="utf-8")
    (folder / "direct.py").write_text(DIRECT, encoding="utf-8")
    env_path = [sys.executable]
    times: dict[str, list[float]] = {"cold": [], "warm": [], "direct": [], "python": [], "check": []}
    for rep in range(reps):
        cache, direct_out = folder / f"cache-{rep}", folder / f"direct-{rep}"
        for old in (cache, direct_out):
            shutil.rmtree(old, ignore_errors=True)
        prepare = env_path + ["-m", "ftcore.cli", "prepare", "prepare.ftr", "--cache-dir", str(cache)]
        direct = env_path + [str(folder / "direct.py"), "tickets.jsonl", str(direct_out), str(folder / f"hf-{rep}")]
        runs = [("cold", prepare), ("direct", direct)]
        for name, command in (runs if rep % 2 == 0 else runs[::-1]):
            say(f"  preparation repetition {rep + 1}/{reps}: {name}")
            times[name].append(timed(command, folder))
        say(f"  preparation repetition {rep + 1}/{reps}: warm")
        times["warm"].append(timed(prepare, folder))
        times["python"].append(timed(env_path + ["-c", "pass"], folder))
        times["check"].append(timed(env_path + ["-m", "ftcore.cli", "check", "prepare.ftr"], folder))
    parts = {"python": summary(times.pop("python")), "check": summary(times.pop("check")),
             "hash_data_file": summary([hash_seconds(folder / "tickets.jsonl") for _ in range(3)])}
    return {"rows": rows, "reps": reps, "seconds": {k: summary(v) for k, v in times.items()},
            "rows_per_s": {k: summary([rows / t for t in v]) for k, v in times.items()},
            "warm_parts": parts,
            "warm_over_cold": summary([w / c for w, c in zip(times["warm"], times["cold"])]),
            "cold_over_direct": summary([c / d for c, d in zip(times["cold"], times["direct"])]),
            "goals": {"warm_over_cold": 0.1, "cold_over_direct": 1.5},
            "column_pass": {k: summary(v) for k, v in
                            zip(("iterate_column", "store_column"),
                                zip(*[column_pass(rows).values() for _ in range(3)]))}}
