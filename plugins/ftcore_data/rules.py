"""Cross-block rules for ``data`` blocks, run by ``ftcore check`` (no machine-learning imports)."""

from __future__ import annotations

import re
from pathlib import Path

from ftcore.plugins.schema import BoundComponent, Portion

from ftcore_data.fields import template_fields

CAUSAL_FORMATS = ("instruction", "chat", "text")


def source_path(component: BoundComponent, recipe_path: str) -> Path | None:
    """The absolute path a file source reads, relative to the file that names it; None for ``hub``."""
    if component.name == "hub" or "path" not in component.args:
        return None
    raw = Path(component.args["path"]).expanduser()
    if raw.is_absolute():
        return raw
    span = component.arg_spans.get("path") or component.span
    written_in = span.path if span is not None and span.line > 0 else recipe_path
    return (Path(written_in).resolve().parent / raw).resolve()


def split_sources(split: dict | None) -> dict[str, BoundComponent]:
    """The splits given a source of their own (``test: jsonl("test.jsonl")``)."""
    if not split:
        return {}
    return {k: v for k, v in split.items() if k in ("eval", "test") and isinstance(v, BoundComponent)}


def check_data_block(block, recipe, registry, diagnostics) -> None:
    """Every rule for one data block; problems go to ``diagnostics``."""
    _check_sources(block, recipe, diagnostics)
    _check_split(block, diagnostics)
    fmt = block.get("format")
    if isinstance(fmt, BoundComponent):
        _check_format(block, fmt, recipe, registry, diagnostics)
    for step in block.get("clean") or []:
        if step.name in ("keep_regex", "drop_regex"):
            try:
                re.compile(step.args["pattern"])
            except re.error as exc:
                diagnostics.error(f"invalid regular expression: {exc}",
                                  step.arg_spans.get("pattern", step.span), "see Python's re module syntax")


def _check_sources(block, recipe, diagnostics) -> None:
    sources = list(block.get("source") or []) + list(split_sources(block.get("split")).values())
    for src in sources:
        path = source_path(src, recipe.path)
        if path is None:
            continue
        span = src.arg_spans.get("path", src.span)
        folder = src.name in ("text_files", "disk")
        if not path.exists():
            near = sorted(p.name for p in path.parent.glob("*"))[:8] if path.parent.is_dir() else []
            hint = (f"files in {path.parent}: {', '.join(near)}" if near else
                    f"the path is relative to the recipe's folder ({path.parent})")
            diagnostics.error(f'data {"folder" if folder else "file"} "{src.args["path"]}" does not exist',
                              span, hint)
        elif folder and not path.is_dir():
            diagnostics.error(f'"{src.args["path"]}" is a file; {src.name}(...) reads a folder', span,
                              "use jsonl(...), json(...), csv(...) or parquet(...) for a single file")
        elif not folder and path.is_dir():
            diagnostics.error(f'"{src.args["path"]}" is a folder; {src.name}(...) reads a file', span,
                              'use text_files("folder") or disk("folder") for a folder')


def _check_split(block, diagnostics) -> None:
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
    if isinstance(method, BoundComponent) and method.name == "hash":
        if split.get("stratify"):
            diagnostics.error("a hash split cannot be stratified", span,
                              "remove stratify, or split at random (remove by: hash(...))")
        if kinds == {"count"}:
            diagnostics.error("a hash split takes percentages, not counts", span,
                              "write the shares as percentages, e.g. eval: 10%")
    if not portions and not split_sources(split) and split.get("stratify"):
        diagnostics.warning("stratify has no effect: no share is split off", span)


def _check_format(block, fmt: BoundComponent, recipe, registry, diagnostics) -> None:
    if fmt.name == "instruction":
        try:
            template_fields(fmt.args["template"])
        except ValueError as exc:
            diagnostics.error(f"bad instruction template: {exc}", fmt.arg_spans.get("template", fmt.span))
    model = recipe.block("model")
    task = model.get("task") if model is not None else None
    spec = registry.component("format", fmt.name)
    tasks = tuple(spec.meta.get("tasks", ())) if spec is not None else ()
    if isinstance(task, str) and tasks and task not in tasks:
        fits = [c.name for c in registry.of_kind("format") if task in c.meta.get("tasks", ())]
        diagnostics.error(f'format "{fmt.name}" does not fit the model\'s task {task}', fmt.span,
                          f"formats for {task}: {', '.join(fits)}" if fits else
                          f"format {fmt.name} is for {', '.join(tasks)}")
    if block.get("pack") and fmt.name not in CAUSAL_FORMATS:
        diagnostics.error(f'pack works with causal language-model formats, not "{fmt.name}"',
                          block.span_of("pack"), f"use pack with {', '.join(CAUSAL_FORMATS)}, or remove it")
    split = block.get("split") or {}
    stratify = split.get("stratify")
    if stratify and fmt.name == "classification" and stratify != fmt.args.get("label"):
        diagnostics.warning(f'stratify "{stratify}" is not the label field "{fmt.args.get("label")}"',
                            block.span_of("split"), "stratify by the label to keep class shares in every split")


