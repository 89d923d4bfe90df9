"""The component registry: every block, component and kind the loaded plugins declared.

Built by calling each plugin's ``ftcore_register_components`` with a :class:`Register` bound to
that plugin, so the registry knows who gave what and can name both plugins when two claim one
name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional

from ftcore.plugins.schema import AttrSpec, BlockSpec, ComponentSpec, Param


class PluginConflict(Exception):
    """Two plugins declared the same block attribute, component or kind."""


@dataclass
class Registry:
    """Blocks by name, components by (kind, name), kinds with help text, and plugin provenance."""

    blocks: dict[str, BlockSpec] = field(default_factory=dict)
    components: dict[tuple[str, str], ComponentSpec] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    kind_owner: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)  # problems that make every recipe fail
    disputed: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (kind, name) -> plugins
    disputed_attrs: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (block, attr) -> plugins
    contracts: dict[str, Any] = field(default_factory=dict)  # kind -> contract class (ftcore.api)
    plugins: dict[str, dict] = field(default_factory=dict)  # name -> {"version", "dist", "module"}
    extensions: dict[str, list[str]] = field(default_factory=dict)  # plugin -> ["block.attr", ...]
    pending: list = field(default_factory=list)  # (plugin, BlockSpec) extensions not applied yet

    def apply_extensions(self) -> None:
        """Merge every ``extends=True`` block declaration into the block its owner declared."""
        pending, self.pending = self.pending, []
        for plugin, spec in pending:
            if spec.name not in self.blocks:
                self.conflicts.append(f'plugin "{plugin}" extends block "{spec.name}", which no loaded plugin declares')
                continue
            Register(self, plugin)._merge(spec)

    def component(self, kind: str, name: str) -> Optional[ComponentSpec]:
        """The component ``name`` of ``kind``, or None."""
        return self.components.get((kind, name))

    def dispute(self, kind: str, name: str) -> Optional[list[str]]:
        """The plugins that all claim component ``name`` of ``kind``, or None when only one does."""
        return self.disputed.get((kind, name))

    @property
    def disputes(self) -> list[str]:
        """Every name two or more plugins claim, in words (shown by ``ftcore plugins``)."""
        out = [f'{kind} "{name}" is provided by ' + " and ".join(f'"{p}"' for p in plugins)
               for (kind, name), plugins in sorted(self.disputed.items())]
        out += [f'attribute "{attr}" of block "{block}" is declared by ' + " and ".join(f'"{p}"' for p in plugins)
                for (block, attr), plugins in sorted(self.disputed_attrs.items())]
        return out

    def names(self, kind: str) -> list[str]:
        """Every registered name of ``kind``, sorted."""
        return sorted(n for k, n in self.components if k == kind)

    def of_kind(self, kind: str) -> list[ComponentSpec]:
        """Every component of ``kind``, sorted by name."""
        return [self.components[(kind, n)] for n in self.names(kind)]

    def find(self, name: str) -> list[ComponentSpec]:
        """Every component called ``name``, whatever its kind."""
        return [c for (k, n), c in sorted(self.components.items()) if n == name]

    def provided_by(self, plugin: str) -> dict[str, list[str]]:
        """What ``plugin`` provides: ``{"blocks": [...], "<kind>": [names...]}``."""
        out: dict[str, list[str]] = {}
        for b in self.blocks.values():
            if b.plugin == plugin:
                out.setdefault("blocks", []).append(b.name)
        if self.extensions.get(plugin):
            out["block attributes"] = list(self.extensions[plugin])
        for (kind, name), c in sorted(self.components.items()):
            if c.plugin == plugin:
                out.setdefault(kind, []).append(name)
        return out


class Register:
    """The object passed to ``ftcore_register_components``: declarations go through it."""

    def __init__(self, registry: Registry, plugin: str):
        self._registry = registry
        self.plugin = plugin

    def kind(self, name: str, help: str = "", contract: Any = None) -> None:
        """Declare a family of components (``source``, ``metric``...) and the contract their impls honour.

        ``contract`` is the class every component's ``impl`` must implement (see
        :mod:`ftcore.api`). Declaring a kind that exists is allowed (plugins share kinds) unless
        the two declarations name different contracts.
        """
        reg = self._registry
        if name in reg.kinds:
            old = reg.contracts.get(name)
            if contract is not None and old is not None and old is not contract:
                reg.conflicts.append(f'component kind "{name}" is declared with different contracts by '
                                     f'"{reg.kind_owner[name]}" and "{self.plugin}"')
            elif contract is not None and old is None:
                reg.contracts[name] = contract
            return
        reg.kinds[name] = help
        reg.kind_owner[name] = self.plugin
        if contract is not None:
            reg.contracts[name] = contract

    def component(self, kind: str, name: str, params: Iterable[Param] = (), help: str = "",
                  impl: Optional[str] = None, variadic: Optional[Param] = None, **meta: Any) -> None:
        """Declare a component a recipe can call; ``impl`` is ``"module:attribute"``, imported at run time."""
        reg = self._registry
        key = (kind, name)
        if key in reg.components:
            # Not an error yet: only a recipe that uses the name is refused (see the checker).
            claimants = reg.disputed.setdefault(key, [reg.components[key].plugin])
            if self.plugin not in claimants:
                claimants.append(self.plugin)
            return
        reg.components[key] = ComponentSpec(kind, name, tuple(params), help, impl, variadic, dict(meta),
                                            self.plugin)

    def block(self, spec: BlockSpec) -> None:
        """Declare a block, or add attributes and nested blocks to one another plugin declared.

        A spec with ``extends=True`` is applied after every plugin has registered, so extending
        a block does not depend on the order plugins load in.
        """
        reg = self._registry
        spec = replace(spec, plugin=spec.plugin or self.plugin)
        if spec.extends:
            reg.pending.append((self.plugin, spec))
            return
        self._merge(spec)

    def _merge(self, spec: BlockSpec) -> None:
        reg = self._registry
        existing = reg.blocks.get(spec.name)
        if existing is None:
            reg.blocks[spec.name] = spec
            return
        attrs = list(existing.attrs)
        for a in spec.attrs:
            if existing.attr(a.name) is not None:
                owner = next((p for p, names in reg.extensions.items() if f"{spec.name}.{a.name}" in names),
                             existing.plugin)
                claimants = reg.disputed_attrs.setdefault((spec.name, a.name), [owner])
                if self.plugin not in claimants:
                    claimants.append(self.plugin)
                continue
            attrs.append(a)
            if self.plugin != existing.plugin:
                reg.extensions.setdefault(self.plugin, []).append(f"{spec.name}.{a.name}")
        nested = list(existing.blocks)
        for b in spec.blocks:
            if existing.block(b.name) is not None:
                reg.conflicts.append(
                    f'block "{spec.name}.{b.name}" is declared by both "{existing.plugin}" and "{self.plugin}"'
                )
                continue
            nested.append(b)
        reg.blocks[spec.name] = replace(existing, attrs=tuple(attrs), blocks=tuple(nested))

