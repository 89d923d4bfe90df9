"""Generate docs/plugin_hooks.md from the hook specifications (``python -m ftcore.plugins.hookdoc``).

A test compares the committed file with this output, so the docs cannot drift from the code.
"""

from __future__ import annotations

import inspect
import sys

from ftcore.plugins import hookspecs
from ftcore.plugins.relay import OBSERVER_HOOKS

HEADER = """# Plugin hooks

Generated from `ftcore/plugins/hookspecs.py` by `python -m ftcore.plugins.hookdoc > docs/plugin_hooks.md`;
a test fails when the two differ. See [writing a plugin](writing_plugins.md) for how a plugin is
packaged and found.

Implement a hook with `@hookimpl` (from `ftcore.api`) on a function of the same name. An
implementation may accept any subset of the arguments.

A hook implementation that raises is reported as its plugin's fault: the message names the
plugin, its distribution and version, and the hook, and `ftcore` exits with status 5. The
*observer* hooks (marked below) only watch a run: one that raises is reported once, as a
warning, and neither the run nor the other plugins' implementations are affected.
"""


def hook_names() -> list[str]:
    """The names of every hook, in the order they appear in hookspecs.py."""
    funcs = [(name, f) for name, f in vars(hookspecs).items()
             if name.startswith("ftcore_") and inspect.isfunction(f)]
    return [name for name, f in sorted(funcs, key=lambda nf: nf[1].__code__.co_firstlineno)]


def render() -> str:
    """The markdown text of docs/plugin_hooks.md."""
    out = [HEADER]
    for name in hook_names():
        func = getattr(hookspecs, name)
        sig = str(inspect.signature(func)).replace("'", "").replace('"', "")
        opts = getattr(func, "ftcore_spec", {}) or {}
        extra = " (first result wins)" if opts.get("firstresult") else ""
        if name in OBSERVER_HOOKS:
            extra += " (observer)"
        out.append(f"## `{name}`{extra}\n")
        out.append(f"```python\n{name}{sig}\n```\n")
        out.append(inspect.cleandoc(func.__doc__ or "").strip() + "\n")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(render())
