"""``ftcore prepare``: the printed summary, cache reuse on a second run, and data errors as messages."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "ftcore_data"))


@pytest.fixture
def host():
    import fake_model
    from ftcore.plugins.manager import load_host

    return load_host(only=["recipe", "data"], extra=[("fakemodel", fake_model.plugin())])


@pytest.fixture(scope="module")
def tok_dir(tmp_path_factory):
    from tiny_tokenizer import byte_tokenizer

    path = tmp_path_factory.mktemp("tok")
    byte_tokenizer().save_pretrained(path)
    return path


def run(host, path, show=2):
    from rich.console import Console

    console = Console(record=True, width=200, color_system=None)
    code = __import__("ftcore.runtime.prepare", fromlist=["x"]).prepare_command(
        str(path), overrides=[], show=show, cache_dir=None, console=console, host=host)
    return code, console.export_text()


def test_prepare_prints_the_summary_and_reuses_the_cache(tmp_path, host, tok_dir, monkeypatch):
    monkeypatch.delenv("FTCORE_CACHE_DIR", raising=False)
    rows = [{"prompt": f"p{i}", "completion": f"c{i}"} for i in range(10)] + [{"prompt": 1, "completion": "x"}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = tmp_path / "r.ftr"
    recipe.write_text(f'model {{ base "{tok_dir}" task causal_lm }}\n'
                      'data d { source jsonl("d.jsonl") validate max_bad: 20% split eval: 20%\n'
                      '  format instruction(template: "{prompt}:") }\n')
    code, out = run(host, recipe)
    assert code == 0
    assert "validate  11 → 10 rows" in out
    assert 'd.jsonl:11: wrong type: "prompt" must be a string, got a number' in out
    assert "split     10 rows → train 8, eval 2" in out
    assert "tokenize  train: 8 → 8 rows, 0 truncated" in out
    assert "[[c" in out  # the completion, marked as carrying loss
    assert "5 stage(s) ran, 0 reused" in out  # model.tokenizer + load/validate/split/tokenize
    assert (tmp_path / ".ftcore-cache" / "last_prepare.json").is_file()
    code, out = run(host, recipe)
    assert code == 0 and "1 stage(s) ran, 4 reused" in out  # only the uncached tokenizer loads again


def test_prepare_reports_bad_data_without_a_traceback(tmp_path, host, tok_dir):
    (tmp_path / "d.jsonl").write_text('{"text": "a"}\n{"text": \n')
    recipe = tmp_path / "r.ftr"
    recipe.write_text(f'model {{ base "{tok_dir}" task causal_lm }}\n'
                      'data d { source jsonl("d.jsonl") validate on_error: fail format text }\n')
    code, out = run(host, recipe)
    assert code == 1
    assert "error: stage data.d.validate: data \"d\": 1 bad row of 2" in out
    assert "d.jsonl:2: invalid JSON" in out and "Traceback" not in out


def test_prepare_reports_recipe_errors(tmp_path, host):
    recipe = tmp_path / "r.ftr"
    recipe.write_text('model { task causal_lm }\ndata d { source jsonl("missing.jsonl") format text }\n')
    code, out = run(host, recipe)
    assert code == 2 and 'data file "missing.jsonl" does not exist' in out
