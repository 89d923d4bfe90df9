"""Calling hooks: observers that cannot break a run, failures blamed on their plugin, short traces.

:class:`HookRelay` is what ``host.hook`` returns. ``relay.ftcore_lower(...)`` calls the hook like
pluggy does, but

- an exception from a plugin's implementation becomes a :class:`PluginError` naming that
  plugin, its distribution and version, and the hook;
- an *observer* hook (:data:`OBSERVER_HOOKS`: they watch a run and must not change it) calls each
  implementation on its own; one that raises is reported once, as a warning, and neither the
  run nor the other plugins' implementations are affected;
- with ``FTCORE_TRACE_PLUGINS=1`` every call and result is traced to standard error in one short
  line each.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Mapping, Optional

from ftcore.plugins.errors import PluginError

OBSERVER_HOOKS = frozenset({"ftcore_stage_start", "ftcore_stage_end", "ftcore_train_step_end",
                            "ftcore_evaluation_end", "ftcore_checkpoint_saved"})
"""Hooks that observe a run: an implementation that raises is reported once and skipped."""

PASS_THROUGH = ("RunError", "PluginError", "RecipeError", "StageFailed")


def short(value: Any, width: int = 60) -> str:
    """A one-line summary of a hook argument or result, at most ``width`` characters."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        text = repr(value)
    elif isinstance(value, Mapping):
        text = "{" + ", ".join(f"{k}: {short(v, 20)}" for k, v in list(value.items())[:4]) + \
            (", ..." if len(value) > 4 else "") + "}"
    elif isinstance(value, (list, tuple)):
        text = f"[{len(value)} items]"
    else:
        ident = getattr(value, "id", None) or getattr(value, "name", None)
        text = f"<{type(value).__name__}{' ' + str(ident) if isinstance(ident, str) else ''}>"
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


class HookRelay:
    """``relay.<hook name>(**kwargs)``; see the module docstring."""

    def __init__(self, pm, plugins: Mapping[str, Mapping[str, str]], warn: Optional[Callable[[str], None]] = None,
                 trace: bool = False):
        self._pm = pm
        self._plugins = plugins
        self._warn = warn or (lambda text: print(text, file=sys.stderr))
        self._trace = trace
        self._reported: set[tuple[str, str]] = set()

    def __getattr__(self, name: str):
        if not name.startswith("ftcore_"):
            raise AttributeError(name)
        caller = getattr(self._pm.hook, name)
        if name in OBSERVER_HOOKS:
            return lambda **kwargs: self._observe(name, caller, kwargs)
        return lambda **kwargs: self._call(name, caller, kwargs)

    def blame(self, plugin: str, where: str, exc: BaseException) -> PluginError:
        """A :class:`PluginError` for ``exc`` raised by ``plugin`` in ``where``."""
        info = self._plugins.get(plugin, {})
        return PluginError(plugin, where, f"{type(exc).__name__}: {exc}", dist=info.get("dist", "?"),
                           version=info.get("version", "?"))

    def trace(self, text: str) -> None:
        """Write one trace line when tracing is on."""
        if self._trace:
            sys.stderr.write(f"[ftcore plugins] {text}\n")

    def _args(self, kwargs: Mapping[str, Any]) -> str:
        return ", ".join(f"{k}={short(v, 40)}" for k, v in kwargs.items())

    def _call(self, name: str, caller, kwargs: dict) -> Any:
        self.trace(f"{name}({self._args(kwargs)})")
        try:
            result = caller(**kwargs)
        except BaseException as exc:
            if type(exc).__name__ in PASS_THROUGH or not isinstance(exc, Exception):
                raise
            plugin = self._culprit(caller, exc)
            if plugin is None:
                raise
            raise self.blame(plugin, f"hook {name}", exc) from exc
        self.trace(f"{name} -> {short(result)}")
        return result

    def _observe(self, name: str, caller, kwargs: dict) -> None:
        self.trace(f"{name}({self._args(kwargs)})")
        for impl in reversed(caller.get_hookimpls()):
            try:
                impl.function(**{a: kwargs[a] for a in impl.argnames if a in kwargs})
            except Exception as exc:  # an observer must never stop the run
                key = (impl.plugin_name, name)
                if key not in self._reported:
                    self._reported.add(key)
                    err = self.blame(impl.plugin_name, f"hook {name}", exc)
                    self._warn(f"warning: {err.provider} failed in hook {name}: {err.message}\n"
                               "  = note: the run goes on without it; this warning is shown once")

    def _culprit(self, caller, exc: BaseException) -> Optional[str]:
        """The plugin whose hook implementation the exception passed through (outermost first)."""
        codes = {impl.function.__code__: impl.plugin_name for impl in caller.get_hookimpls()}
        tb = exc.__traceback__
        while tb is not None:
            plugin = codes.get(tb.tb_frame.f_code)
            if plugin is not None:
                return plugin
            tb = tb.tb_next
        return None
