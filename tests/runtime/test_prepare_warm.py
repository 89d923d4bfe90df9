"""A fully cached ``ftcore prepare`` prints what the cold one printed, reading only the stage reports.

It must not import the libraries behind the cached outputs (torch, transformers, datasets, pyarrow):
their imports were most of a warm run (docs/benchmarks.md, preparation). The decoded examples come
from the examples stored in the cache, which follow the tokenize stage's output and the tokenizer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ftcore.runtime.outputs import LazyOutputs
from ftcore.runtime.prepare_examples import FOLDER, cached_examples, examples_key, read_examples, write_examples

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tiny_recipes import write_data  # noqa: E402

HEAVY = ("torch", "transformers", "datasets", "pyarrow")
RECIPE = """recipe "warm" { seed 3 }
data d {
  source jsonl("cls.jsonl")
  clean drop_empty("text"), dedupe("text")
  split train: 80%, eval: 10%, test: 10%, stratify: "label"
  format classification(text: "text", label: "label")
}
model {
  base tiny(arch: "bert", layers: 2, hidden: 32, heads: 4, intermediate: 64)
  task classification
  max_length 32
}
"""


def prepare(folder: Path, *args: str) -> tuple[str, list[str]]:
    """``ftcore prepare r.ftr ARGS`` in a fresh process: its output and which heavy libraries it imported."""
    probe = ("import json, runpy, sys\n"
             "sys.argv = ['ftcore', 'prepare', 'r.ftr', '--cache-dir', 'cache'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('ftcore.cli', run_name='__main__')\n"
             "except SystemExit as stop:\n    code = stop.code\nelse:\n    code = 0\n"
             f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n"
             "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", probe, *args], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def summary(out: str) -> str:
    """The data summary (and examples) of ``ftcore prepare``'s output, without the per-stage progress."""
    start = out.index("\ndata d\n")
    return out[start:out.index(" stage(s) ran")].rsplit("\n", 1)[0]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warm")
    write_data(folder)
    (folder / "r.ftr").write_text(RECIPE, encoding="utf-8")
    cold, _ = prepare(folder)
    assert "0 reused from the cache" in cold
    return folder, cold


def test_a_fully_cached_prepare_imports_no_ml_library_and_prints_the_same(prepared):
    folder, cold = prepared
    warm, imported = prepare(folder)
    assert "0 stage(s) ran" in warm
    assert imported == []
    assert summary(warm) == summary(cold)
    assert "examples (train" in warm and "→ [[" in warm  # the decoded examples, from the stored ones


def test_with_show_0_the_progress_lines_are_those_of_the_default(prepared):
    folder, _ = prepared
    default, _ = prepare(folder)
    quiet, imported = prepare(folder, "--show", "0")
    assert imported == []
    assert quiet.split("\ndata d\n")[0] == default.split("\ndata d\n")[0]  # the tokenizer stage still says "cached"
    assert "examples (train" not in quiet


def test_examples_are_rendered_again_when_their_stored_file_is_gone_or_damaged(prepared):
    folder, cold = prepared
    stored = sorted((folder / "cache" / FOLDER).glob("*.json"))
    assert len(stored) == 1
    stored[0].write_text("{not json", encoding="utf-8")
    warm, imported = prepare(folder)
    assert "transformers" in imported  # decoded again with the tokenizer
    assert summary(warm) == summary(cold)
    assert json.loads(stored[0].read_text(encoding="utf-8"))["examples"]  # and stored again


def test_a_new_count_of_examples_is_rendered_not_cut_from_the_stored(prepared):
    folder, _ = prepared
    out, imported = prepare(folder, "--show", "1")
    assert "transformers" in imported
    assert out.count(" → [[") == 1


def test_the_key_follows_each_thing_the_examples_depend_on():
    base = examples_key("tok-a", "tokenizer-a", 3)
    assert base == examples_key("tok-a", "tokenizer-a", 3)
    assert len({base, examples_key("tok-b", "tokenizer-a", 3), examples_key("tok-a", "tokenizer-b", 3),
                examples_key("tok-a", "tokenizer-a", 2)}) == 4


def test_stored_examples_keep_their_text_and_styles(tmp_path):
    from rich.text import Text

    text = Text("a question → ")
    text.append("[[billing]]", style="green")
    write_examples(tmp_path, "k", [text, Text("plain")])
    back = read_examples(tmp_path, "k")
    assert [t.plain for t in back] == ["a question → [[billing]]", "plain"]
    assert back[0].spans == text.spans
    assert read_examples(tmp_path, "other") is None
    assert not list((tmp_path / FOLDER).glob(".*"))  # no temporary file left behind
    calls = []
    assert cached_examples(tmp_path, "k", lambda: calls.append(1) or []) == back
    assert cached_examples(tmp_path, None, lambda: calls.append(1) or ["x"]) == ["x"] and calls == [1]


def test_lazy_outputs_read_each_value_once_and_only_when_looked_up():
    reads = []
    outputs = LazyOutputs({"rows": lambda: reads.append("rows") or [1, 2], "report": lambda: reads.append("report")
                           or {"stage": "load"}})
    assert "rows" in outputs and len(outputs) == 2 and list(outputs) == ["rows", "report"] and reads == []
    assert outputs["report"] == {"stage": "load"} and outputs.get("report") == {"stage": "load"}
    assert reads == ["report"] and outputs.loaded == ["report"]
    assert outputs["rows"] == [1, 2] and reads == ["report", "rows"]
    assert outputs.get("missing") is None and "missing" not in outputs
    with pytest.raises(KeyError):
        outputs["missing"]
