"""Errors that are a plugin's fault, not the recipe's and not ftcore's.

Every failure inside plugin code — importing it, its registration, its rules, its lowering, a
stage or a component it provides, an observer hook — is reported as a :class:`PluginError`
naming the plugin, its distribution and version, and the hook or component, so the user knows
whom to tell. The command line prints it without a traceback (``--debug`` shows one) and exits
with status 5.
"""

from __future__ import annotations

from typing import Mapping, Optional


def provider_text(plugin: str, dist: str = "?", version: str = "?") -> str:
    """``plugin "x" (distribution y 1.2)``, or ``plugin "x"`` when it came from no distribution."""
    known = dist not in ("?", "") and not dist.startswith("(")
    return f'plugin "{plugin}"' + (f" (distribution {dist} {version})" if known else "")


class PluginError(Exception):
    """A plugin failed: ``where`` says in what (``hook ftcore_lower``, ``cleaner "strip_html"``)."""

    def __init__(self, plugin: str, where: str, message: str, *, dist: str = "?", version: str = "?",
                 hint: Optional[str] = None, position: Optional[str] = None):
        self.plugin, self.where, self.message = plugin, where, message
        self.dist, self.version, self.hint, self.position = dist, version, hint, position
        super().__init__(self.render())

    def __reduce__(self):
        # Picklable whole: raised in a worker process (a ``datasets`` map with several processes),
        # it must reach the parent intact, or the pool's result thread dies and the map hangs.
        return type(self), (self.plugin, self.where, self.message), dict(self.__dict__)

    @property
    def provider(self) -> str:
        """``plugin "x" (distribution y 1.2)``: who to blame, as messages name it."""
        return provider_text(self.plugin, self.dist, self.version)

    def render(self) -> str:
        """The error as the command line prints it."""
        head = f"{self.position}: " if self.position else ""
        lines = [f"{head}error: {self.provider} failed in {self.where}: {self.message}"]
        lines.append("  = note: this is a problem in the plugin, not in your recipe or in ftcore")
        lines.append(f"  = help: {self.hint}" if self.hint else
                     f"  = help: report it to the plugin's authors, or disable it with FTCORE_DISABLE_PLUGINS={self.plugin}")
        return "\n".join(lines)


def culprit(exc: BaseException, plugins: Mapping[str, Mapping[str, str]]) -> Optional[str]:
    """The plugin whose code raised ``exc``: the innermost traceback frame in one of the plugins' packages.

    ``plugins`` maps plugin names to their registry info (``module``: the entry-point module). A
    plugin's package is the top-level package of its module.
    """
    packages = {}
    for name, info in plugins.items():
        module = str(info.get("module", ""))
        if module:
            packages.setdefault(module.split(".")[0], name)
    found = None
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        top = module.split(".")[0]
        if top in packages and top != "ftcore":
            found = packages[top]
        tb = tb.tb_next
    return found


def blame(exc: BaseException, plugins: Mapping[str, Mapping[str, str]], where: str,
          default: Optional[str] = None) -> Optional[PluginError]:
    """A :class:`PluginError` for ``exc`` raised in ``where``, naming the plugin whose code raised it
    (``default`` when no plugin frame is found); None when neither is known."""
    plugin = culprit(exc, plugins) or default
    if plugin is None:
        return None
    info = plugins.get(plugin, {})
    return PluginError(plugin, where, f"{type(exc).__name__}: {exc}", dist=info.get("dist", "?"),
                       version=info.get("version", "?"))
