"""Bind arguments to declared parameters, the way Python binds a call, reporting every problem.

Used for component calls (``jsonl("x", lines: true)``) and for block attributes, which take
arguments the same way (``split train: 80%, eval: 10%``).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ftcore.lang import ast
from ftcore.lang.diagnostics import did_you_mean
from ftcore.plugins.schema import BoundComponent, ConvertContext, Param, TypeProblem, describe_value


def bind_args(params: Sequence[Param], variadic: Optional[Param], args: Sequence[ast.Arg],
              ctx: ConvertContext, what: str, span: ast.Span) -> tuple[dict[str, Any], list[Any], dict[str, ast.Span], bool]:
    """Bind ``args`` to ``params`` (and ``variadic``); report problems to ``ctx.diagnostics``.

    ``what`` names the callee in messages (``source "jsonl"``). Returns the bound values by
    name (defaults filled), the variadic values, the span of each given argument, and whether
    binding succeeded without errors.
    """
    diags = ctx.diagnostics
    before = len(diags.errors)
    values: dict[str, Any] = {}
    spans: dict[str, ast.Span] = {}
    extra: list[Any] = []
    positional = [p for p in params if p.positional]
    by_name = {p.name: p for p in params}
    pos_index = 0
    for arg in args:
        if arg.name is None:
            if variadic is not None:
                _convert_into(variadic, arg.value, ctx, extra, None)
                continue
            while pos_index < len(positional) and positional[pos_index].name in values:
                pos_index += 1
            if pos_index >= len(positional):
                count = len(positional)
                takes = f"takes {count} positional argument{'s' if count != 1 else ''}" if count else \
                    "takes no positional arguments"
                names = ", ".join(p.name for p in params if p.name not in values)
                hint = f"name the argument: one of {names}" if names else None
                diags.error(f"too many arguments: {what} {takes}", arg.value.span, hint)
                continue
            param = positional[pos_index]
            pos_index += 1
        else:
            param = by_name.get(arg.name)
            if param is None:
                names = list(by_name) or []
                hint = did_you_mean(arg.name, names) or (
                    f"{what} takes " + (", ".join(names) if names else "no named arguments"))
                diags.error(f'unknown argument "{arg.name}" for {what}', arg.name_span or arg.span, hint)
                continue
            if param.name in values:
                diags.error(f'argument "{arg.name}" given twice for {what}', arg.name_span or arg.span)
                continue
        spans[param.name] = arg.value.span
        _convert_into(param, arg.value, ctx, None, values)
    for p in params:
        if p.name not in values and p.name not in spans:
            if p.required:
                diags.error(f'{what} needs argument "{p.name}" ({p.type.description})', span,
                            f"add {p.name}: <{p.type.description}>" + (f" — {p.help}" if p.help else ""))
            else:
                values[p.name] = p.default
    return values, extra, spans, len(diags.errors) == before


def _convert_into(param: Param, value: ast.Value, ctx: ConvertContext, into_list, into_dict) -> None:
    try:
        converted = param.type.convert(value, ctx)
    except TypeProblem as problem:
        ctx.diagnostics.error(f'{param.name}: {problem.message}' if param.name not in ("value", "items")
                              else problem.message, problem.span or value.span, problem.hint)
        return
    if into_list is not None:
        into_list.append(converted)
    else:
        into_dict[param.name] = converted


def bind_component(kind: str, value: ast.Value, ctx: ConvertContext) -> BoundComponent:
    """Resolve a call or bare name as a registered component of ``kind`` and bind its arguments.

    Raises :class:`TypeProblem` when the name is unknown or the value is no call or name;
    problems inside the arguments are reported to ``ctx.diagnostics`` directly, so that all of
    them show at once.
    """
    registry = ctx.registry
    if isinstance(value, ast.Call):
        name, args, name_span = value.name, value.args, value.name_span or value.span
    elif isinstance(value, ast.Ref) and len(value.parts) == 1:
        name, args, name_span = value.parts[0], (), value.span
    else:
        words = kind.replace("_", " ")
        names = registry.names(kind)
        hint = f"one of: {', '.join(names)}" if names else None
        article = "an" if words[:1] in ("a", "e", "i", "o", "u") else "a"
        raise TypeProblem(f"expected {article} {words} such as {names[0] + '(...)' if names else 'name(...)'}, "
                          f"got {describe_value(value)}", value.span, hint)
    spec = registry.component(kind, name)
    if spec is None:
        words = kind.replace("_", " ")
        hint = did_you_mean(name, registry.names(kind))
        if hint is None:
            others = [c.kind for c in registry.find(name)]
            if others:
                hint = f'"{name}" is a {others[0].replace("_", " ")}, not a {words}'
            elif registry.names(kind):
                hint = f"known {words}s: {', '.join(registry.names(kind))}"
        raise TypeProblem(f'unknown {words} "{name}"', name_span, hint)
    claimants = registry.dispute(kind, name)
    if claimants:
        raise TypeProblem(f'{kind.replace("_", " ")} "{name}" is provided by several plugins: '
                          + ", ".join(f'"{p}"' for p in claimants), name_span,
                          "uninstall all but one, or block the others with FTCORE_DISABLE_PLUGINS="
                          + ",".join(claimants[1:]))
    values, extra, spans, _ = bind_args(spec.params, spec.variadic, args, ctx, f'{kind.replace("_", " ")} "{name}"',
                                        value.span)
    return BoundComponent(kind, name, values, spec.plugin, value.span, spans, tuple(extra))
