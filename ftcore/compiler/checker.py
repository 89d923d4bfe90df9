"""Check a resolved recipe against the registry: every block, attribute, value and cross-block rule.

Problems are collected, never raised one by one: the result is a :class:`CheckedRecipe` plus
every diagnostic, so ``ftcore check`` shows all of them in one run.
"""

from __future__ import annotations

from typing import Any, Optional

from ftcore.compiler.binding import bind_args
from ftcore.compiler.checked import CheckedBlock, CheckedRecipe
from ftcore.lang import ast
from ftcore.lang.diagnostics import Diagnostics, did_you_mean
from ftcore.plugins.errors import PluginError
from ftcore.plugins.manager import call_impl
from ftcore.plugins.registry import Registry
from ftcore.plugins.schema import AttrSpec, BlockSpec, ConvertContext, TypeProblem


def check_module(module: ast.Module, registry: Registry, diagnostics: Diagnostics,
                 files: Optional[dict[str, str]] = None) -> CheckedRecipe:
    """Bind every block of ``module`` to its spec; report unknown names, bad values, missing parts."""
    ctx = ConvertContext(registry, diagnostics)
    recipe = CheckedRecipe(module.path, module.source, files=dict(files or {}))
    seen: dict[str, list[CheckedBlock]] = {}
    for block in module.blocks:
        spec = registry.blocks.get(block.kind)
        if spec is None:
            hint = did_you_mean(block.kind, registry.blocks) or \
                f"known blocks: {', '.join(sorted(registry.blocks))}"
            diagnostics.error(f'unknown block "{block.kind}"', block.kind_span or block.span, hint)
            continue
        checked = check_block(block, spec, ctx)
        earlier = seen.setdefault(spec.name, [])
        if earlier and not spec.multiple:
            diagnostics.error(f'block "{spec.name}" appears more than once', block.kind_span or block.span,
                              f"merge it with the one at {earlier[0].span}")
        elif spec.multiple and any(e.label == checked.label for e in earlier):
            diagnostics.error(f'two "{spec.name}" blocks are labelled {_show_label(checked.label)}',
                              checked.label_span or block.span, "give each block its own label")
        earlier.append(checked)
        recipe.blocks.append(checked)
    for spec in registry.blocks.values():
        if spec.required and spec.name not in seen:
            example = f": {spec.example}" if spec.example else ""
            diagnostics.error(f'the recipe has no "{spec.name}" block', _file_start(module.path),
                              f"add one{example}")
    return recipe


def check_block(block: ast.Block, spec: BlockSpec, ctx: ConvertContext) -> CheckedBlock:
    """Check one block (and its nested blocks) against ``spec``."""
    diags = ctx.diagnostics
    checked = CheckedBlock(spec=spec, span=block.span)
    where = block.kind_span or block.span
    if block.label is not None:
        if spec.label is None:
            diags.error(f'block "{spec.name}" takes no label', block.label.span,
                        f"write it as `{spec.name} {{ ... }}`")
        else:
            checked.label_span = block.label.span
            try:
                checked.label = spec.label.convert(block.label, ctx)
            except TypeProblem as problem:
                diags.error(f'label of "{spec.name}": {problem.message}', problem.span or block.label.span,
                            problem.hint or spec.label_help or None)
    elif spec.label_required:
        diags.error(f'block "{spec.name}" needs a label ({spec.label.description})', where,
                    spec.label_help or (f"for example: {spec.example}" if spec.example else None))
    for item in block.body:
        if isinstance(item, ast.Block):
            nested = spec.block(item.kind)
            if nested is None:
                known = [b.name for b in spec.blocks] + [a.name for a in spec.attrs]
                diags.error(f'block "{spec.name}" has no nested block "{item.kind}"', item.kind_span or item.span,
                            did_you_mean(item.kind, known))
                continue
            inner = check_block(item, nested, ctx)
            earlier = checked.nested(nested.name)
            if earlier and not nested.multiple:
                diags.error(f'block "{nested.name}" appears more than once in "{spec.name}"',
                            item.kind_span or item.span, f"merge it with the one at {earlier[0].span}")
            checked.blocks.append(inner)
            continue
        attr = spec.attr(item.name)
        if attr is None:
            known = [a.name for a in spec.attrs] + [b.name for b in spec.blocks]
            hint = did_you_mean(item.name, known) or (
                f"{spec.name} takes: {', '.join(known)}" if known else None)
            diags.error(f'unknown attribute "{item.name}" in block "{spec.name}"', item.name_span or item.span, hint)
            continue
        if attr.name in checked.spans:
            diags.error(f'attribute "{attr.name}" is set twice in block "{spec.name}"', item.name_span or item.span,
                        f"the first is at {checked.spans[attr.name]}")
            continue
        checked.spans[attr.name] = item.span
        checked.given.add(attr.name)
        claimants = ctx.registry.disputed_attrs.get((spec.name, attr.name))
        if claimants:
            diags.error(f'attribute "{attr.name}" of block "{spec.name}" is declared by several plugins: '
                        + ", ".join(f'"{p}"' for p in claimants), item.name_span or item.span,
                        "uninstall all but one, or block the others with FTCORE_DISABLE_PLUGINS=" + ",".join(claimants[1:]))
            continue
        value = bind_attribute(item, attr, spec, ctx)
        if value is not _FAILED:
            checked.attrs[attr.name] = value
    for attr in spec.attrs:
        if attr.name in checked.given:
            continue
        if attr.required:
            diags.error(f'block "{spec.name}" needs attribute "{attr.name}"', where,
                        f"add `{attr.name} ...`" + (f" — {attr.help}" if attr.help else ""))
            continue
        checked.attrs[attr.name] = default_of(attr)
    return checked


_FAILED: Any = object()


def default_of(attr: AttrSpec) -> Any:
    """The value an attribute has when the recipe does not write it."""
    if attr.is_single:
        return attr.params[0].default if not attr.params[0].required else None
    if attr.is_many:
        return []
    if any(p.required for p in attr.params):
        return None
    return {p.name: p.default for p in attr.params}


def bind_attribute(item: ast.Attribute, attr: AttrSpec, spec: BlockSpec, ctx: ConvertContext) -> Any:
    """Convert one written attribute to its value (see :mod:`ftcore.plugins.schema` for the shapes)."""
    diags = ctx.diagnostics
    what = f'attribute "{attr.name}"'
    if attr.is_single:
        if len(item.args) != 1 or item.args[0].name is not None:
            diags.error(f'{what} takes one value ({attr.params[0].type.description}), '
                        f'got {_count(item.args)}', item.span,
                        f"write it as `{attr.name} <{attr.params[0].type.description}>`")
            return _FAILED
        try:
            return attr.params[0].type.convert(item.args[0].value, ctx)
        except TypeProblem as problem:
            # "unknown source "jsnl"" says what it is about already; "seed: expected ..." needs the name
            message = problem.message if problem.message.startswith("unknown ") else f"{attr.name}: {problem.message}"
            diags.error(message, problem.span or item.span, problem.hint)
            return _FAILED
    values, extra, spans, ok = bind_args(attr.params, attr.variadic, item.args, ctx, what, item.name_span or item.span)
    if not ok:
        return _FAILED
    if attr.is_many:
        return extra
    if attr.variadic is not None:
        values[attr.variadic.name] = extra
    return values


def _count(args) -> str:
    if not args:
        return "nothing"
    named = [a.name for a in args if a.name]
    if named:
        return f'a named argument "{named[0]}"'
    return f"{len(args)} values"


def _show_label(label: Any) -> str:
    return f'"{label}"' if isinstance(label, str) else str(label)


def _file_start(path: str) -> ast.Span:
    return ast.Span(path, 1, 1, 1, 2, 0, 1)


def run_rules(recipe: CheckedRecipe, host, diagnostics: Diagnostics) -> None:
    """Call every plugin's ``ftcore_check_recipe``.

    When earlier phases already found errors, a rule may meet values that failed to bind;
    its exception is then swallowed (the errors already shown explain it). Without earlier
    errors, an exception in a rule is a bug in that plugin and propagates.
    """
    had_errors = bool(diagnostics.errors)
    for impl in reversed(host.pm.hook.ftcore_check_recipe.get_hookimpls()):
        host.hook.trace(f"ftcore_check_recipe  plugin={impl.plugin_name}")
        try:
            call_impl(impl, recipe=recipe, registry=host.registry, diagnostics=diagnostics)
        except PluginError:
            raise  # already names the plugin at fault (a component the rule asked, such as an exporter's check)
        except Exception as exc:
            if not had_errors:
                raise host.hook.blame(impl.plugin_name, "hook ftcore_check_recipe", exc) from exc
