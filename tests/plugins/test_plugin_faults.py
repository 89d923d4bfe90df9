"""A mistake in a plugin is reported as that plugin's, never as ftcore's or the recipe's.

Each case loads a plugin that raises in one hook (through a fake entry point, as an installed
distribution would be found) and compares what ``ftcore check``/``graph`` print with
``tests/golden/plugin_faults/<hook>.txt`` (``FTCORE_UPDATE_GOLDEN=1`` rewrites them). Observer
hooks that raise are reported once and the run goes on, other plugins' implementations included.
"""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest

import ftcore.plugins.manager as manager
from ftcore.cli import main
from ftcore.compiler.graph import RunGraph
from ftcore.lang.ast import Span
from ftcore.plugins import hookimpl
from ftcore.plugins.errors import PluginError
from ftcore.plugins.manager import load_host
from ftcore.runtime.executor import Executor

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "plugin_faults"
UPDATE = os.environ.get("FTCORE_UPDATE_GOLDEN", "") not in ("", "0")


def faulty_module(hook: str) -> types.ModuleType:
    """A plugin module (``ftcore_faulty.plugin``) whose implementation of ``hook`` raises."""
    module = types.ModuleType("ftcore_faulty.plugin")
    module.FTCORE_PLUGIN_API = "1.0"

    def boom(*args, **kwargs):
        raise ValueError(f"boom in {hook}")

    impls = {
        "ftcore_register_components": lambda register: boom(),
        "ftcore_check_recipe": lambda recipe, registry, diagnostics: boom(),
        "ftcore_lower": lambda recipe, graph, registry: boom(),
        "ftcore_graph_pass": lambda graph, recipe, diagnostics: boom(),
    }
    setattr(module, hook, hookimpl(impls[hook]))
    return module


class FakeDist:
    name, version = "ftcore-faulty", "0.3.1"


class FakeEntryPoint:
    """An entry point of the ``ftcore`` group, as an installed distribution declares it."""

    def __init__(self, name, module, value="ftcore_faulty.plugin"):
        self.name, self.value, self.dist, self._module = name, value, FakeDist(), module

    def load(self):
        return self._module


@pytest.fixture
def install(monkeypatch):
    """Install fake plugin modules as entry points next to the real ``recipe`` plugin."""
    real = [ep for ep in manager._entry_points() if ep.name == "recipe"]

    def _install(*plugins):
        monkeypatch.setattr(manager, "_entry_points", lambda: real + [FakeEntryPoint(n, m) for n, m in plugins])

    return _install


CASES = {  # hook -> command that reaches it
    "ftcore_register_components": "check",
    "ftcore_check_recipe": "check",
    "ftcore_lower": "graph",
    "ftcore_graph_pass": "graph",
}


@pytest.mark.parametrize("hook", sorted(CASES))
def test_a_plugin_raising_in_a_hook_is_named_with_its_distribution(hook, install, tmp_path, monkeypatch, capsys):
    install(("faulty", faulty_module(hook)))
    monkeypatch.chdir(tmp_path)
    Path("r.ftr").write_text('recipe "r" { seed 1 }\n')
    assert main([CASES[hook], "r.ftr"]) == 5
    captured = capsys.readouterr()
    golden = GOLDEN / f"{hook}.txt"
    if UPDATE:
        golden.write_text(captured.err)
    assert captured.err == golden.read_text()
    assert "Traceback" not in captured.err + captured.out


def test_every_golden_file_has_a_case():
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == sorted(CASES)


def test_a_plugin_for_a_newer_plugin_api_is_refused_naming_what_to_upgrade(install, tmp_path, monkeypatch, capsys):
    newer = types.ModuleType("ftcore_faulty.plugin")
    newer.FTCORE_PLUGIN_API = "2.0"
    older = types.ModuleType("ftcore_faulty.plugin")
    older.FTCORE_PLUGIN_API = "0.9"
    install(("newer", newer), ("older", older))
    assert main(["plugins"]) == 0
    out = capsys.readouterr()
    assert ('refused: plugin "newer" (ftcore-faulty) needs ftcore plugin API 2.0, but this ftcore provides 1.0: '
            "upgrade ftcore (pip install -U ftcore)") in out.out
    assert ('refused: plugin "older" (ftcore-faulty) was written for ftcore plugin API 0.9, and this ftcore '
            "provides 1.0: upgrade the plugin (pip install -U ftcore-faulty)") in out.out
    assert "\nnewer " not in out.out and "\nolder " not in out.out  # not loaded


# ----------------------------------------------------------------------------- observers and stages


class Recorder:
    """A well-behaved plugin that records the observer calls it gets."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def ftcore_stage_start(self, stage):
        self.calls.append(("start", stage.id))

    @hookimpl
    def ftcore_stage_end(self, stage, cached):
        self.calls.append(("end", stage.id))


class RaisingObserver:
    """Raises in both stage observers."""

    @hookimpl(tryfirst=True)
    def ftcore_stage_start(self, stage):
        raise RuntimeError("observer broke")

    @hookimpl(tryfirst=True)
    def ftcore_stage_end(self, stage):
        raise RuntimeError("observer broke again")


def _graph(tmp_path, impl="tests.runtime.stages_for_tests:Upper"):
    (tmp_path / "in.txt").write_text("abc")
    graph = RunGraph("g")
    graph.add_stage("a", "source", "recorder", impl="tests.runtime.stages_for_tests:Source",
                    content_inputs=[str(tmp_path / "in.txt")], outputs={"text": "text"})
    graph.add_stage("b", "upper", "recorder", impl=impl, inputs={"text": "a.text"}, outputs={"text": "text"},
                    span=Span("recipe.ftr", 3, 1, 3, 9))
    graph.compute_fingerprints({})
    return graph


def test_an_observer_that_raises_is_reported_once_and_stops_nothing(tmp_path, capsys):
    recorder = Recorder()
    host = load_host(only=[], extra=[("recorder", recorder), ("noisy", RaisingObserver())])
    executor = Executor(_graph(tmp_path), tmp_path / "cache", hook=host.hook, plugins=host.registry.plugins)
    outputs = executor.run()
    assert outputs["b"]["text"] == "ABC"
    assert recorder.calls == [("start", "a"), ("end", "a"), ("start", "b"), ("end", "b")]
    err = capsys.readouterr().err
    assert err.count("warning:") == 2  # once per hook, not once per call
    assert ('warning: plugin "noisy" failed in hook ftcore_stage_start: RuntimeError: observer broke\n'
            "  = note: the run goes on without it; this warning is shown once") in err


class Exploding:
    """A stage whose code has a bug."""

    @staticmethod
    def run(stage, inputs, ctx):
        return {"text": inputs["text"] + 1}


def test_a_stage_failing_in_plugin_code_is_blamed_on_the_plugin(tmp_path):
    host = load_host(only=[], extra=[("recorder", Recorder())])
    plugins = dict(host.registry.plugins)
    plugins["recorder"] = {"dist": "ftcore-recorder", "version": "1.2", "module": "tests.plugins.x"}
    executor = Executor(_graph(tmp_path, impl=f"{__name__}:Exploding"), tmp_path / "cache", plugins=plugins)
    with pytest.raises(PluginError) as info:
        executor.run()
    # The frame that raised is in the tests package, which no plugin claims: the stage's plugin is blamed.
    assert info.value.render().splitlines()[0] == (
        'recipe.ftr:3:1: error: plugin "recorder" (distribution ftcore-recorder 1.2) failed in stage "b": TypeError: can only '
        'concatenate str (not "int") to str')


def test_trace_lines_are_short(install, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FTCORE_TRACE_PLUGINS", "1")
    monkeypatch.chdir(tmp_path)
    Path("r.ftr").write_text('recipe "r" { seed 1 }\n')
    assert main(["graph", "r.ftr"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[ftcore plugins]")]
    hooks = {line.split()[2].split("(")[0] for line in lines}
    assert {"ftcore_register_components", "ftcore_check_recipe", "ftcore_lower", "ftcore_graph_pass"} <= hooks
    assert max(len(line) for line in lines) <= 200


class CallsAComponent:
    """A stage (of one plugin) whose component code (from another plugin) has a bug."""

    @staticmethod
    def run(stage, inputs, ctx):
        import thirdparty_cleaner

        return {"text": thirdparty_cleaner.clean(inputs["text"])}


def test_the_plugin_whose_code_raised_is_blamed_not_the_stage_owner(tmp_path, monkeypatch):
    package = tmp_path / "pkgs" / "thirdparty_cleaner"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("def clean(text):\n    return text.strip(None, 1)\n")
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    plugins = {"recorder": {"dist": "ftcore", "version": "0.1", "module": "ftcore_recorder.plugin"},
               "cleaners": {"dist": "ftcore-cleaners", "version": "2.0", "module": "thirdparty_cleaner.plugin"}}
    executor = Executor(_graph(tmp_path, impl=f"{__name__}:CallsAComponent"), tmp_path / "cache", plugins=plugins)
    with pytest.raises(PluginError) as info:
        executor.run()
    assert info.value.plugin == "cleaners" and info.value.dist == "ftcore-cleaners"
    assert info.value.where == 'stage "b"' and info.value.message.startswith("TypeError: ")
