"""The benchmark harness runs end to end at tiny sizes (one repetition): the figures live in docs/benchmarks.md.

Nothing here asserts a time. It checks that the harness trains the same thing in ftcore and in the
plain PyTorch loop (the harness itself refuses final losses that differ), that the JSON has what
the tables need, and that the tables land between the markers of a docs file without touching the
text around them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import report, training

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_writes_json_and_tables(tmp_path):
    """`python -m bench --quick --loops ftcore,torch`: JSON under --out, tables into --docs."""
    docs = tmp_path / "benchmarks.md"
    begin, end = report.markers("quick")
    full = "\n".join(report.markers("full"))
    docs.write_text(f"# Benchmarks\n\nprose before\n\n{begin}\nthe previous quick table\n{end}\n\nprose after\n\n{full}\n")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-m", "bench", "--quick", "--loops", "ftcore,torch", "--out",
                          str(tmp_path / "results"), "--work", str(tmp_path / "work"), "--docs", str(docs)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    [result_file] = (tmp_path / "results").glob("*-quick.json")
    result = json.loads(result_file.read_text())
    [lm] = result["training"]
    assert set(lm["variants"]) == {"ftcore", "torch"}
    ours, theirs = lm["raw"]["ftcore"][0], lm["raw"]["torch"][0]
    assert len(ours["losses"]) == len(theirs["losses"]) == lm["steps"]
    assert lm["loss_agreement"]["torch"] <= training.LOSS_TOLERANCE
    assert ours["tokens_per_s"] > 0 and ours["peak_rss_mb"] > 0
    for phase in ("compile", "stage data.d.tokenize", "model build", "deepspeed init", "steps", "evaluation"):
        assert lm["ftcore_phases"][phase]["median"] >= 0, phase
    assert result["compile"]["ratio"]["runs"] >= 3
    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nprose before\n\n") and text.endswith(f"\n\nprose after\n\n{full}\n")
    assert "the previous quick table" not in text and "| plain PyTorch AdamW loop |" in text and "| ratio (goal ≤ 3) |" in text


def test_different_final_losses_are_refused():
    """The harness stops when a loop did not train the same thing (a final loss off by more than 1e-3)."""
    same = {"ftcore": [{"losses": [2.0, 1.5]}], "torch": [{"losses": [2.0, 1.5]}]}
    assert training.check_losses(same, ("ftcore", "torch")) == {"torch": 0.0}
    off = {"ftcore": [{"losses": [2.0, 1.5]}], "torch": [{"losses": [2.0, 1.51]}]}
    with pytest.raises(training.Disagreement, match="final loss 1.510000"):
        training.check_losses(off, ("ftcore", "torch"))
