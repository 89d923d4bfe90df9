"""The pytest plugin for plugin authors (``ftcore.testing``): each fixture does what it says."""

from __future__ import annotations

import pytest

from ftcore.testing import tiny_recipe, tiny_rows


def test_ftcore_warnings_renders_the_warnings_of_a_recipe_that_compiles(ftcore_warnings):
    text = ftcore_warnings('recipe "r" { seed 1 }\nregularize { dropout 0.1 }\n')
    assert text.splitlines()[0] == "recipe.ftr:2:1: warning: a regularize block without a train block does nothing"
    assert ftcore_warnings('recipe "r" { seed 1 }\n') == ""


def test_ftcore_errors_requires_an_error(ftcore_errors):
    assert "unknown block" in ftcore_errors('recipe "r" { seed 1 }\ntrian { }\n')
    with pytest.raises(AssertionError, match="compiled without errors"):
        ftcore_errors('recipe "r" { seed 1 }\n')


def test_ftcore_stage_runs_one_stage_and_reads_back_what_it_wrote(ftcore_stage):
    out = ftcore_stage("tests.runtime.stages_for_tests:Upper", params={"suffix": "!"}, inputs={"text": "abc"})
    assert out == {"text": "ABC!"}  # returned by load(), from the file run() wrote


def test_ftcore_run_trains_a_tiny_recipe_end_to_end(ftcore_run):
    result = ftcore_run(tiny_recipe(extra="evaluate d.test { metrics accuracy }"), files={"rows.jsonl": tiny_rows()})
    assert result.status == 0, result.output
    assert result.run_dir is not None and (result.run_dir / "manifest.json").is_file()
    test = result.evaluation("d.test")
    assert 0.0 <= test["accuracy"] <= 1.0 and test["examples"] == 5
    assert result.summary["steps"] >= 1


def test_ftcore_run_reports_a_recipe_mistake_with_status_2(ftcore_run):
    result = ftcore_run(tiny_recipe(train="epoch 2"), files={"rows.jsonl": tiny_rows()})
    assert result.status == 2 and 'unknown attribute "epoch"' in result.output and result.run_dir is None


def test_ftcore_one_torch_thread_sets_one_thread(request):
    import torch

    torch.set_num_threads(2)
    request.getfixturevalue("ftcore_one_torch_thread")
    assert torch.get_num_threads() == 1
