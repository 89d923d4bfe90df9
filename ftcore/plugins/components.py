"""Components at run time: the registry entry a stage carries, and loading its ``impl``.

Lowering turns every component a stage will run into an *entry* (JSON data: kind, name,
arguments, providing plugin and distribution, ``impl``) with :func:`component_entry`; the stage
gets the code back with :func:`load_component`, which checks it honours the contract the kind
declared and blames the plugin — by name, distribution and version — when it does not.
:func:`impl_problem` finds a broken ``impl`` without importing it (:mod:`ftcore.plugins.module_names`), for
``ftcore check``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any, Mapping, Optional

from ftcore.plugins.errors import PluginError
from ftcore.plugins.module_names import top_level_names
from ftcore.plugins.schema import BoundComponent, to_json

_LOADED: dict[str, Any] = {}


def component_entry(bound: BoundComponent, registry) -> dict[str, Any]:
    """The JSON entry of a bound component for a stage's parameters.

    Holds ``component`` (``kind:name``), ``args`` (as checked), ``paths`` (absolute paths of the
    file-path parameters), ``impl``, ``plugin``, ``dist`` and ``version``. The distribution and
    version make the stage's fingerprint change when the code providing the component changes.
    """
    spec = registry.component(bound.kind, bound.name)
    info = registry.plugins.get(spec.plugin if spec else bound.plugin, {})
    entry = {"component": f"{bound.kind}:{bound.name}", "args": to_json(dict(bound.args)),
             "impl": spec.impl if spec else None, "plugin": spec.plugin if spec else bound.plugin,
             "dist": info.get("dist", "?"), "version": info.get("version", "?")}
    paths = {k: v.absolute for k, v in bound.args.items() if hasattr(v, "absolute")}
    if paths:
        entry["paths"] = paths
    if bound.extra:
        entry["extra"] = to_json(list(bound.extra))
    return entry


def entry_name(entry: Mapping[str, Any]) -> tuple[str, str]:
    """``(kind, name)`` of an entry."""
    kind, _, name = str(entry["component"]).partition(":")
    return kind, name


def _blame(entry: Mapping[str, Any], message: str, hint: Optional[str] = None) -> PluginError:
    kind, name = entry_name(entry)
    return PluginError(entry.get("plugin") or "?", f'{kind.replace("_", " ")} "{name}"', message,
                       dist=entry.get("dist", "?"), version=entry.get("version", "?"), hint=hint)


def import_ref(ref: str) -> Any:
    """Import ``"module:attr.sub"`` and return the attribute."""
    module, _, attr = ref.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


def load_component(entry: Mapping[str, Any], contract: Optional[type] = None) -> Any:
    """The object the entry's ``impl`` names: a class implementing ``contract``, or an instance of one.

    Raises :class:`PluginError` naming the plugin when the impl is missing, cannot be imported,
    or does not honour ``contract``.
    """
    ref = entry.get("impl")
    if not ref:
        raise _blame(entry, "the component declares no impl, so it cannot run",
                     'register it with impl="module:ClassName"')
    if ref not in _LOADED:
        try:
            _LOADED[ref] = import_ref(ref)
        except Exception as exc:  # the plugin's code, whatever it raised
            raise _blame(entry, f'its impl "{ref}" cannot be loaded: {type(exc).__name__}: {exc}') from exc
    obj = _LOADED[ref]
    if contract is not None and not (isinstance(obj, contract) or
                                     (isinstance(obj, type) and issubclass(obj, contract))):
        raise _blame(entry, f'its impl "{ref}" does not implement {contract.__module__}.{contract.__name__}',
                     f"make it a subclass of ftcore.api.{contract.__name__}")
    return obj


def component_object(entry: Mapping[str, Any], contract: Optional[type] = None, *args: Any) -> Any:
    """An instance of the entry's impl: the class called with ``args``, or the registered instance."""
    obj = load_component(entry, contract)
    if not isinstance(obj, type):
        return obj
    try:
        return obj(*args)
    except Exception as exc:
        raise _blame(entry, f"creating it failed: {type(exc).__name__}: {exc}") from exc


def call_component(entry: Mapping[str, Any], fn, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` (a method of the entry's component); blame the plugin for anything but a RunError."""
    from ftcore.runtime.errors import RunError

    try:
        return fn(*args, **kwargs)
    except (RunError, PluginError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise _blame(entry, f"{type(exc).__name__}: {exc}") from exc


def impl_problem(ref: Optional[str]) -> Optional[str]:
    """Why ``ref`` (``"module:attr"``) cannot be loaded, found without running the module; None if it looks fine.

    The module is located with ``importlib.util.find_spec`` (its parent packages are imported,
    which plugins keep light) and its source is parsed to see that ``attr`` is defined at top
    level. A module that defines names dynamically is given the benefit of the doubt.
    """
    if not ref:
        return "it declares no impl, so it cannot run"
    module, sep, attr = ref.partition(":")
    if not sep or not module or not attr:
        return f'impl "{ref}" is not of the form "module:attribute"'
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        return f'impl "{ref}": module "{module}" cannot be found ({exc})'
    if spec is None:
        return f'impl "{ref}": no module "{module}" is installed'
    if spec.origin is None or not spec.origin.endswith(".py"):
        return None
    try:
        names = top_level_names(spec.origin)
    except (OSError, SyntaxError, ValueError) as exc:
        return f'impl "{ref}": module "{module}" cannot be read: {exc}'
    return _attr_problem(ref, module, attr, names)


def _attr_problem(ref: str, module: str, attr: str, names) -> Optional[str]:
    if names is None:
        return None
    head = attr.split(".")[0]
    if head not in names:
        from ftcore.lang.diagnostics import did_you_mean

        near = did_you_mean(head, sorted(n for n in names if not n.startswith("_")))
        return f'impl "{ref}": module "{module}" has no "{head}"' + (f" ({near})" if near else "")
    return None
