"""A pytest plugin for plugin authors (loaded automatically through the ``pytest11`` entry point).

Fixtures:

- ``ftcore_host(only=None, extra=())``: a factory returning a :class:`~ftcore.plugins.manager.PluginHost`
  with only the named entry-point plugins plus ``extra`` ``(name, module)`` pairs — load just
  what your test is about, e.g. ``ftcore_host(only=["recipe"], extra=[("mine", my_plugin)])``.
- ``ftcore_recipe(text, name="recipe.ftr")``: writes recipe text into the test's temporary
  folder and returns its path.
- ``ftcore_compile(text, overrides=(), host=None)``: writes and compiles a recipe; returns
  ``(checked_recipe, run_graph)`` or raises :class:`~ftcore.lang.diagnostics.RecipeError`.
- ``ftcore_errors(text, overrides=(), host=None)``: the rendered diagnostics of a recipe that
  must fail to compile, as the command line prints them (paths relative to the temporary
  folder), for comparing with expected text.

Nothing here imports torch or transformers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def ftcore_host():
    """Factory: ``ftcore_host(only=None, extra=())`` builds a plugin host with just those plugins."""
    from ftcore.plugins.manager import load_host

    def make(only=None, extra=()):
        return load_host(only=only, extra=extra)

    return make


@pytest.fixture
def ftcore_recipe(tmp_path):
    """Factory: ``ftcore_recipe(text, name="recipe.ftr")`` writes a recipe and returns its path."""

    def write(text: str, name: str = "recipe.ftr") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def ftcore_compile(ftcore_recipe):
    """Factory: ``ftcore_compile(text, overrides=(), host=None)`` -> ``(recipe, graph)``."""
    from ftcore.compiler.pipeline import compile_recipe

    def run(text: str, overrides=(), host=None, name: str = "recipe.ftr"):
        return compile_recipe(ftcore_recipe(text, name), overrides, host)

    return run


@pytest.fixture
def ftcore_errors(ftcore_recipe, tmp_path):
    """Factory: ``ftcore_errors(text, overrides=(), host=None)`` -> rendered diagnostics text."""
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError, render_all

    def run(text: str, overrides=(), host=None, name: str = "recipe.ftr") -> str:
        ftcore_recipe(text, name)
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            compile_recipe(name, overrides, host)
        except RecipeError as err:
            return render_all(err.diagnostics, getattr(err, "sources", None))
        finally:
            os.chdir(cwd)
        raise AssertionError("the recipe compiled without errors")

    return run
