"""``ftcore check`` finds a component whose code cannot run, before any compute, at its position."""

from __future__ import annotations

import sys
import textwrap
import types

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError, render_all
from ftcore.plugins import hookimpl
from ftcore.plugins.components import impl_problem
from ftcore.plugins.manager import load_host
from ftcore.plugins.schema import Integer, Param


@pytest.fixture
def impl_module(tmp_path, monkeypatch):
    """A module ``my_impls_mod`` on sys.path defining ``TopK`` (and nothing it is asked for by typo)."""
    (tmp_path / "my_impls_mod.py").write_text(textwrap.dedent('''
        import not_installed_heavy_library  # never imported by ftcore check
        class TopK:
            pass
        LIMIT = 3
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "my_impls_mod"
    sys.modules.pop("my_impls_mod", None)


def test_impl_problem_reads_the_source_without_importing_it(impl_module):
    assert impl_problem("my_impls_mod:TopK") is None
    assert impl_problem("my_impls_mod:LIMIT") is None
    assert "my_impls_mod" not in sys.modules
    assert impl_problem("my_impls_mod:TopKk") == 'impl "my_impls_mod:TopKk": module "my_impls_mod" has no "TopKk" ' \
                                                 '(did you mean "TopK"?)'
    assert impl_problem("no_such_module_xyz:Thing") == 'impl "no_such_module_xyz:Thing": no module ' \
                                                       '"no_such_module_xyz" is installed'
    assert impl_problem("my_impls_mod") == 'impl "my_impls_mod" is not of the form "module:attribute"'
    assert impl_problem(None) == "it declares no impl, so it cannot run"


def _metrics_plugin(impl):
    module = types.ModuleType("typo_metrics")
    module.__version__ = "2.1"

    @hookimpl
    def ftcore_register_components(register):
        from ftcore.api import Metric

        register.kind("metric", contract=Metric)
        register.component("metric", "top_k", (Param("k", Integer(min=1), 5),), "top-k accuracy", impl=impl,
                           tasks=("classification",))

    module.ftcore_register_components = ftcore_register_components
    return module


RECIPE = '''recipe "r" { seed 1 }
data d {
  source jsonl("rows.jsonl")
  split train: 80%, eval: 10%, test: 10%
  format classification(text: "text", label: "label")
}
model { base tiny(arch: "bert")  task classification }
train { epochs 1 }
evaluate d.test { metrics accuracy, top_k(k: 2) }
'''


@pytest.mark.parametrize("impl", ["my_impls_mod:TopKk", None])
def test_a_metric_whose_impl_cannot_run_is_a_check_error_at_its_position(tmp_path, impl_module, impl):
    host = load_host(only=["recipe", "data", "hf", "train", "metrics"], extra=[("typo", _metrics_plugin(impl))])
    (tmp_path / "rows.jsonl").write_text('{"text": "a", "label": "x"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(RECIPE)
    with pytest.raises(RecipeError) as info:
        compile_recipe(path, host=host)
    text = render_all(info.value.diagnostics, info.value.sources).replace(str(tmp_path), "TMP")
    problem = 'impl "my_impls_mod:TopKk": module "my_impls_mod" has no "TopKk" (did you mean "TopK"?)' if impl \
        else "it declares no impl, so it cannot run"
    assert text.splitlines()[:5] == [
        f'TMP/r.ftr:9:37: error: metric "top_k" cannot run: {problem}',
        "   9 | evaluate d.test { metrics accuracy, top_k(k: 2) }",
        "     |                                     ^^^^^^^^^^^",
        '     = help: a mistake in plugin "typo", which provides it: report it to its authors, or use another '
        "component",
    ][:4] + text.splitlines()[4:5]


def test_a_correct_impl_passes_check(tmp_path, impl_module):
    host = load_host(only=["recipe", "data", "hf", "train", "metrics"],
                     extra=[("ok", _metrics_plugin("my_impls_mod:TopK"))])
    (tmp_path / "rows.jsonl").write_text('{"text": "a", "label": "x"}\n')
    path = tmp_path / "r.ftr"
    path.write_text(RECIPE)
    compile_recipe(path, host=host)


def test_a_module_edited_since_the_last_check_is_read_again(tmp_path, monkeypatch):
    module = tmp_path / "edited_impls_mod.py"
    module.write_text("class Old:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert impl_problem("edited_impls_mod:Old") is None
    module.write_text("class New:\n    pass\n")
    import os

    os.utime(module, ns=(1, 10**18))  # a different modification time, as an editor's save gives
    assert impl_problem("edited_impls_mod:Old") is not None
    assert impl_problem("edited_impls_mod:New") is None
