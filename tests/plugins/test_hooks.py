"""Each compile-time hook, exercised through a plugin registered the way a third party's is."""

import types

import pytest

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError
from ftcore.plugins import hookimpl
from ftcore.plugins.manager import load_host
from ftcore.plugins.schema import AttrSpec, BlockSpec, Integer, Param, String


def make_plugin(**hooks):
    """A plugin module holding the given hook implementations."""
    module = types.ModuleType("greeting_plugin")
    for name, func in hooks.items():
        setattr(module, name, hookimpl(func))
    return module


def register(register):
    register.kind("greeting", "Something to say.")
    register.component("greeting", "hello", (Param("who", String()),), "Say hello.")
    register.block(BlockSpec("greet", attrs=(AttrSpec.single("times", Integer(min=1), 1),
                                             AttrSpec.single("words", String(), "hi"))))


def test_ftcore_register_components_declares_blocks_and_components(tmp_path):
    host = load_host(only=["recipe"], extra=[("greeting", make_plugin(ftcore_register_components=register))])
    assert host.registry.blocks["greet"].plugin == "greeting"
    assert host.registry.component("greeting", "hello").plugin == "greeting"
    assert host.registry.provided_by("greeting") == {"blocks": ["greet"], "greeting": ["hello"]}


def test_ftcore_check_recipe_reports_with_spans(tmp_path):
    def check(recipe, diagnostics):
        block = recipe.block("greet")
        if block is not None and block["times"] > 3:
            diagnostics.error("too many greetings", block.span_of("times"), "greet at most 3 times")

    plugin = make_plugin(ftcore_register_components=register, ftcore_check_recipe=check)
    host = load_host(only=["recipe"], extra=[("greeting", plugin)])
    path = tmp_path / "r.ftr"
    path.write_text("greet {\n  times 5\n}\n")
    with pytest.raises(RecipeError) as err:
        compile_recipe(path, host=host)
    (diag,) = err.value.diagnostics
    assert diag.message == "too many greetings"
    assert (diag.span.line, diag.span.col) == (2, 3)


def test_ftcore_lower_and_ftcore_graph_pass_build_and_rewrite_the_graph(tmp_path):
    def lower(recipe, graph):
        block = recipe.block("greet")
        graph.add_stage("greet.say", "say", "greeting", params={"times": block["times"], "words": block["words"]},
                        outputs={"text": "text"}, doc="say it")
        graph.add_stage("greet.echo", "echo", "greeting", inputs={"text": "greet.say.text"}, outputs={"text": "text"})

    def graph_pass(graph, diagnostics):
        graph["greet.say"].params["words"] = graph["greet.say"].params["words"].upper()
        if graph["greet.say"].params["times"] == 2:
            diagnostics.error("two is an unlucky number")

    plugin = make_plugin(ftcore_register_components=register, ftcore_lower=lower, ftcore_graph_pass=graph_pass)
    host = load_host(only=["recipe"], extra=[("greeting", plugin)])
    path = tmp_path / "r.ftr"
    path.write_text('greet { times 3 words "hey" }\n')
    _, graph = compile_recipe(path, host=host)
    assert [s.id for s in graph] == ["greet.say", "greet.echo"]
    assert graph["greet.say"].params == {"times": 3, "words": "HEY"}
    first = graph["greet.echo"].fingerprint
    path.write_text('greet { times 4 words "hey" }\n')
    _, graph = compile_recipe(path, host=host)
    assert graph["greet.echo"].fingerprint != first  # a parameter change upstream reaches downstream
    path.write_text('greet { times 2 }\n')
    with pytest.raises(RecipeError, match="unlucky"):
        compile_recipe(path, host=host)
