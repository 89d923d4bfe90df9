"""``ftcore check`` proves every component the recipe uses has code that can run.

For each component a recipe names, the registry's ``impl`` is located without being imported
(see :func:`ftcore.plugins.components.impl_problem`); a missing or misspelled one is reported at
the recipe position that names the component, with the plugin and distribution to blame, so a
plugin's mistake never surfaces after minutes of training.
"""

from __future__ import annotations

from typing import Any, Iterator

from ftcore.compiler.checked import CheckedBlock, CheckedRecipe
from ftcore.lang.diagnostics import Diagnostics
from ftcore.plugins.components import impl_problem
from ftcore.plugins.errors import provider_text
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import BoundComponent


def components_in(value: Any) -> Iterator[BoundComponent]:
    """Every bound component in a checked value (lists, dicts and component arguments included)."""
    if isinstance(value, BoundComponent):
        yield value
        for arg in list(value.args.values()) + list(value.extra):
            yield from components_in(arg)
    elif isinstance(value, dict):
        for v in value.values():
            yield from components_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from components_in(v)


def _block_components(block: CheckedBlock) -> Iterator[BoundComponent]:
    yield from components_in(block.label)
    for value in block.attrs.values():  # defaulted components too: their code runs as well
        yield from components_in(value)
    for inner in block.blocks:
        yield from _block_components(inner)


def check_impls(recipe: CheckedRecipe, registry: Registry, diagnostics: Diagnostics) -> None:
    """Report every component of ``recipe`` whose impl cannot be found, where the recipe names it."""
    seen: dict[str, str | None] = {}
    for block in recipe.blocks:
        for component in _block_components(block):
            spec = registry.component(component.kind, component.name)
            if spec is None:
                continue
            if spec.impl is None and component.kind not in registry.contracts:
                continue  # a kind without a contract is run by its own plugin's stages
            if spec.impl not in seen:
                seen[spec.impl] = impl_problem(spec.impl)
            problem = seen[spec.impl]
            if problem is None:
                continue
            info = registry.plugins.get(spec.plugin, {})
            who = provider_text(spec.plugin, info.get("dist", "?"), info.get("version", "?"))
            where = component.span if component.span is not None and component.span.line > 0 else block.span
            diagnostics.error(f'{component.kind.replace("_", " ")} "{component.name}" cannot run: {problem}',
                              where, f"a mistake in {who}, which provides it: report it to its authors, or "
                                     "use another component")
