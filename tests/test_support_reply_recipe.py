"""recipes/support-reply.ftr: its data is what the generator script writes, and the recipe reports ROUGE-L
and BLEU of the starting model against the fine-tuned one on a held-out split.

The run itself (SmolLM2-135M, generation on CPU) is in tests/test_recipes_run.py under the slow
marker; this file checks, in seconds, what the recipe promises before any compute.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_replies_are_what_the_script_writes():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_support_replies.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [json.loads(line) for line in (ROOT / "recipes" / "data" / "support_replies.jsonl").read_text().splitlines()]
    assert len(rows) == 240 and len({r["label"] for r in rows}) == 12
    assert all(r["message"] and r["reply"] for r in rows)


def test_the_recipe_evaluates_the_starting_and_fine_tuned_model_with_rouge_l_and_bleu():
    from ftcore.compiler.pipeline import compile_recipe

    recipe, graph = compile_recipe(ROOT / "recipes" / "support-reply.ftr")
    assert recipe.warnings == []
    params = graph["evaluate.replies.test"].params
    assert [e["component"] for e in params["metrics"]] == ["metric:loss", "metric:rouge", "metric:bleu"]
    assert params["metrics"][1]["args"]["types"] == ["rougeL"]
    assert params["baseline"] is True and params["start"]["model"]["adapter"]["component"] == "adapter:lora"
    assert params["start"]["model"]["base"]["args"]["path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
