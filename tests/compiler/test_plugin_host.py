"""The registry (conflicts, extensions, provenance) and the plugin manager's environment switches."""

from __future__ import annotations

import types

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore.plugins import hookimpl
from ftcore.plugins.manager import load_host
from ftcore.plugins.registry import Register, Registry
from ftcore.plugins.schema import AttrSpec, BlockSpec, Boolean, Integer, Param, String


def plugin(name: str, register_fn) -> types.ModuleType:
    """A plugin module whose ``ftcore_register_components`` is ``register_fn``."""
    module = types.ModuleType(name)
    module.__version__ = "9.9"
    module.ftcore_register_components = hookimpl(register_fn)
    return module


def test_two_plugins_claiming_one_component_are_recorded_as_a_dispute_naming_both():
    one = plugin("one", lambda register: register.component("metric", "accuracy"))
    host = load_host(only=["metrics"], extra=[("one", one)])
    assert host.registry.conflicts == []  # not an error for every recipe
    assert host.registry.dispute("metric", "accuracy") == ["metrics", "one"]
    (text,) = host.registry.disputes
    assert text == 'metric "accuracy" is provided by "metrics" and "one"'


def test_conflicting_attributes_are_disputes_and_kinds_may_be_shared():
    reg = Registry()
    a, b = Register(reg, "a"), Register(reg, "b")
    a.kind("source")
    b.kind("source")  # plugins share kinds
    a.block(BlockSpec("train", attrs=(AttrSpec.single("epochs", Integer()),),
                      blocks=(BlockSpec("inner"),)))
    b.block(BlockSpec("train", attrs=(AttrSpec.single("epochs", Integer()),), blocks=(BlockSpec("inner"),)))
    assert reg.disputed_attrs == {("train", "epochs"): ["a", "b"]}
    assert reg.conflicts == ['block "train.inner" is declared by both "a" and "b"']


def test_a_kind_declared_with_two_different_contracts_is_a_conflict():
    reg = Registry()
    Register(reg, "a").kind("source", contract=int)
    Register(reg, "b").kind("source", contract=str)
    assert reg.conflicts == ['component kind "source" is declared with different contracts by "a" and "b"']


def test_a_disputed_name_fails_only_the_recipes_that_use_it(tmp_path):
    one = plugin("one", lambda register: register.component("metric", "accuracy"))
    host = load_host(only=["recipe", "metrics"], extra=[("one", one)])
    path = tmp_path / "r.ftr"
    path.write_text('recipe "r" { seed 1 }\n')
    compile_recipe(path, host=host)  # does not use "accuracy": fine
    path.write_text('recipe "r" { seed 1 }\nevaluate d.test { metrics accuracy }\n')
    with pytest.raises(RecipeError) as info:
        compile_recipe(path, host=host)
    messages = {d.message: d for d in info.value.diagnostics}
    diag = messages['metric "accuracy" is provided by several plugins: "metrics", "one"']
    assert (diag.span.line, diag.span.col) == (2, 27)
    assert diag.hint == "uninstall all but one, or block the others with FTCORE_DISABLE_PLUGINS=one"


NOTIFY = BlockSpec("recipe", attrs=(AttrSpec.single("notify", String(), ""), AttrSpec.single("dry_run", Boolean(), False)))


def test_a_plugin_extends_a_block_declared_by_another():
    reg = Registry()
    Register(reg, "recipe").block(BlockSpec("recipe", help="h", label=String(), attrs=(
        AttrSpec.single("seed", Integer(), 1),)))
    Register(reg, "extras").block(NOTIFY)
    spec = reg.blocks["recipe"]
    assert spec.plugin == "recipe" and spec.help == "h" and isinstance(spec.label, String)
    assert [a.name for a in spec.attrs] == ["seed", "notify", "dry_run"]
    assert reg.extensions == {"extras": ["recipe.notify", "recipe.dry_run"]}
    assert reg.provided_by("extras") == {"block attributes": ["recipe.notify", "recipe.dry_run"]}
    assert not reg.conflicts


def test_extended_attributes_are_checked_like_the_owners(tmp_path):
    owner = plugin("owner", lambda register: register.block(BlockSpec("job", label=String(), attrs=(
        AttrSpec.single("seed", Integer(), 1),))))
    extras = plugin("extras", lambda register: register.block(BlockSpec("job", extends=True, attrs=(
        AttrSpec.single("notify", String(), ""),))))
    host = load_host(only=[], extra=[("extras", extras), ("owner", owner)])
    path = tmp_path / "r.ftr"
    path.write_text('job "j" { seed 2  notify "me@example.com" }\n')
    recipe, _ = compile_recipe(path, host=host)
    assert recipe.block("job")["notify"] == "me@example.com" and recipe.block("job").label == "j"
    path.write_text('job "j" { notfy "x" }\n')
    with pytest.raises(RecipeError) as info:
        compile_recipe(path, host=host)
    assert info.value.diagnostics[0].hint == 'did you mean "notify"?'


def test_extending_a_block_does_not_depend_on_load_order(tmp_path):
    from dataclasses import replace

    extension = replace(NOTIFY, extends=True)
    for order in (["recipe", "extras"], ["extras", "recipe"]):
        reg = Registry()
        for name in order:
            if name == "recipe":
                Register(reg, "recipe").block(BlockSpec("recipe", help="h", label=String()))
            else:
                Register(reg, "extras").block(extension)
        reg.apply_extensions()
        spec = reg.blocks["recipe"]
        assert spec.plugin == "recipe" and spec.label is not None
        assert [a.name for a in spec.attrs] == ["notify", "dry_run"]
    host = load_host(only=["recipe"], extra=[("extras", plugin("extras", lambda register: register.block(extension)))])
    assert host.registry.blocks["recipe"].attr("notify") is not None
    assert host.registry.extensions == {"extras": ["recipe.notify", "recipe.dry_run"]}


def test_extending_a_block_nobody_declares_is_reported():
    from dataclasses import replace

    reg = Registry()
    Register(reg, "extras").block(replace(NOTIFY, name="nothing", extends=True))
    reg.apply_extensions()
    assert reg.conflicts == ['plugin "extras" extends block "nothing", which no loaded plugin declares']


def test_registry_records_who_gave_what():
    host = load_host(only=["metrics", "export"])
    assert host.registry.component("metric", "f1").plugin == "metrics"
    assert host.registry.provided_by("export") == {"blocks": ["export"], "exporter": ["hf", "hub"]}
    assert host.registry.names("metric")[:2] == ["accuracy", "bleu"]
    assert [c.kind for c in host.registry.find("hf")] == ["exporter"]
    assert set(host.registry.plugins) == {"metrics", "export"}


def test_only_loads_just_the_named_plugins():
    host = load_host(only=["recipe"])
    assert [p.name for p in host.plugins] == ["recipe"]
    assert list(host.registry.blocks) == ["recipe"]


# ---------------------------------------------------------------- environment switches


def test_ftcore_plugins_is_an_allow_list(monkeypatch):
    monkeypatch.setenv("FTCORE_PLUGINS", "recipe, export")
    host = load_host()
    assert sorted(p.name for p in host.plugins) == ["export", "recipe"]
    assert "evaluate" not in host.registry.blocks


def test_ftcore_disable_plugins_blocks_plugins_and_extras(monkeypatch):
    monkeypatch.setenv("FTCORE_DISABLE_PLUGINS", "metrics,extra")
    host = load_host(extra=[("extra", plugin("extra", lambda register: register.kind("thing")))])
    names = [p.name for p in host.plugins]
    assert "metrics" not in names and "extra" not in names and "recipe" in names
    assert "evaluate" not in host.registry.blocks and "thing" not in host.registry.kinds


def test_both_switches_together(monkeypatch):
    monkeypatch.setenv("FTCORE_PLUGINS", "recipe,metrics")
    monkeypatch.setenv("FTCORE_DISABLE_PLUGINS", "metrics")
    assert [p.name for p in load_host().plugins] == ["recipe"]


def test_ftcore_trace_plugins_prints_hook_calls(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("FTCORE_TRACE_PLUGINS", "1")
    host = load_host(only=["recipe"])
    path = tmp_path / "r.ftr"
    path.write_text('recipe "r" { seed 1 }\n')
    compile_recipe(path, host=host)
    err = capsys.readouterr().err
    assert "[ftcore plugins]" in err and "ftcore_lower" in err
    monkeypatch.setenv("FTCORE_TRACE_PLUGINS", "0")
    load_host(only=["recipe"])
    assert capsys.readouterr().err == ""


def test_extra_plugins_get_a_version():
    host = load_host(only=[], extra=[("p", plugin("p", lambda register: register.component("k", "n", (
        Param("x", Integer()),))))])
    assert host.plugins[0].version == "9.9" and host.registry.plugins["p"]["version"] == "9.9"
    assert host.fingerprint_of("p") == "p==9.9"
