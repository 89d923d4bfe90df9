"""The recipe AST: plain dataclasses, every node carrying the span it came from.

The grammar is generic (blocks, attributes, values, calls); what a block may hold is decided
later by the checker against the plugins' declared schemas. Nodes are immutable so that the
resolver (imports, lets, ``--set``) builds new trees instead of mutating shared ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union


@dataclass(frozen=True)
class Span:
    """A region of one source file: 1-based line and column, end exclusive, plus offsets."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    start: int = 0
    end: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


# The span given to values that did not come from a file (e.g. defaults).
NO_SPAN = Span("<none>", 0, 0, 0, 0)


@dataclass(frozen=True)
class Str:
    """A string literal: ``"data/train.jsonl"``."""

    value: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Num:
    """An integer or float literal; ``text`` is the spelling in the source (``5e-5``)."""

    value: Union[int, float]
    text: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Percent:
    """A percentage literal such as ``10%``; ``value`` is the number before ``%`` (10)."""

    value: Union[int, float]
    text: str
    span: Span = field(default=NO_SPAN, compare=False)

    @property
    def fraction(self) -> float:
        """The percentage as a fraction of one (``10%`` is 0.1)."""
        return self.value / 100


@dataclass(frozen=True)
class Bool:
    """``true`` or ``false``."""

    value: bool
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class ListV:
    """A list literal: ``["q_proj", "v_proj"]``."""

    items: tuple["Value", ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Ref:
    """A bare or dotted name: ``accuracy``, ``tickets.test``, ``eval.loss``, ``max_len``."""

    parts: tuple[str, ...]
    span: Span = field(default=NO_SPAN, compare=False)

    @property
    def dotted(self) -> str:
        """The reference as written: parts joined by dots."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Arg:
    """One argument of a call or attribute; ``name`` is None for a positional one."""

    name: Optional[str]
    value: "Value"
    span: Span = field(default=NO_SPAN, compare=False)
    name_span: Optional[Span] = field(default=None, compare=False)


@dataclass(frozen=True)
class Call:
    """A component call: ``jsonl("data/x.jsonl")``, ``f1(average: "macro")``."""

    name: str
    args: tuple[Arg, ...]
    span: Span = field(default=NO_SPAN, compare=False)
    name_span: Optional[Span] = field(default=None, compare=False)


Value = Union[Str, Num, Percent, Bool, ListV, Ref, Call]


@dataclass(frozen=True)
class Attribute:
    """``name arg, arg, key: arg`` inside a block.

    ``paren`` is true when the attribute was written as a call statement,
    ``early_stop(patience: 2)``, which means the same as ``early_stop patience: 2``.
    """

    name: str
    args: tuple[Arg, ...]
    span: Span = field(default=NO_SPAN, compare=False)
    name_span: Optional[Span] = field(default=None, compare=False)
    paren: bool = False


@dataclass(frozen=True)
class Block:
    """``kind [label] { attributes and nested blocks }``."""

    kind: str
    label: Optional[Value]
    body: tuple[Union[Attribute, "Block"], ...]
    span: Span = field(default=NO_SPAN, compare=False)
    kind_span: Optional[Span] = field(default=None, compare=False)

    @property
    def attributes(self) -> tuple[Attribute, ...]:
        """The attributes of the body, in source order."""
        return tuple(item for item in self.body if isinstance(item, Attribute))

    @property
    def blocks(self) -> tuple["Block", ...]:
        """The nested blocks of the body, in source order."""
        return tuple(item for item in self.body if isinstance(item, Block))


@dataclass(frozen=True)
class Let:
    """``let name = value``: a variable that later values may refer to by its bare name."""

    name: str
    value: Value
    span: Span = field(default=NO_SPAN, compare=False)
    name_span: Optional[Span] = field(default=None, compare=False)


@dataclass(frozen=True)
class Import:
    """``import "base.ftr"``: the importing file's blocks override the imported ones."""

    path: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Comment:
    """A ``#`` comment, kept so that ``ftcore fmt`` does not lose it."""

    text: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True)
class Module:
    """One parsed ``.ftr`` file: its items in source order, and its comments."""

    path: str
    items: tuple[Union[Import, Let, Block], ...]
    comments: tuple[Comment, ...] = ()
    source: str = field(default="", compare=False, repr=False)

    @property
    def imports(self) -> tuple[Import, ...]:
        """The file's ``import`` statements."""
        return tuple(i for i in self.items if isinstance(i, Import))

    @property
    def lets(self) -> tuple[Let, ...]:
        """The file's ``let`` statements."""
        return tuple(i for i in self.items if isinstance(i, Let))

    @property
    def blocks(self) -> tuple[Block, ...]:
        """The file's top-level blocks."""
        return tuple(i for i in self.items if isinstance(i, Block))
