"""Loading plugins: one path for the built-ins and third parties, the ``ftcore`` entry-point group.

Environment switches:

- ``FTCORE_PLUGINS=a,b``: load only these plugins (entry-point names); the allow-list.
- ``FTCORE_DISABLE_PLUGINS=a,b``: never load these.
- ``FTCORE_TRACE_PLUGINS=1``: print every hook call and its result to standard error, one short
  line each.

A plugin module may state the plugin API it was written for (``FTCORE_PLUGIN_API = "1.0"``); an
incompatible one is refused (not loaded) with a message naming what to upgrade.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Iterable, Optional, Sequence

import pluggy

from ftcore.plugins import hookspecs
from ftcore.plugins.entry_point_cache import entry_points
from ftcore.plugins.errors import PluginError
from ftcore.plugins.registry import Register, Registry
from ftcore.plugins.relay import HookRelay

ENTRY_POINT_GROUP = "ftcore"


class PluginLoadError(PluginError):
    """A plugin named in the ``ftcore`` entry-point group could not be imported."""


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its entry-point name, module, distribution and version."""

    name: str
    module: str
    dist: str
    version: str
    api: str = ""  # the FTCORE_PLUGIN_API the plugin declares ("" when it declares none)


def _split_env(name: str) -> Optional[set[str]]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _entry_points() -> list:
    return entry_points(ENTRY_POINT_GROUP)  # sorted by name


def create_plugin_manager(only: Optional[Sequence[str]] = None,
                          extra: Iterable[tuple[str, object]] = ()) -> tuple[pluggy.PluginManager, list[PluginInfo]]:
    """Build a plugin manager with the entry-point plugins, filtered by ``only`` and the environment.

    ``only`` restricts loading to the named entry points (tests use it to load just what they
    name); ``extra`` registers more ``(name, module_or_object)`` plugins, e.g. one a test defines.
    """
    pm, infos, _ = create_plugin_manager_with_refusals(only, extra)
    return pm, infos


def create_plugin_manager_with_refusals(only: Optional[Sequence[str]] = None,
                                        extra: Iterable[tuple[str, object]] = ()):
    """Like :func:`create_plugin_manager`, also returning the messages of plugins refused for their API version."""
    from ftcore.api.version import api_problem

    pm = pluggy.PluginManager("ftcore")
    pm.add_hookspecs(hookspecs)
    allow = _split_env("FTCORE_PLUGINS")
    block = _split_env("FTCORE_DISABLE_PLUGINS") or set()
    infos: list[PluginInfo] = []
    refused: list[str] = []
    for ep in _entry_points():
        if only is not None and ep.name not in only:
            continue
        if allow is not None and ep.name not in allow:
            continue
        if ep.name in block or pm.has_plugin(ep.name):
            continue
        dist = ep.dist.name if ep.dist is not None else "?"
        version = ep.dist.version if ep.dist is not None else "?"
        try:
            module = ep.load()
        except Exception as exc:  # a broken third-party plugin must be named, not crash with a traceback
            raise PluginLoadError(ep.name, f"loading its module {ep.value}", f"{type(exc).__name__}: {exc}",
                                  dist=dist, version=version,
                                  hint=f"reinstall or upgrade {dist if dist != '?' else 'it'}, or skip it with "
                                  f"FTCORE_DISABLE_PLUGINS={ep.name}"
                                  ) from exc
        problem = api_problem(getattr(module, "FTCORE_PLUGIN_API", None), ep.name, dist)
        if problem:
            refused.append(problem)
            continue
        pm.register(module, name=ep.name)
        infos.append(PluginInfo(ep.name, ep.value, dist, version, str(getattr(module, "FTCORE_PLUGIN_API", ""))))
    for name, plugin in extra:
        if name in block:
            continue
        if isinstance(plugin, str):
            plugin = import_module(plugin)
        problem = api_problem(getattr(plugin, "FTCORE_PLUGIN_API", None), name)
        if problem:
            refused.append(problem)
            continue
        pm.register(plugin, name=name)
        module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__
        infos.append(PluginInfo(name, module, "(registered in code)", getattr(plugin, "__version__", "0"),
                                str(getattr(plugin, "FTCORE_PLUGIN_API", ""))))
    return pm, infos, refused


def tracing() -> bool:
    """True when ``FTCORE_TRACE_PLUGINS`` asks for hook traces."""
    return os.environ.get("FTCORE_TRACE_PLUGINS", "").strip() not in ("", "0")


def build_registry(pm: pluggy.PluginManager, infos: Sequence[PluginInfo]) -> Registry:
    """Call every plugin's ``ftcore_register_components`` with a register bound to that plugin."""
    registry = Registry()
    for info in infos:
        registry.plugins[info.name] = {"version": info.version, "dist": info.dist, "module": info.module,
                                       "api": info.api}
    # Call implementations one by one so each declaration is attributed to its plugin.
    for impl in pm.hook.ftcore_register_components.get_hookimpls():  # in load order
        if tracing():
            sys.stderr.write(f"[ftcore plugins] ftcore_register_components  plugin={impl.plugin_name}\n")
        try:
            call_impl(impl, register=Register(registry, impl.plugin_name))
        except Exception as exc:
            info = registry.plugins.get(impl.plugin_name, {})
            raise PluginError(impl.plugin_name, "hook ftcore_register_components", f"{type(exc).__name__}: {exc}",
                              dist=info.get("dist", "?"), version=info.get("version", "?")) from exc
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
    refused: list[str] = field(default_factory=list)
    _relay: Optional[HookRelay] = None

    @property
    def hook(self) -> HookRelay:
        """The hook relay: ``host.hook.ftcore_lower(...)`` (see :mod:`ftcore.plugins.relay`)."""
        if self._relay is None:
            self._relay = HookRelay(self.pm, self.registry.plugins, trace=tracing())
        return self._relay

    def fingerprint_of(self, plugin: str) -> str:
        """``name==version`` of a plugin, as stage fingerprints hash it."""
        info = self.registry.plugins.get(plugin, {})
        return f"{plugin}=={info.get('version', '?')}"


def load_host(only: Optional[Sequence[str]] = None, extra: Iterable[tuple[str, object]] = ()) -> PluginHost:
    """Load plugins (see :func:`create_plugin_manager`) and build the registry."""
    pm, infos, refused = create_plugin_manager_with_refusals(only, extra)
    for message in refused:
        print(f"warning: {message}; it is not loaded", file=sys.stderr)
    return PluginHost(pm, build_registry(pm, infos), infos, refused)
