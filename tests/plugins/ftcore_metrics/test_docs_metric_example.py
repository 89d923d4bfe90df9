"""The "A metric in a few lines" example of docs/writing_plugins.md works exactly as written.

The distribution is built from the doc's own code blocks (each under the file name the text
gives it), installed the way pip lays one out (package files and a ``.dist-info`` with the entry
points of its ``pyproject.toml``), and a tiny classification recipe evaluates
``metrics accuracy, top_k_accuracy(k: 2)``. The reported value is checked against the saved
model's logits on the test split.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

from metric_runs import classifier_recipe, evaluate_record, install_distribution, run_cli, saved_test_logits

pytest.importorskip("deepspeed")
DOC = Path(__file__).resolve().parents[3] / "docs" / "writing_plugins.md"
SECTION = "## A metric in a few lines"


def example_files() -> dict[str, str]:
    """The section's code blocks by the file name the text puts before each (blocks without a language skipped)."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    files, current, block, language = {}, None, None, ""
    for line in text[start:end].splitlines():
        if block is not None:
            if line.startswith("```"):
                if language:
                    files[current] = "\n".join(block) + "\n"
                block = None
            else:
                block.append(line)
        elif line.startswith("```"):
            language, block = line[3:].strip(), []
            assert not language or current, f"a {language} block with no file name before it"
        else:
            named = re.match(r"`([\w./-]+\.(?:py|toml))`", line)
            if named:
                current = named.group(1)
    return files


def test_the_doc_shows_every_file_of_the_distribution():
    files = example_files()
    assert sorted(files) == ["my_ftcore_metrics/__init__.py", "my_ftcore_metrics/compute.py",
                             "my_ftcore_metrics/plugin.py", "pyproject.toml"]
    assert 'FTCORE_PLUGIN_API = "1.0"' in files["my_ftcore_metrics/compute.py"]
    assert "class TopKAccuracy(Metric):" in files["my_ftcore_metrics/compute.py"]


def test_top_k_accuracy_from_the_doc_runs_and_is_right(tmp_path, monkeypatch, capsys):
    from ftcore.plugins.manager import load_host

    files = example_files()
    project = tomllib.loads(files.pop("pyproject.toml"))["project"]
    install_distribution(tmp_path / "site", monkeypatch, project["name"], project["version"], files,
                         project["entry-points"]["ftcore"])
    host = load_host()
    assert host.registry.plugins["my_metrics"]["dist"] == "my-ftcore-metrics"
    assert host.registry.component("metric", "top_k_accuracy").impl == "my_ftcore_metrics.compute:TopKAccuracy"

    recipe = classifier_recipe(tmp_path, "accuracy, top_k_accuracy(k: 2)")
    assert run_cli(monkeypatch, [], "run", str(recipe), "--out", str(tmp_path / "run")) == 0, capsys.readouterr()
    record = evaluate_record(tmp_path / "run")
    logits, labels = saved_test_logits(recipe, tmp_path / "run", host)
    best_two = logits.topk(2, dim=-1).indices
    hits = sum(int(label) in row for row, label in zip(best_two.tolist(), labels.tolist()))
    assert record["top_k_accuracy"] == hits / len(labels)
    assert record["accuracy"] == int((logits.argmax(-1) == labels).sum()) / len(labels)
    assert record["top_k_accuracy"] > record["accuracy"]  # the example is not accuracy in disguise
