"""``ftcore fmt``: print a recipe in one canonical layout, keeping its comments.

Layout: two-space indentation, one attribute per line, one blank line between top-level
blocks, around nested blocks and between groups of ``let``s and ``import``s, items in source
order, arguments separated by ``, ``, long attribute lines wrapped after commas. Numbers keep
their spelling (``5e-5``). Formatting is idempotent: formatting formatted text changes nothing.
"""

from __future__ import annotations

from typing import Optional, Union

from ftcore.lang import ast

INDENT = "  "
WIDTH = 100


def format_value(value: ast.Value) -> str:
    """One value in canonical form."""
    if isinstance(value, ast.Str):
        return quote(value.value)
    if isinstance(value, (ast.Num, ast.Percent)):
        return value.text
    if isinstance(value, ast.Bool):
        return "true" if value.value else "false"
    if isinstance(value, ast.ListV):
        return "[" + ", ".join(format_value(v) for v in value.items) + "]"
    if isinstance(value, ast.Ref):
        return value.dotted
    if isinstance(value, ast.Call):
        return f"{value.name}(" + ", ".join(format_arg(a) for a in value.args) + ")"
    raise TypeError(f"not a value: {value!r}")


def format_arg(arg: ast.Arg) -> str:
    """An argument: ``value`` or ``name: value``."""
    return (f"{arg.name}: " if arg.name else "") + format_value(arg.value)


def quote(text: str) -> str:
    """A string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


class _Printer:
    def __init__(self, module: ast.Module):
        self.lines: list[str] = []
        self.comments = sorted(module.comments, key=lambda c: c.span.start)
        self.next_comment = 0
        self.source = module.source

    def leading_comments(self, line: int, depth: int) -> None:
        # A blank line between comments, or between the comments and what follows them, is kept
        # (as one blank line): it separates a file's header from its first block.
        previous = None
        while self.next_comment < len(self.comments) and self.comments[self.next_comment].span.line < line:
            comment = self.comments[self.next_comment]
            if previous is not None and comment.span.line > previous + 1:
                self.blank()
            self.lines.append(INDENT * depth + comment.text.rstrip())
            previous = comment.span.line
            self.next_comment += 1
        if previous is not None and line < 10**9 and line > previous + 1:
            self.blank()

    def trailing_comment(self, line: int, after: Optional[int] = None) -> str:
        """The comment ending ``line``, if it follows directly (nothing but spaces from offset ``after``)."""
        if self.next_comment < len(self.comments) and self.comments[self.next_comment].span.line == line:
            start = self.comments[self.next_comment].span.start
            if after is not None and self.source and self.source[after:start].strip():
                return ""  # something else comes first on that line: the comment belongs to it
            text = self.comments[self.next_comment].text.rstrip()
            self.next_comment += 1
            return "  " + text
        return ""

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def item(self, item: Union[ast.Import, ast.Let, ast.Block], depth: int = 0) -> None:
        self.leading_comments(item.span.line, depth)
        pad = INDENT * depth
        if isinstance(item, ast.Import):
            self.lines.append(f"import {quote(item.path)}" + self.trailing_comment(item.span.end_line, item.span.end))
        elif isinstance(item, ast.Let):
            self.lines.append(f"let {item.name} = {format_value(item.value)}"
                              + self.trailing_comment(item.span.end_line, item.span.end))
        else:
            head = item.kind + (f" {format_value(item.label)}" if item.label is not None else "")
            if not item.body:
                self.lines.append(f"{pad}{head} {{}}" + self.trailing_comment(item.span.end_line, item.span.end))
                return
            same_line = item.body[0].span.line == item.span.line  # then a comment there is the item's
            self.lines.append(f"{pad}{head} {{" + ("" if same_line else self.trailing_comment(item.span.line)))
            previous = None
            for child in item.body:
                if previous is not None and (isinstance(child, ast.Block) or isinstance(previous, ast.Block)):
                    self.blank()
                if isinstance(child, ast.Block):
                    self.item(child, depth + 1)
                else:
                    self.attribute(child, depth + 1)
                previous = child
            self.leading_comments(item.span.end_line, depth + 1)
            self.lines.append(f"{pad}}}" + self.trailing_comment(item.span.end_line, item.span.end))

    def attribute(self, attr: ast.Attribute, depth: int) -> None:
        self.leading_comments(attr.span.line, depth)
        pad = INDENT * depth
        args = [format_arg(a) for a in attr.args]
        if attr.paren:
            text = f"{pad}{attr.name}(" + ", ".join(args) + ")"
        else:
            text = f"{pad}{attr.name} " + ", ".join(args)
        trailing = self.trailing_comment(attr.span.end_line, attr.span.end)
        if len(text) <= WIDTH or len(args) < 2 or attr.paren:
            self.lines.append(text + trailing)
            return
        # Wrap: first argument after the name, the rest aligned under it.
        lead = f"{pad}{attr.name} "
        self.lines.append(lead + args[0] + ",")
        for i, arg in enumerate(args[1:], start=1):
            last = i == len(args) - 1
            self.lines.append(" " * len(lead) + arg + ("" if last else ","))
        self.lines[-1] += trailing


def format_module(module: ast.Module) -> str:
    """The canonical text of a parsed (unresolved) module."""
    printer = _Printer(module)
    previous = None
    for item in module.items:
        if previous is not None and (isinstance(item, ast.Block) or type(item) is not type(previous)):
            printer.blank()
        printer.item(item)
        previous = item
    printer.leading_comments(10**9, 0)
    while printer.lines and printer.lines[-1] == "":
        printer.lines.pop()
    return "\n".join(printer.lines) + "\n" if printer.lines else ""


def format_text(text: str, path: str = "<recipe>"):
    """Format recipe text; returns (formatted text or None, diagnostics)."""
    from ftcore.lang.parser import parse

    module, diagnostics = parse(text, path)
    if diagnostics:
        return None, diagnostics
    return format_module(module), diagnostics
