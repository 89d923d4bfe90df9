"""docs/data.md tells the truth about third-party data components: its code block runs as written."""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "data.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_strip_html_cleaner_of_the_docs_runs_as_written(tmp_path, monkeypatch, byte_tokenizer_dir):
    import fake_model
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.plugins.manager import load_host
    from ftcore.runtime.executor import Executor

    (block,) = python_blocks()
    (tmp_path / "my_ftcore_cleaners.py").write_text(block, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_ftcore_cleaners", raising=False)  # this test's copy, not another's
    module = importlib.import_module("my_ftcore_cleaners")
    host = load_host(only=["recipe", "data"], extra=[("fakemodel", fake_model.plugin()), ("cleaners", module)])
    rows = [{"text": "<p>Tom &amp; Jerry</p>"}, {"text": "plain"}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "r.ftr").write_text(f'model {{ base "{byte_tokenizer_dir}" task causal_lm }}\n'
                                    'data d { source jsonl("d.jsonl") clean strip_html("text") format text }\n')
    _, graph = compile_recipe(tmp_path / "r.ftr", host=host)
    out = Executor(graph, tmp_path / "cache", plugins=host.registry.plugins).run(["data.d.clean"])["data.d.clean"]
    assert out["rows"]["text"] == ["Tom & Jerry", "plain"]
    assert out["report"]["steps"] == [{"step": 'strip_html(field: "text")', "changed": 1, "rows_out": 2}]
