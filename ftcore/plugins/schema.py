"""What plugins declare: parameter types, component specs and block specs.

A plugin never touches the grammar. It declares, with these classes, which blocks exist, which
attributes each block holds, and which components (``jsonl``, ``hf``, ``f1``...) exist with which
typed parameters. The checker converts the recipe's AST values into plain Python values with
the types below, and reports every mismatch with its span.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from ftcore.lang import ast


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Marker default: the parameter must be given."""


class TypeProblem(Exception):
    """Raised by a :class:`ParamType` when a value does not fit; the checker turns it into a diagnostic."""

    def __init__(self, message: str, span: Optional[ast.Span] = None, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


# ---------------------------------------------------------------- values the checker produces


@dataclass(frozen=True)
class Portion:
    """An amount given either as a share of the whole (``10%``, 0.1) or as a count (``500``)."""

    fraction: Optional[float] = None
    count: Optional[int] = None

    def to_json(self) -> Any:
        """A JSON form for fingerprints and manifests."""
        return {"fraction": self.fraction} if self.fraction is not None else {"count": self.count}

    def __str__(self) -> str:
        return f"{self.fraction * 100:g}%" if self.fraction is not None else str(self.count)


@dataclass(frozen=True)
class RefValue:
    """A checked dotted reference (``tickets.test``); what it points at is checked by rules."""

    parts: tuple[str, ...]
    span: ast.Span = field(default=ast.NO_SPAN, compare=False)

    @property
    def dotted(self) -> str:
        """The reference as written."""
        return ".".join(self.parts)

    def to_json(self) -> Any:
        """A JSON form for fingerprints and manifests."""
        return self.dotted

    def __str__(self) -> str:
        return self.dotted


@dataclass(frozen=True)
class BoundComponent:
    """A component call resolved against the registry, its arguments converted and defaulted."""

    kind: str
    name: str
    args: Mapping[str, Any]
    plugin: str = ""
    span: ast.Span = field(default=ast.NO_SPAN, compare=False)
    arg_spans: Mapping[str, ast.Span] = field(default_factory=dict, compare=False)
    extra: tuple = ()  # values of a variadic parameter, in order

    def to_json(self) -> Any:
        """A JSON form for fingerprints and manifests."""
        out = {"component": f"{self.kind}:{self.name}", "args": {k: to_json(v) for k, v in self.args.items()}}
        if self.extra:
            out["extra"] = [to_json(v) for v in self.extra]
        return out

    def __str__(self) -> str:
        inner = ", ".join(f"{k}: {_short(v)}" for k, v in self.args.items())
        return f"{self.name}({inner})"


def _short(value: Any) -> str:
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if value is None:
        return "(not set)"
    return str(value)


def to_json(value: Any) -> Any:
    """Turn a checked value (nested lists, dicts, Portion, BoundComponent...) into JSON data."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def show(value: Any) -> str:
    """Render a checked value the way a recipe would write it (used by ``graph`` and ``describe``)."""
    return _short(value)


# ---------------------------------------------------------------- parameter types


class ParamType:
    """A parameter's type: describes itself in words and converts an AST value or raises TypeProblem."""

    description = "a value"

    def convert(self, value: ast.Value, ctx: "ConvertContext") -> Any:
        """Return the Python value for ``value`` or raise :class:`TypeProblem`."""
        raise NotImplementedError

    def fail(self, value: ast.Value, hint: Optional[str] = None) -> TypeProblem:
        """Build the standard "expected X, got Y" problem for ``value``."""
        return TypeProblem(f"expected {self.description}, got {describe_value(value)}", value.span, hint)

    def __str__(self) -> str:
        return self.description


class ConvertContext:
    """What a type may need while converting: the registry, to resolve component names."""

    def __init__(self, registry: Any, diagnostics: Any):
        self.registry = registry
        self.diagnostics = diagnostics

    def bind_component(self, kind: str, value: ast.Value) -> BoundComponent:
        """Resolve ``value`` (a call or bare name) as a component of ``kind``; see the checker."""
        from ftcore.compiler.binding import bind_component

        return bind_component(kind, value, self)


def describe_value(value: ast.Value) -> str:
    """Name a value's kind in words for error messages."""
    if isinstance(value, ast.Str):
        return f'the string "{value.value}"'
    if isinstance(value, ast.Num):
        return f"the number {value.text}"
    if isinstance(value, ast.Percent):
        return f"the percentage {value.text}"
    if isinstance(value, ast.Bool):
        return "true" if value.value else "false"
    if isinstance(value, ast.ListV):
        return "a list"
    if isinstance(value, ast.Ref):
        return f"the name {value.dotted}"
    if isinstance(value, ast.Call):
        return f"the call {value.name}(...)"
    return "a value"


def _num(x) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


def _bounds_text(lo, hi, lo_open=False, hi_open=False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '≥'} {_num(lo)}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '≤'} {_num(hi)}")
    return " and ".join(parts)


class _Ranged(ParamType):
    def __init__(self, min=None, max=None, min_open=False, max_open=False):
        self.min, self.max, self.min_open, self.max_open = min, max, min_open, max_open

    def _check_range(self, number, value) -> None:
        lo, hi = self.min, self.max
        if (lo is not None and (number < lo or (self.min_open and number == lo))) or (
            hi is not None and (number > hi or (self.max_open and number == hi))
        ):
            raise TypeProblem(
                f"{value.text if hasattr(value, 'text') else number} is out of range: "
                f"must be {_bounds_text(lo, hi, self.min_open, self.max_open)}",
                value.span,
            )

    @property
    def range_text(self) -> str:
        text = _bounds_text(self.min, self.max, self.min_open, self.max_open)
        return f" {text}" if text else ""


class Integer(_Ranged):
    """A whole number, optionally bounded: ``Integer(min=1)``."""

    @property
    def description(self) -> str:
        return "an integer" + self.range_text

    def convert(self, value, ctx):
        if isinstance(value, ast.Num) and isinstance(value.value, int) and not isinstance(value.value, bool):
            self._check_range(value.value, value)
            return value.value
        raise self.fail(value)


class Float(_Ranged):
    """A real number (integers accepted), optionally bounded: ``Float(min=0, max=1)``."""

    @property
    def description(self) -> str:
        return "a number" + self.range_text

    def convert(self, value, ctx):
        if isinstance(value, ast.Num):
            self._check_range(value.value, value)
            return float(value.value)
        hint = None
        if isinstance(value, ast.Percent):
            hint = f"write it as a number: {value.fraction:g}"
        raise self.fail(value, hint)


class Fraction(_Ranged):
    """A share of a whole, written ``10%`` or ``0.1``; converts to a float in [0, 1]."""

    def __init__(self, min=0.0, max=1.0, min_open=False, max_open=False):
        super().__init__(min, max, min_open, max_open)

    @property
    def description(self) -> str:
        return "a percentage or a fraction" + self.range_text

    def convert(self, value, ctx):
        if isinstance(value, ast.Percent):
            number = value.fraction
        elif isinstance(value, ast.Num):
            number = float(value.value)
        else:
            raise self.fail(value)
        self._check_range(number, value)
        return number


class PortionType(ParamType):
    """A count (``500``) or a share (``10%``): used by splits, warmup and limits."""

    description = "a count or a percentage"

    def convert(self, value, ctx):
        if isinstance(value, ast.Percent):
            if not 0 <= value.value <= 100:
                raise TypeProblem(f"{value.text} is out of range: must be between 0% and 100%", value.span)
            return Portion(fraction=value.fraction)
        if isinstance(value, ast.Num) and isinstance(value.value, int):
            if value.value < 0:
                raise TypeProblem(f"{value.text} is out of range: a count must be ≥ 0", value.span)
            return Portion(count=value.value)
        hint = None
        if isinstance(value, ast.Num):
            hint = f"write a share as a percentage: {value.value * 100:g}%"
        raise self.fail(value, hint)


class String(ParamType):
    """A string literal."""

    description = "a string"

    def convert(self, value, ctx):
        if isinstance(value, ast.Str):
            return value.value
        hint = f'put it in quotes: "{value.dotted}"' if isinstance(value, ast.Ref) else None
        raise self.fail(value, hint)


class Boolean(ParamType):
    """``true`` or ``false``."""

    description = "true or false"

    def convert(self, value, ctx):
        if isinstance(value, ast.Bool):
            return value.value
        raise self.fail(value)


class Choice(ParamType):
    """One of a fixed set of words, written bare (``causal_lm``) or quoted (``"causal_lm"``)."""

    def __init__(self, *options: str):
        self.options = tuple(options)

    @property
    def description(self) -> str:
        return "one of " + ", ".join(self.options)

    def convert(self, value, ctx):
        word = None
        if isinstance(value, ast.Str):
            word = value.value
        elif isinstance(value, ast.Ref) and len(value.parts) == 1:
            word = value.parts[0]
        if word is None:
            raise self.fail(value)
        if word not in self.options:
            from ftcore.lang.diagnostics import did_you_mean

            raise TypeProblem(f'"{word}" is not {self.description}', value.span,
                              did_you_mean(word, self.options))
        return word


class Reference(ParamType):
    """A dotted name pointing at something the recipe defines (``tickets.test``, ``eval.loss``).

    ``block`` and ``members`` declare what it may name, for editors' completion and ``ftcore
    schema``: the label of a ``block`` block (``tickets`` of ``data tickets``), followed by one of
    ``members`` when given (``tickets.test``). Whether the name exists is still checked by the
    declaring plugin's rules.
    """

    def __init__(self, what: str = "a reference", block: Optional[str] = None, members: Sequence[str] = ()):
        self.description = what
        self.block = block
        self.members = tuple(members)

    def convert(self, value, ctx):
        if isinstance(value, ast.Ref):
            return RefValue(value.parts, value.span)
        raise self.fail(value)


class Component(ParamType):
    """A registered component of ``kind``: a call ``jsonl("x")`` or a bare name ``accuracy``."""

    def __init__(self, kind: str):
        self.kind = kind
        words = kind.replace("_", " ")
        self.description = f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"

    def convert(self, value, ctx):
        return ctx.bind_component(self.kind, value)


class PathArg(str):
    """A file-path argument: the text as the recipe wrote it, and ``absolute``, resolved against
    the folder of the recipe file that wrote it."""

    absolute: str = ""

    def __new__(cls, written: str, absolute: str) -> "PathArg":
        obj = super().__new__(cls, written)
        obj.absolute = absolute
        return obj


class FilePath(ParamType):
    """A path relative to the recipe file that writes it: ``FilePath("file")``, ``FilePath("folder")``.

    ``must_exist=True`` (inputs) makes ``ftcore check`` report a path that does not exist, is the
    wrong kind (a folder for a file) or cannot be read, at the argument's position; outputs use
    ``must_exist=False``. Converts to :class:`PathArg` (a ``str`` with ``.absolute``).
    """

    def __init__(self, kind: str = "file", must_exist: bool = True):
        if kind not in ("file", "folder", "any"):
            raise ValueError('FilePath kind must be "file", "folder" or "any"')
        self.kind, self.must_exist = kind, must_exist
        self.description = {"file": "a file path", "folder": "a folder path", "any": "a path"}[kind]

    def convert(self, value, ctx):
        import os
        from pathlib import Path

        if not isinstance(value, ast.Str):
            raise self.fail(value)
        raw = Path(value.value).expanduser()
        written_in = value.span.path if value.span is not None and value.span.line > 0 else ""
        base = Path(written_in).resolve().parent if written_in else Path.cwd()
        path = raw if raw.is_absolute() else (base / raw)
        path = Path(os.path.normpath(path))
        if any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in path.parts) or len(str(path)) > 4096:
            shown = value.value if len(value.value) <= 40 else f"{value.value[:30]}...({len(value.value)} characters)"
            raise TypeProblem(f'path "{shown}" is too long: no file system has a name this long', value.span,
                              "a file or folder name has at most 255 bytes")
        if self.must_exist:
            try:
                self._check_exists(path, value)
            except OSError as exc:
                raise TypeProblem(f'path "{value.value}" cannot be used: {exc.strerror or exc}', value.span) from None
        return PathArg(value.value, str(path))

    def _check_exists(self, path, value) -> None:
        import os

        if not path.exists():
            parent = path.parent
            near = sorted(p.name for p in parent.iterdir())[:8] if parent.is_dir() else []
            hint = (f"files in {parent}: {', '.join(near)}" if near else
                    f"the path is relative to the recipe's folder ({parent})")
            raise TypeProblem(f'{"folder" if self.kind == "folder" else "file"} "{value.value}" does not exist',
                              value.span, hint)
        if self.kind == "file" and path.is_dir():
            raise TypeProblem(f'"{value.value}" is a folder, not a file', value.span)
        if self.kind == "folder" and not path.is_dir():
            raise TypeProblem(f'"{value.value}" is a file, not a folder', value.span)
        if path.is_file() and not os.access(path, os.R_OK):
            raise TypeProblem(f'file "{value.value}" cannot be read (permission denied)', value.span,
                              "give the user running ftcore read permission on it")


class ListOf(ParamType):
    """A list literal whose items all have type ``item``; a single item is accepted as a list of one."""

    def __init__(self, item: ParamType, min_items: int = 0):
        self.item = item
        self.min_items = min_items

    @property
    def description(self) -> str:
        return f"a list of {_plural(self.item.description)}"

    def convert(self, value, ctx):
        items = value.items if isinstance(value, ast.ListV) else (value,)
        out = [self.item.convert(v, ctx) for v in items]
        if len(out) < self.min_items:
            raise TypeProblem(f"expected at least {self.min_items} item(s), got {len(out)}", value.span)
        return out


class OneOf(ParamType):
    """The first of several types that accepts the value."""

    def __init__(self, *types: ParamType):
        self.types = types

    @property
    def description(self) -> str:
        return " or ".join(t.description for t in self.types)

    def convert(self, value, ctx):
        for t in self.types:
            try:
                return t.convert(value, ctx)
            except TypeProblem:
                continue
        raise self.fail(value)


def _plural(description: str) -> str:
    for article in ("a ", "an "):
        if description.startswith(article):
            rest = description[len(article):]
            head, _, tail = rest.partition(" ")
            return head + ("" if head.endswith("s") else "s") + (" " + tail if tail else "")
    return description


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Param:
    """One parameter of a component or attribute: name, type, default and help text."""

    name: str
    type: ParamType
    default: Any = REQUIRED
    help: str = ""
    positional: bool = True  # may be given without its name, in declaration order

    @property
    def required(self) -> bool:
        """True when the parameter has no default."""
        return self.default is REQUIRED


@dataclass(frozen=True)
class ComponentSpec:
    """A named thing a recipe can call: ``kind`` is its family (source, metric...), ``name`` its word.

    ``impl`` names the code that runs it as ``"module:attribute"``; it is imported only at run
    time, so checking a recipe never imports the machine-learning stack. ``meta`` carries facts
    the checker's rules use (for a metric, the tasks it fits).
    """

    kind: str
    name: str
    params: tuple[Param, ...] = ()
    help: str = ""
    impl: Optional[str] = None
    variadic: Optional[Param] = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    plugin: str = ""

    def param(self, name: str) -> Optional[Param]:
        """The parameter called ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)


@dataclass(frozen=True)
class AttrSpec:
    """An attribute a block may hold: parameters like a component's, or one value (``single``)."""

    name: str
    params: tuple[Param, ...] = ()
    help: str = ""
    variadic: Optional[Param] = None
    required: bool = False

    @classmethod
    def single(cls, name: str, type: ParamType, default: Any = REQUIRED, help: str = "",
               required: bool = False) -> "AttrSpec":
        """An attribute holding one value: ``dropout 0.1``."""
        return cls(name, (Param("value", type, default, help),), help, None, required)

    @classmethod
    def many(cls, name: str, item: ParamType, help: str = "", required: bool = False) -> "AttrSpec":
        """An attribute holding a comma-separated list: ``metrics accuracy, f1``."""
        return cls(name, (), help, Param("items", item, (), help), required)

    @property
    def is_single(self) -> bool:
        """True when the attribute holds one value (``dropout 0.1``)."""
        return len(self.params) == 1 and self.params[0].name == "value" and self.variadic is None

    @property
    def is_many(self) -> bool:
        """True when the attribute holds a list of values and nothing else."""
        return not self.params and self.variadic is not None


@dataclass(frozen=True)
class BlockSpec:
    """A block a recipe may contain: its label, attributes, nested blocks and how often it appears."""

    name: str
    help: str = ""
    attrs: tuple[AttrSpec, ...] = ()
    label: Optional[ParamType] = None  # None: the block takes no label
    label_required: bool = False
    label_help: str = ""
    blocks: tuple["BlockSpec", ...] = ()
    multiple: bool = False  # may appear several times (then labels tell them apart)
    required: bool = False
    example: str = ""
    plugin: str = ""
    extends: bool = False  # True: adds attributes/nested blocks to a block another plugin declares

    def attr(self, name: str) -> Optional[AttrSpec]:
        """The attribute called ``name``, or None."""
        return next((a for a in self.attrs if a.name == name), None)

    def block(self, name: str) -> Optional["BlockSpec"]:
        """The nested block called ``name``, or None."""
        return next((b for b in self.blocks if b.name == name), None)


def describe_params(params: Sequence[Param]) -> str:
    """A one-line signature such as ``(path: a string, lines: true or false = true)``."""
    parts = []
    for p in params:
        text = f"{p.name}: {p.type.description}"
        if not p.required:
            text += f" = {show(p.default)}"
        parts.append(text)
    return "(" + ", ".join(parts) + ")"
