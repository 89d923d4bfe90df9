"""Lowering: the checked recipe becomes a run graph through the plugins' ``ftcore_lower`` hooks."""

from __future__ import annotations

from ftcore.compiler.checked import CheckedRecipe
from ftcore.compiler.graph import GraphError, RunGraph
from ftcore.lang.diagnostics import Diagnostics
from ftcore.plugins.manager import PluginHost


def lower(recipe: CheckedRecipe, host: PluginHost, diagnostics: Diagnostics) -> RunGraph:
    """Build the run graph, run the graph passes, validate it and compute fingerprints."""
    graph = RunGraph(recipe.name)
    host.hook.ftcore_lower(recipe=recipe, graph=graph, registry=host.registry)
    host.hook.ftcore_graph_pass(graph=graph, recipe=recipe, diagnostics=diagnostics)
    try:
        graph.validate()
    except GraphError as exc:  # a plugin bug, not a recipe mistake: say which stage
        raise GraphError(f"the plugins built an inconsistent run graph: {exc}") from exc
    versions = {name: info.get("version", "?") for name, info in host.registry.plugins.items()}
    graph.compute_fingerprints(versions, component_versions=component_versions(host.registry))
    return graph


def component_versions(registry) -> dict[str, str]:
    """``"kind:name"`` -> ``"dist==version"`` of the plugin providing each registered component."""
    out = {}
    for (kind, name), spec in registry.components.items():
        info = registry.plugins.get(spec.plugin, {})
        out[f"{kind}:{name}"] = f"{info.get('dist', '?')}=={info.get('version', '?')}"
    return out
