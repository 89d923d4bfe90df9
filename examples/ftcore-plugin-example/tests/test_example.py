"""Tests of the example plugin, with the fixtures ftcore.testing provides."""

from pathlib import Path

import pytest
import torch

from ftcore.api import EvalBatch, MetricInfo, RunError, SourceContext
from ftcore_example.balanced_accuracy import BalancedAccuracy
from ftcore_example.demo_data import make_shop_db
from ftcore_example.sqlite_source import SqliteSource
from ftcore_example.strip_html import StripHtml, html_to_text

RECIPE = (Path(__file__).resolve().parents[1] / "example.ftr").read_text()


def test_html_becomes_its_visible_text():
    assert html_to_text("<p>Hello,<br>I was <b>charged</b> twice &mdash; thanks</p>") == \
        "Hello, I was charged twice — thanks"
    assert html_to_text("<style>p {color: red}</style><script>x()</script>ok") == "ok"
    step = StripHtml({"field": "text"})
    assert step.apply(["<i>a</i>", "plain text"]) == ["a", "plain text"]


def test_balanced_accuracy_is_the_mean_recall_and_merges():
    a = BalancedAccuracy({}, MetricInfo(task="classification", label_names=("x", "y")))
    b = BalancedAccuracy({}, MetricInfo(task="classification", label_names=("x", "y")))
    a.update(EvalBatch(predictions=torch.tensor([0, 0, 0]), labels=torch.tensor([0, 0, 1])))
    b.update(EvalBatch(predictions=torch.tensor([0, 1]), labels=torch.tensor([0, 1])))
    a.merge(b)
    # class 0: 3 of 3 right; class 1: 1 of 2 right -> (1 + 0.5) / 2, where accuracy would be 4/5
    assert a.compute() == {"balanced_accuracy": 0.75}


def test_the_sqlite_source_reads_a_query_read_only(tmp_path):
    db = make_shop_db(tmp_path / "shop.db", rows=6)
    ctx = SourceContext(paths={"path": db})
    rows = list(SqliteSource().read({"path": "shop.db", "query": "SELECT topic FROM tickets"}, ctx))
    assert [r.location for r in rows] == [f"shop.db#{i}" for i in range(1, 7)]
    assert rows[0].row == {"topic": "account"}
    with pytest.raises(RunError, match="must be a SELECT statement"):
        list(SqliteSource().read({"path": "shop.db", "query": "DELETE FROM tickets"}, ctx))
    with pytest.raises(RunError, match="the query failed: no such table: nope"):
        list(SqliteSource().read({"path": "shop.db", "query": "SELECT * FROM nope"}, ctx))


def test_the_example_recipe_runs_end_to_end(ftcore_run, tmp_path):
    db = make_shop_db(tmp_path / "shop.db").read_bytes()
    result = ftcore_run(RECIPE, files={"shop.db": db}, name="example.ftr")
    assert result.status == 0, result.output
    test = result.evaluation("tickets.test")
    assert 0.0 <= test["balanced_accuracy"] <= 1.0 and "accuracy" in test
    audit = (result.run_dir / "data_audit.json").read_text()
    assert '"account"' in audit and '"billing"' in audit and '"delivery"' in audit


def test_an_unbalanced_training_split_stops_the_run_before_training(ftcore_run, tmp_path):
    db = make_shop_db(tmp_path / "shop.db").read_bytes()
    result = ftcore_run(RECIPE.replace("max_share 0.6", "max_share 0.2"), files={"shop.db": db}, name="example.ftr")
    assert result.status != 0
    assert "of the training split, more than max_share 20%" in result.output
    assert not (result.run_dir / "train_summary.json").exists()  # stopped before training


def test_a_missing_database_is_a_check_error(ftcore_errors):
    assert 'file "shop.db" does not exist' in ftcore_errors(RECIPE, name="example.ftr")
