"""The compiler front end in one call: parse, resolve, check, lower.

``compile_recipe`` is what every command uses. It raises :class:`RecipeError` carrying every
diagnostic (with the sources needed to render them) or returns the checked recipe and graph.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Union

from ftcore.compiler.checked import CheckedRecipe
from ftcore.compiler.checker import check_module, run_rules
from ftcore.compiler.graph import RunGraph
from ftcore.compiler.impls import check_impls
from ftcore.compiler.lower import lower
from ftcore.lang.ast import Span
from ftcore.lang.diagnostics import Diagnostics, RecipeError
from ftcore.lang.resolve import resolve_file
from ftcore.plugins.manager import PluginHost, load_host


def check_recipe(path: Union[str, Path], overrides: Sequence[str] = (),
                 host: Optional[PluginHost] = None,
                 unsaved: Optional[dict[str, str]] = None) -> tuple[CheckedRecipe, Diagnostics, PluginHost]:
    """Parse, resolve and check ``path``; raise :class:`RecipeError` if anything is wrong.

    Returns the checked recipe, the warnings, and the plugin host used. ``unsaved`` maps
    resolved file paths to text used instead of what is on disk (an editor's open buffers).
    """
    host = host or load_host()
    diagnostics = Diagnostics()
    if host.registry.conflicts:
        for message in host.registry.conflicts:
            diagnostics.error(f"plugin conflict: {message}", None,
                              "uninstall one of the plugins, or block one with FTCORE_DISABLE_PLUGINS")
        raise _error(diagnostics, None)
    resolved, diagnostics = resolve_file(path, overrides, diagnostics, unsaved)
    if diagnostics.errors and not resolved.module.items:
        raise _error(diagnostics, resolved)
    recipe = check_module(resolved.module, host.registry, diagnostics, resolved.files)
    check_impls(recipe, host.registry, diagnostics)
    run_rules(recipe, host, diagnostics)
    if diagnostics.errors:
        raise _error(diagnostics, resolved)
    recipe.sources = resolved.sources
    return recipe, diagnostics, host


def compile_recipe(path: Union[str, Path], overrides: Sequence[str] = (),
                   host: Optional[PluginHost] = None,
                   unsaved: Optional[dict[str, str]] = None) -> tuple[CheckedRecipe, RunGraph]:
    """Check ``path`` and lower it to a run graph; raise :class:`RecipeError` on any error.

    ``unsaved`` (resolved path -> text) stands in for files on disk, as in :func:`check_recipe`.
    """
    recipe, diagnostics, host = check_recipe(path, overrides, host, unsaved)
    graph = lower(recipe, host, diagnostics)
    if not diagnostics.errors and not graph.order() and not recipe.blocks:
        diagnostics.error("the recipe is empty: it has no blocks, so there is nothing to check or run",
                          Span(os.path.normpath(path), 1, 1, 1, 2), "a recipe needs at least a data block; to "
                          "train, also a model and a train block (ftcore describe data, model, train)")
    if diagnostics.errors:
        raise _error(diagnostics, None, recipe)
    recipe.warnings = [d for d in diagnostics if d.severity == "warning"]
    return recipe, graph


def _error(diagnostics: Diagnostics, resolved, recipe: Optional[CheckedRecipe] = None) -> RecipeError:
    err = RecipeError(diagnostics)
    err.sources = resolved.sources if resolved is not None else getattr(recipe, "sources", None)
    return err
