"""Loading plugins: one path for the built-ins and third parties, the ``ftcore`` entry-point group.

Environment switches:

- ``FTCORE_PLUGINS=a,b``: load only these plugins (entry-point names); the allow-list.
- ``FTCORE_DISABLE_PLUGINS=a,b``: never load these.
- ``FTCORE_TRACE_PLUGINS=1``: print every hook call and its result to standard error.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from types import ModuleType
from typing import Iterable, Optional, Sequence

import pluggy

from ftcore.plugins import hookspecs
from ftcore.plugins.registry import Register, Registry

ENTRY_POINT_GROUP = "ftcore"


class PluginLoadError(Exception):
    """A plugin named in the ``ftcore`` entry-point group could not be imported."""


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its entry-point name, module, distribution and version."""

    name: str
    module: str
    dist: str
    version: str


def _split_env(name: str) -> Optional[set[str]]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _entry_points() -> list:
    return sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def create_plugin_manager(only: Optional[Sequence[str]] = None,
                          extra: Iterable[tuple[str, object]] = ()) -> tuple[pluggy.PluginManager, list[PluginInfo]]:
    """Build a plugin manager with the entry-point plugins, filtered by ``only`` and the environment.

    ``only`` restricts loading to the named entry points (tests use it to load just what they
    name); ``extra`` registers more ``(name, module_or_object)`` plugins, e.g. one a test defines.
    """
    pm = pluggy.PluginManager("ftcore")
    pm.add_hookspecs(hookspecs)
    allow = _split_env("FTCORE_PLUGINS")
    block = _split_env("FTCORE_DISABLE_PLUGINS") or set()
    infos: list[PluginInfo] = []
    for ep in _entry_points():
        if only is not None and ep.name not in only:
            continue
        if allow is not None and ep.name not in allow:
            continue
        if ep.name in block or pm.has_plugin(ep.name):
            continue
        try:
            module = ep.load()
        except Exception as exc:  # a broken third-party plugin must be named, not crash with a traceback
            raise PluginLoadError(f'plugin "{ep.name}" ({ep.value}) failed to load: {exc}') from exc
        pm.register(module, name=ep.name)
        dist = ep.dist.name if ep.dist is not None else "?"
        version = ep.dist.version if ep.dist is not None else "?"
        infos.append(PluginInfo(ep.name, ep.value, dist, version))
    for name, plugin in extra:
        if name in block:
            continue
        if isinstance(plugin, str):
            plugin = import_module(plugin)
        pm.register(plugin, name=name)
        module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__
        infos.append(PluginInfo(name, module, "(registered in code)", getattr(plugin, "__version__", "0")))
    if os.environ.get("FTCORE_TRACE_PLUGINS", "").strip() not in ("", "0"):
        pm.trace.root.setwriter(lambda text: sys.stderr.write("[ftcore plugins] " + text))
        pm.enable_tracing()
    return pm, infos


def build_registry(pm: pluggy.PluginManager, infos: Sequence[PluginInfo]) -> Registry:
    """Call every plugin's ``ftcore_register_components`` with a register bound to that plugin."""
    registry = Registry()
    for info in infos:
        registry.plugins[info.name] = {"version": info.version, "dist": info.dist, "module": info.module}
    # Call implementations one by one so each declaration is attributed to its plugin.
    for impl in pm.hook.ftcore_register_components.get_hookimpls():  # in load order
        call_impl(impl, register=Register(registry, impl.plugin_name))
    registry.apply_extensions()
    return registry


def call_impl(impl, **kwargs):
    """Call one hook implementation with the keyword arguments it declares (pluggy's convention)."""
    return impl.function(**{name: kwargs[name] for name in impl.argnames})


@dataclass
class PluginHost:
    """The plugin manager, the registry built from it, and what was loaded."""

    pm: pluggy.PluginManager
    registry: Registry
    plugins: list[PluginInfo]

    @property
    def hook(self):
        """The pluggy hook relay: ``host.hook.ftcore_lower(...)``."""
        return self.pm.hook

    def fingerprint_of(self, plugin: str) -> str:
        """``name==version`` of a plugin, as stage fingerprints hash it."""
        info = self.registry.plugins.get(plugin, {})
        return f"{plugin}=={info.get('version', '?')}"


def load_host(only: Optional[Sequence[str]] = None, extra: Iterable[tuple[str, object]] = ()) -> PluginHost:
    """Load plugins (see :func:`create_plugin_manager`) and build the registry."""
    pm, infos = create_plugin_manager(only, extra)
    return PluginHost(pm, build_registry(pm, infos), infos)
