"""The plugin host: hook specifications, the plugin manager and the component registry."""

import pluggy

hookimpl = pluggy.HookimplMarker("ftcore")
"""Decorator marking a plugin's hook implementation: ``@hookimpl def ftcore_...``."""

hookspec = pluggy.HookspecMarker("ftcore")
"""Decorator marking a hook specification (used only in :mod:`ftcore.plugins.hookspecs`)."""

__all__ = ["hookimpl", "hookspec"]
