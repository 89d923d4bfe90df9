"""Every hook ftcore calls. The docstrings are the documentation: docs/plugin_hooks.md shows them.

Implement a hook with :data:`ftcore.plugins.hookimpl` in a module named in your distribution's
``ftcore`` entry-point group::

    [project.entry-points.ftcore]
    my_metrics = "my_package.plugin"

Hooks are called with keyword arguments; an implementation may accept any subset of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ftcore.plugins import hookspec

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from ftcore.compiler.checked import CheckedRecipe
    from ftcore.compiler.graph import RunGraph
    from ftcore.lang.diagnostics import Diagnostics
    from ftcore.plugins.registry import Register, Registry


@hookspec
def ftcore_register_components(register: "Register") -> None:
    """Declare the blocks, components and component kinds this plugin provides.

    ``register.block(BlockSpec(...))`` adds a block (or, for an existing block, more attributes);
    ``register.component(kind, name, params=[...], help=..., impl="module:attr", **meta)`` adds a
    component a recipe can call; ``register.kind(name, help)`` adds a family of components. The
    core records which plugin gave what and reports two plugins claiming one name. Called once,
    when the registry is built; must not import heavy libraries.
    """


@hookspec
def ftcore_check_recipe(recipe: "CheckedRecipe", registry: "Registry", diagnostics: "Diagnostics") -> None:
    """Check rules that span blocks, after every value has been type-checked.

    ``recipe`` holds the checked blocks (values converted, defaults filled, spans kept). Report
    each problem with ``diagnostics.error(message, span, hint)``; do not raise. Called for every
    plugin; all problems from all plugins are reported together.
    """


@hookspec
def ftcore_lower(recipe: "CheckedRecipe", graph: "RunGraph", registry: "Registry") -> None:
    """Add the stages for the blocks this plugin owns to ``graph``.

    Use ``graph.add_stage(...)`` with typed inputs that name other stages' outputs. Called in
    plugin order after checking succeeded; the core computes fingerprints afterwards.
    """


@hookspec
def ftcore_graph_pass(graph: "RunGraph", recipe: "CheckedRecipe", diagnostics: "Diagnostics") -> None:
    """Inspect or rewrite the lowered run graph (plan resources, lint, fill derived settings).

    Passes run after lowering, before fingerprints are computed, so a pass may change a stage's
    parameters. Order passes with ``tryfirst``/``trylast``. Report problems to ``diagnostics``.
    """
