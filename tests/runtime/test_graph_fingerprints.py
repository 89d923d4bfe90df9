"""``ftcore graph`` prints the fingerprints ``ftcore run`` uses, data file bytes included."""

from __future__ import annotations

import json

from tiny_recipes import write_recipe


def graph_fingerprints(recipe, capsys) -> dict[str, str]:
    from ftcore.cli import main

    assert main(["graph", str(recipe), "--format", "json"]) == 0
    return {s["id"]: s["fingerprint"] for s in json.loads(capsys.readouterr().out)["stages"]}


def test_graph_fingerprints_are_the_runs_and_follow_the_data(tmp_path, capsys):
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.runtime.executor import Executor

    recipe = write_recipe(tmp_path, "classification")
    printed = graph_fingerprints(recipe, capsys)
    _, graph = compile_recipe(str(recipe), [])
    Executor(graph, tmp_path / "cache")  # what `ftcore run` does before running anything
    assert printed == {s.id: s.fingerprint for s in graph.order()}

    data = tmp_path / "cls.jsonl"
    data.write_text(data.read_text().replace("issue 0", "issue zero"))
    changed = graph_fingerprints(recipe, capsys)
    assert changed["data.d.load"] != printed["data.d.load"]
    assert changed["model.tokenizer"] == printed["model.tokenizer"]
