"""Resolve a recipe into one self-contained module: imports merged, lets substituted, ``--set`` applied.

Merging rule for ``import "base.ftr"``: the imported file's blocks come first; a block of the
importing file with the same keyword and label overrides it attribute by attribute (nested
blocks merge the same way), and new blocks are added. Lets of the importing file override
imported lets of the same name.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Optional, Sequence, Union

from ftcore.lang import ast
from ftcore.lang.diagnostics import Diagnostics, SourceCache, did_you_mean
from ftcore.lang.parser import parse
from ftcore.lang.recipe_files import Refused, check_import, read_recipe, search_path

SET_PATH = "--set"


@dataclasses.dataclass
class Resolved:
    """The resolved module, every file it read (path -> text), and the sources for rendering errors."""

    module: ast.Module
    files: dict[str, str]
    sources: SourceCache


def _label_key(label: Optional[ast.Value]):
    if label is None:
        return None
    if isinstance(label, ast.Str):
        return ("str", label.value)
    if isinstance(label, ast.Ref):
        return ("ref", label.parts)
    return ("value", label)  # calls etc. compare structurally (spans excluded)


def _load(path: Path, diags: Diagnostics, files: dict[str, str], sources: SourceCache,
          stack: tuple[tuple[str, str], ...], import_span: Optional[ast.Span],
          unsaved: Optional[dict[str, str]] = None) -> Optional[ast.Module]:
    """Read, parse and merge one file and its imports; ``stack`` holds (resolved, shown) paths.

    ``unsaved`` maps resolved paths to text that replaces the file's content on disk (an
    editor's buffer that has not been saved yet).
    """
    shown = os.path.normpath(path)
    try:
        text = unsaved[str(path.resolve())] if unsaved and str(path.resolve()) in unsaved else \
            read_recipe(path, shown, imported=import_span is not None)
    except Refused as exc:
        diags.error(exc.message, import_span, exc.hint)
        return None
    except UnicodeDecodeError as exc:
        diags.error(f"cannot read {shown}: it is not UTF-8 text ({exc.reason} at byte {exc.start})", import_span)
        return None
    except OSError as exc:
        what = f"cannot import {shown}" if import_span else f"{shown}: cannot read recipe"
        diags.error(f"{what}: {exc.strerror or exc}", import_span,
                    "check the path; imports are relative to the importing file" if import_span else None)
        return None
    files[shown] = text
    sources.add(shown, text)
    module, errors = parse(text, shown)
    diags.extend(errors)
    if errors:
        return None
    merged_blocks: list[ast.Block] = []
    merged_lets: dict[str, ast.Let] = {}
    for imp in module.imports:
        target = (path.parent / imp.path)
        key = str(target.resolve())
        keys = [k for k, _ in stack]
        if key in keys:
            chain = [name for _, name in stack[keys.index(key):]] + [os.path.normpath(target)]
            diags.error(f"import cycle: {chain[0]} imports {', which imports '.join(chain[1:])}", imp.span,
                        "remove one of these imports: a file cannot import itself, directly or not")
            continue
        try:
            check_import(target, os.path.normpath(target), search_path(Path(stack[0][0])))
        except Refused as exc:
            diags.error(exc.message, imp.span, exc.hint)
            continue
        sub = _load(target, diags, files, sources, stack + ((key, os.path.normpath(target)),), imp.span, unsaved)
        if sub is None:
            continue
        merged_blocks = merge_blocks(merged_blocks, list(sub.blocks))
        for let in sub.lets:
            merged_lets[let.name] = let
    own_lets: dict[str, ast.Let] = {}
    for let in module.lets:
        if let.name in own_lets:
            diags.error(f'"{let.name}" is defined twice', let.name_span or let.span,
                        f"the first definition is at {own_lets[let.name].span}")
        own_lets[let.name] = let
    merged_lets.update(own_lets)
    merged_blocks = merge_blocks(merged_blocks, list(module.blocks))
    items = tuple(merged_lets.values()) + tuple(merged_blocks)
    return ast.Module(shown, items, module.comments, text)


def merge_blocks(base: list[ast.Block], override: list[ast.Block]) -> list[ast.Block]:
    """Merge ``override`` into ``base``: same keyword and label merge, others are appended.

    Each block of ``base`` merges with at most one block of ``override``; a second block of
    ``override`` with the same keyword and label is appended, so that the checker reports a
    block written twice in one file instead of silently merging the two.
    """
    out = list(base)
    merged: set[int] = set()
    for block in override:
        for i, existing in enumerate(out[:len(base)]):
            if i not in merged and existing.kind == block.kind and _label_key(existing.label) == _label_key(block.label):
                out[i] = merge_block(existing, block)
                merged.add(i)
                break
        else:
            out.append(block)
    return out


def merge_block(base: ast.Block, override: ast.Block) -> ast.Block:
    """One block overriding another attribute by attribute; nested blocks merge recursively."""
    body: list[Union[ast.Attribute, ast.Block]] = []
    own_attrs: dict[str, ast.Attribute] = {}
    for attr in override.attributes:
        own_attrs.setdefault(attr.name, attr)  # a second one stays, for the checker to report
    used: set[int] = set()
    for item in base.body:
        if isinstance(item, ast.Attribute):
            if item.name in own_attrs and id(own_attrs[item.name]) not in used:
                item = own_attrs[item.name]
                used.add(id(item))
            body.append(item)
    body.extend(a for a in override.attributes if id(a) not in used)
    nested = merge_blocks(list(base.blocks), list(override.blocks))
    return dataclasses.replace(base, body=tuple(body) + tuple(nested), span=override.span,
                               kind_span=override.kind_span)


def substitute_lets(module: ast.Module, diags: Diagnostics) -> ast.Module:
    """Replace every bare name that names a ``let`` by its value (lets may use earlier lets)."""
    env: dict[str, ast.Value] = {}
    used: set[str] = set()
    for let in module.lets:
        env[let.name] = _subst(let.value, env, used)
    blocks = tuple(_subst_block(b, env, used) for b in module.blocks)
    for let in module.lets:
        if let.name not in used:
            diags.warning(f'variable "{let.name}" is never used', let.name_span or let.span,
                          "remove it, or use it by its name")
    return dataclasses.replace(module, items=tuple(module.lets) + blocks)


def _subst(value, env, used):
    if isinstance(value, ast.Ref) and len(value.parts) == 1 and value.parts[0] in env:
        used.add(value.parts[0])
        return env[value.parts[0]]
    if isinstance(value, ast.ListV):
        return dataclasses.replace(value, items=tuple(_subst(v, env, used) for v in value.items))
    if isinstance(value, ast.Call):
        return dataclasses.replace(value, args=tuple(dataclasses.replace(a, value=_subst(a.value, env, used))
                                                     for a in value.args))
    return value


def _subst_block(block: ast.Block, env, used) -> ast.Block:
    body = []
    for item in block.body:
        if isinstance(item, ast.Block):
            body.append(_subst_block(item, env, used))
        else:
            args = tuple(dataclasses.replace(a, value=_subst(a.value, env, used)) for a in item.args)
            body.append(dataclasses.replace(item, args=args))
    label = _subst(block.label, env, used) if isinstance(block.label, ast.Call) else block.label
    return dataclasses.replace(block, body=tuple(body), label=label)


def parse_override(text: str, index: int, diags: Diagnostics, sources: SourceCache):
    """Parse one ``--set PATH=VALUE``; returns (path parts, attribute) or None after reporting."""
    path = f"{SET_PATH} #{index + 1}"
    sources.add(path, text)
    whole = ast.Span(path, 1, 1, 1, len(text) + 1, 0, len(text))
    if "=" not in text:
        diags.error(f'--set needs BLOCK.ATTRIBUTE=VALUE, got "{text}"', whole, "for example: --set train.batch=16")
        return None
    target, _, raw = text.partition("=")
    target = target.strip()
    parts = target.split(".")
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        diags.error(f'--set target "{target}" is not BLOCK.ATTRIBUTE', ast.Span(path, 1, 1, 1, len(target) + 1),
                    "for example: --set train.batch=16, or --set data.tickets.split=... for a labelled block")
        return None
    offset = text.index("=") + 1
    module, errors = parse("x {\n" + "v " + raw + "\n}\n", path)
    if errors or module.imports or len(module.items) != 1 or not module.blocks or \
            len(module.blocks[0].attributes) != 1 or module.blocks[0].blocks:
        diags.error(f'cannot read the value "{raw}" of --set {target}', ast.Span(path, 1, offset + 1, 1, len(text) + 1),
                    'write a value as in a recipe: 16, 5e-5, 10%, true, "text", [1, 2], adamw(lr: 1e-4)')
        return None
    attr = module.blocks[0].attributes[0]
    # Point every span of the value at its place on the command line.
    shift = offset - 2  # "v " occupies columns 1-2 of line 2 in the wrapper
    args = tuple(_shift(a, path, shift) for a in attr.args)
    attr = ast.Attribute(parts[-1], args, ast.Span(path, 1, 1, 1, len(text) + 1),
                         ast.Span(path, 1, 1, 1, len(target) + 1))
    return parts[:-1], attr


def _shift(node, path: str, delta: int):
    if isinstance(node, ast.Span):
        return ast.Span(path, 1, node.col + delta, 1, node.end_col + delta)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {}
        for f in dataclasses.fields(node):
            v = getattr(node, f.name)
            if isinstance(v, tuple):
                changes[f.name] = tuple(_shift(x, path, delta) for x in v)
            elif dataclasses.is_dataclass(v) or isinstance(v, ast.Span):
                changes[f.name] = _shift(v, path, delta)
        return dataclasses.replace(node, **changes)
    return node


def apply_overrides(module: ast.Module, overrides: Sequence[str], diags: Diagnostics,
                    sources: SourceCache) -> ast.Module:
    """Apply ``--set`` overrides: each replaces (or adds) one attribute of one block."""
    blocks = list(module.blocks)
    for index, text in enumerate(overrides):
        parsed = parse_override(text, index, diags, sources)
        if parsed is None:
            continue
        path, attr = parsed
        kind, rest = path[0], path[1:]
        candidates = [i for i, b in enumerate(blocks) if b.kind == kind]
        for n in range(len(rest), 0, -1):  # a label may be dotted itself: evaluate.tickets.test.batch
            labelled = [i for i in candidates if _label_text(blocks[i].label) == ".".join(rest[:n])]
            if labelled:
                candidates, rest = labelled, rest[n:]
                break
        if not candidates:
            hint = did_you_mean(kind, {b.kind for b in blocks}) or \
                f"blocks in this recipe: {', '.join(sorted({b.kind for b in blocks}))}"
            diags.error(f'--set {".".join(path)}.{attr.name}: the recipe has no block "{kind}"', attr.name_span, hint)
            continue
        if len(candidates) > 1:
            labels = ", ".join(f"{kind}.{_label_text(blocks[i].label)}" for i in candidates)
            diags.error(f'--set {".".join(path)}.{attr.name}: several "{kind}" blocks; name one by its label',
                        attr.name_span, f"one of: {labels}")
            continue
        i = candidates[0]
        blocks[i] = _set_in(blocks[i], list(rest), attr, diags)
    return dataclasses.replace(module, items=tuple(module.lets) + tuple(blocks))


def _set_in(block: ast.Block, nested: list[str], attr: ast.Attribute, diags: Diagnostics) -> ast.Block:
    if nested:
        name = nested[0]
        body = list(block.body)
        for j, item in enumerate(body):
            if isinstance(item, ast.Block) and item.kind == name:
                body[j] = _set_in(item, nested[1:], attr, diags)
                return dataclasses.replace(block, body=tuple(body))
        diags.error(f'--set: block "{block.kind}" has no nested block "{name}"', attr.name_span)
        return block
    body = list(block.body)
    for j, item in enumerate(body):
        if isinstance(item, ast.Attribute) and item.name == attr.name:
            body[j] = attr
            break
    else:
        body.insert(len(block.attributes), attr)
    return dataclasses.replace(block, body=tuple(body))


def _label_text(label) -> str:
    if isinstance(label, ast.Str):
        return label.value
    if isinstance(label, ast.Ref):
        return label.dotted
    if isinstance(label, ast.Call):
        return label.name
    return ""


def resolve_file(path: Union[str, Path], overrides: Sequence[str] = (),
                 diags: Optional[Diagnostics] = None,
                 unsaved: Optional[dict[str, str]] = None) -> tuple[Optional[Resolved], Diagnostics]:
    """Read ``path`` and everything it imports, apply ``--set`` overrides and substitute lets.

    ``unsaved`` maps resolved file paths to text read instead of the file on disk (the
    language server passes the editor's open buffers).
    """
    diags = diags if diags is not None else Diagnostics()
    files: dict[str, str] = {}
    sources = SourceCache()
    p = Path(path)
    module = _load(p, diags, files, sources, ((str(p.resolve()), os.path.normpath(p)),), None, unsaved)
    if module is None:
        return Resolved(ast.Module(str(p), ()), files, sources), diags
    module = apply_overrides(module, overrides, diags, sources)
    module = substitute_lets(module, diags)
    return Resolved(module, files, sources), diags
