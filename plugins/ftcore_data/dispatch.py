"""Reaching a data component's code through its registry entry, the same way for built-ins and third parties.

Lowering turns every source, cleaner, split method and format a data block names into an entry
(:func:`ftcore.api.component_entry`: kind, name, checked arguments, ``impl``, providing plugin,
distribution and version); the stages get the code back from the entry and call only the
contracts of :mod:`ftcore.api.data`. Nothing here names a module of this plugin.

At check time, :func:`checked_object` loads a component's code to ask it about its arguments;
a component whose ``impl`` cannot be found is skipped (``ftcore check`` reports it already), and
a component whose code fails is reported at the recipe position that names it, with its plugin.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ftcore.api import (KIND_CONTRACTS, BoundComponent, PluginError, component_entry, component_object,
                        load_component)
from ftcore.plugins.components import call_component, entry_name, impl_problem


def entry_of(bound: BoundComponent, registry) -> dict[str, Any]:
    """The JSON entry of a bound component, for a stage's parameters."""
    return component_entry(bound, registry)


def default_entry(kind: str, name: str, registry) -> dict[str, Any]:
    """The entry of a component the recipe did not write (the default split method, ``random``)."""
    spec = registry.component(kind, name)
    return component_entry(BoundComponent(kind, name, {}, plugin=spec.plugin if spec else ""), registry)


def instance(entry: Mapping[str, Any], *args: Any) -> Any:
    """The component an entry names, built from its impl and checked against its kind's contract.

    Sources, split methods and formats are built without arguments (their methods take ``args``);
    a cleaner is built with ``(args, tokenizer)``, passed here as ``*args``.
    """
    kind = str(entry["component"]).partition(":")[0]
    return component_object(entry, KIND_CONTRACTS[kind], *args)


def call(entry: Mapping[str, Any], fn, *args: Any, **kwargs: Any) -> Any:
    """Call a method of the entry's component; anything but a RunError becomes a PluginError naming its plugin."""
    return call_component(entry, fn, *args, **kwargs)


def blame(entry: Mapping[str, Any], message: str) -> PluginError:
    """A PluginError naming the entry's component, plugin, distribution and version."""
    kind, name = entry_name(entry)
    return PluginError(entry.get("plugin") or "?", f'{kind.replace("_", " ")} "{name}"', message,
                       dist=entry.get("dist", "?"), version=entry.get("version", "?"))


def _where(bound: BoundComponent, fallback):
    span = bound.span
    return span if span is not None and span.line > 0 else fallback


def report_plugin_error(err: PluginError, bound: BoundComponent, diagnostics, fallback=None) -> None:
    """Report a component's failure at check time, at the position that names it, blaming its plugin."""
    diagnostics.error(f'{bound.kind.replace("_", " ")} "{bound.name}" cannot run: {err.message}',
                      _where(bound, fallback), f"a mistake in {err.provider}, which provides it: report it to its "
                                               "authors, or use another component")


def checked_object(bound: BoundComponent, registry, diagnostics, fallback=None) -> Optional[tuple[Any, dict]]:
    """``(component, entry)`` for asking a component about its arguments at check time, or None.

    None when the name is unknown or its impl cannot be found (both reported already), or when
    loading it failed (reported here). A cleaner is returned as its class (``check`` is a class
    method); the other kinds as an instance.
    """
    spec = registry.component(bound.kind, bound.name)
    if spec is None or bound.kind not in KIND_CONTRACTS or impl_problem(spec.impl) is not None:
        return None
    entry = entry_of(bound, registry)
    try:
        if bound.kind == "cleaner":
            return load_component(entry, KIND_CONTRACTS["cleaner"]), entry
        return instance(entry), entry
    except PluginError as err:
        report_plugin_error(err, bound, diagnostics, fallback)
        return None


def report_arg_problems(component: Any, entry: Mapping[str, Any], bound: BoundComponent, diagnostics,
                        fallback=None) -> bool:
    """Ask the component's ``check(args)`` and report each problem at its argument; True when there were none."""
    try:
        problems = call(entry, component.check, entry["args"])
    except PluginError as err:
        report_plugin_error(err, bound, diagnostics, fallback)
        return False
    for message, arg, hint in problems or ():
        span = bound.arg_spans.get(arg) if arg else None
        diagnostics.error(message, span if span is not None and span.line > 0 else _where(bound, fallback), hint)
    return not problems
