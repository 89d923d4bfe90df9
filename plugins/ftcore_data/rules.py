"""Cross-block rules for ``data`` blocks, run by ``ftcore check`` (no machine-learning imports).

Data files are checked where they are written, by their ``FilePath`` parameters. Every source,
cleaner, split method and format the block names — built-in or a third party's — is asked about
its arguments through its contract (``check``, ``fields``, ``causal``, ``takes_stratify``...),
never by its name, and what it answers is reported at the recipe position that names it.
"""

from __future__ import annotations

from ftcore.api import BoundComponent, Portion

from ftcore_data import dispatch
from ftcore_data.fields import FIELD_TYPES


def split_sources(split: dict | None) -> dict[str, BoundComponent]:
    """The splits given a source of their own (``test: jsonl("test.jsonl")``)."""
    if not split:
        return {}
    return {k: v for k, v in split.items() if k in ("eval", "test") and isinstance(v, BoundComponent)}


def check_data_block(block, recipe, registry, diagnostics) -> None:
    """Every rule for one data block; problems go to ``diagnostics``."""
    _check_split(block, registry, diagnostics)
    components = list(block.get("source") or []) + list(split_sources(block.get("split")).values()) + \
        list(block.get("clean") or [])
    for bound in components:
        if isinstance(bound, BoundComponent):
            found = dispatch.checked_object(bound, registry, diagnostics, block.span)
            if found is not None:
                dispatch.report_arg_problems(*found, bound, diagnostics, block.span)
    fmt = block.get("format")
    if isinstance(fmt, BoundComponent):
        _check_format(block, fmt, recipe, registry, diagnostics)


def _check_split(block, registry, diagnostics) -> None:
    split = block.get("split")
    if not split:
        return
    span = block.span_of("split")
    portions = {k: v for k, v in split.items() if k in ("train", "eval", "test") and isinstance(v, Portion)}
    kinds = {("fraction" if p.fraction is not None else "count") for p in portions.values()}
    if len(kinds) > 1:
        diagnostics.error("split mixes percentages and counts", span,
                          "write every share as a percentage (80%) or every share as a count (500)")
        return
    if kinds == {"fraction"}:
        total = sum(p.fraction for p in portions.values())
        shares = ", ".join(f"{k} {p}" for k, p in portions.items())
        if "train" in portions and abs(total - 1.0) > 1e-9:
            diagnostics.error(f"split shares add up to {total * 100:g}%, not 100% ({shares})", span,
                              "make them add up to 100%, or leave train out to give it the rest")
        elif "train" not in portions and total >= 1.0 - 1e-9:
            diagnostics.error(f"split leaves nothing for train ({shares})", span,
                              "eval and test must add up to less than 100%")
    method = split.get("by")
    found = dispatch.checked_object(method, registry, diagnostics, span) \
        if isinstance(method, BoundComponent) else None
    if found is not None:
        obj, entry = found
        dispatch.report_arg_problems(obj, entry, method, diagnostics, span)
        if split.get("stratify") and not obj.takes_stratify:
            diagnostics.error(f"a {method.name} split cannot be stratified", span,
                              f"remove stratify, or split at random (remove by: {method.name}(...))")
        if kinds == {"count"} and not obj.takes_counts:
            diagnostics.error(f"a {method.name} split takes percentages, not counts", span,
                              "write the shares as percentages, e.g. eval: 10%")
    if not portions and not split_sources(split) and split.get("stratify"):
        diagnostics.warning("stratify has no effect: no share is split off", span)


def _check_format(block, fmt: BoundComponent, recipe, registry, diagnostics) -> None:
    model = recipe.block("model")
    task = model.get("task") if model is not None else None
    spec = registry.component("format", fmt.name)
    tasks = tuple(spec.meta.get("tasks", ())) if spec is not None else ()
    if isinstance(task, str) and tasks and task not in tasks:
        fits = [c.name for c in registry.of_kind("format") if task in c.meta.get("tasks", ())]
        diagnostics.error(f'format "{fmt.name}" does not fit the model\'s task {task}', fmt.span,
                          f"formats for {task}: {', '.join(fits)}" if fits else
                          f"format {fmt.name} is for {', '.join(tasks)}")
    found = dispatch.checked_object(fmt, registry, diagnostics, block.span)
    if found is None:
        return
    obj, entry = found
    if block.get("pack") and not obj.causal:
        causal = [c.name for c in registry.of_kind("format") if "causal_lm" in c.meta.get("tasks", ())]
        diagnostics.error(f'pack works with causal language-model formats, not "{fmt.name}"',
                          block.span_of("pack"), f"use pack with {', '.join(causal)}, or remove it")
    if not dispatch.report_arg_problems(obj, entry, fmt, diagnostics, block.span):
        return
    try:
        fields = dict(dispatch.call(entry, obj.fields, entry["args"]))
    except dispatch.PluginError as err:
        dispatch.report_plugin_error(err, fmt, diagnostics, block.span)
        return
    odd = sorted({str(kind) for kind in fields.values()} - set(FIELD_TYPES))
    if odd:
        err = dispatch.blame(entry, f'its fields() gives the type "{odd[0]}"; a field type is one of '
                                    f'{", ".join(FIELD_TYPES)}')
        dispatch.report_plugin_error(err, fmt, diagnostics, block.span)
        return
    labels = [name for name, kind in fields.items() if kind == "label"]
    stratify = (block.get("split") or {}).get("stratify")
    if stratify and labels and stratify not in labels:
        diagnostics.warning(f'stratify "{stratify}" is not the label field "{labels[0]}"',
                            block.span_of("split"), "stratify by the label to keep class shares in every split")
