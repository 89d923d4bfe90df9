"""The run graph: order, validation, fingerprints, and its JSON, DOT and tree forms."""

from __future__ import annotations

import json

import pytest

from ftcore.cli import main
from ftcore.compiler.graph import GraphError, RunGraph
from ftcore.compiler.pipeline import compile_recipe
from ftcore.compiler.render import render_tree

RECIPE = """
recipe "g" { seed 1 }
data tickets {
  source jsonl("t.jsonl")
  split train: 80%, eval: 10%, test: 10%
}
model { base "tiny" task classification }
train { epochs 2 optimizer adamw(lr: 1e-4) }
evaluate tickets.test { metrics accuracy }
"""


def small_graph() -> RunGraph:
    g = RunGraph("t")
    g.add_stage("train", "train", "p", params={"lr": 1e-4}, inputs={"data": "split.train", "model": "model.model"},
                outputs={"model": "model"})
    g.add_stage("load", "load", "p", params={"path": "x"}, outputs={"rows": "dataset"})
    g.add_stage("split", "split", "p", inputs={"rows": "load.rows"}, outputs={"train": "dataset", "test": "dataset"})
    g.add_stage("model", "load_model", "q", outputs={"model": "model"})
    g.add_stage("eval", "evaluate", "p", inputs={"model": "train.model", "data": "split.test"},
                outputs={"metrics": "metrics"})
    return g


def test_order_puts_inputs_first_and_is_stable():
    g = small_graph()
    g.validate()
    assert [s.id for s in g.order()] == ["load", "split", "model", "train", "eval"]
    assert [s.id for s in g] == [s.id for s in g.order()]
    assert g["train"].upstream() == ["split", "model"]
    assert [s.id for s in g.of_kind("evaluate")] == ["eval"] and len(g) == 5


@pytest.mark.parametrize("inputs, message", [
    ({"rows": "nowhere.rows"}, 'stage "bad" input "rows" reads "nowhere.rows": no stage "nowhere"'),
    ({"rows": "load.nothing"}, 'stage "bad" input "rows" reads "load.nothing": stage "load" has no output "nothing"'),
])
def test_validate_names_the_broken_input(inputs, message):
    g = RunGraph("t")
    g.add_stage("load", "load", "p", outputs={"rows": "dataset"})
    g.add_stage("bad", "x", "p", inputs=inputs)
    with pytest.raises(GraphError, match=message):
        g.validate()


def test_cycles_and_duplicate_ids_are_graph_errors():
    g = RunGraph("t")
    g.add_stage("a", "x", "p", inputs={"i": "b.o"}, outputs={"o": "t"})
    g.add_stage("b", "x", "p", inputs={"i": "a.o"}, outputs={"o": "t"})
    with pytest.raises(GraphError, match="depends on itself"):
        g.validate()
    with pytest.raises(GraphError, match='two stages are called "a"'):
        g.add_stage("a", "x", "p")


def fingerprints(g: RunGraph, versions=None) -> dict[str, str]:
    g.compute_fingerprints(versions or {"p": "1.0", "q": "2.0"})
    return {s.id: s.fingerprint for s in g.order()}


def test_fingerprints_are_stable_and_change_with_params_downstream_only():
    base = fingerprints(small_graph())
    assert base == fingerprints(small_graph())
    assert all(len(f) == 16 for f in base.values())
    changed = small_graph()
    changed["load"].params["path"] = "y"
    after = fingerprints(changed)
    assert after["model"] == base["model"]  # not downstream of load
    for sid in ("load", "split", "train", "eval"):
        assert after[sid] != base[sid], sid


def test_fingerprints_hash_plugin_versions_and_content():
    base = fingerprints(small_graph())
    bumped = fingerprints(small_graph(), {"p": "1.0", "q": "2.1"})
    assert bumped["load"] == base["load"] and bumped["model"] != base["model"] and bumped["eval"] != base["eval"]
    g1, g2 = small_graph(), small_graph()
    for g in (g1, g2):
        g["load"].content_inputs.append("x")
    g1.compute_fingerprints({}, content_hash=lambda p: "aaaa")
    g2.compute_fingerprints({}, content_hash=lambda p: "bbbb")
    assert g1["load"].fingerprint != g2["load"].fingerprint and g1["train"].fingerprint != g2["train"].fingerprint


def test_compiled_graph_fingerprints_follow_the_recipe(tmp_path, fake_host):
    path = tmp_path / "g.ftr"
    path.write_text(RECIPE)
    _, graph = compile_recipe(path, host=fake_host)
    assert [s.id for s in graph] == ["data.tickets.load", "data.tickets.split", "model", "train", "evaluate.tickets.test",
                                     "report"]
    base = {s.id: s.fingerprint for s in graph}
    _, graph2 = compile_recipe(path, ["data.tickets.split=train: 70%, eval: 20%, test: 10%"], host=fake_host)
    after = {s.id: s.fingerprint for s in graph2}
    assert after["data.tickets.load"] == base["data.tickets.load"] and after["model"] == base["model"]
    assert all(after[s] != base[s] for s in ("data.tickets.split", "train", "evaluate.tickets.test"))
    _, graph3 = compile_recipe(path, ["train.epochs=3"], host=fake_host)
    after = {s.id: s.fingerprint for s in graph3}
    assert after["data.tickets.split"] == base["data.tickets.split"]
    assert after["train"] != base["train"] and after["evaluate.tickets.test"] != base["evaluate.tickets.test"]


def test_json_dot_and_tree_output():
    g = small_graph()
    g.compute_fingerprints({"p": "1.0"})
    data = g.to_json()
    assert data["recipe"] == "t" and [s["id"] for s in data["stages"]] == ["load", "split", "model", "train", "eval"]
    train = data["stages"][3]
    assert train["plugin"] == "p==1.0" and train["inputs"] == {"data": "split.train", "model": "model.model"}
    assert train["params"] == {"lr": 1e-4} and train["fingerprint"] == g["train"].fingerprint
    json.dumps(data)
    dot = g.to_dot()
    assert dot.startswith('digraph "t" {') and dot.rstrip().endswith("}")
    assert '"split" -> "train" [label="train"];' in dot and '"load" -> "split" [label="rows"];' in dot
    tree = render_tree(g)
    assert tree.splitlines()[0] == 'run graph "t" (5 stages)'
    for sid in ("load", "split", "model", "train", "eval"):
        assert sum(1 for line in tree.splitlines() if f" {sid}  " in line) == 1  # each stage once
    assert "reads: data ← split.train, model ← model.model" in tree


def test_graph_command_formats(tmp_path, monkeypatch, capsys, fake_host):
    import ftcore.compiler.pipeline as pipeline

    monkeypatch.setattr(pipeline, "load_host", lambda *a, **k: fake_host)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.ftr").write_text(RECIPE)
    assert main(["graph", "g.ftr", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recipe"] == "g" and data["stages"][0]["source"] == "g.ftr:3:1"
    assert main(["graph", "g.ftr", "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith('digraph "g"')
    assert main(["graph", "g.ftr"]) == 0
    assert capsys.readouterr().out.startswith('run graph "g" (6 stages)')  # ... evaluate, report
    assert main(["graph", "g.ftr", "--set", "train.epochs=0"]) == 2
    assert "epochs: 0 is out of range" in capsys.readouterr().err
