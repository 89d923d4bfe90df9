"""Contracts of the data components: sources, cleaners, split methods and formats.

A ``data`` block names components of four kinds; each kind's ``impl`` (the ``"module:attr"`` a
plugin registers) must be an object honouring one class below. The data stages look every
component up through the registry and call these methods only, so a third party's ``strip_html``
cleaner or ``sqlite`` source runs exactly like the built-in ones.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

IGNORE_INDEX = -100
"""The label of a token that carries no loss (PyTorch's ``ignore_index``)."""

ArgProblem = tuple[str, Optional[str], Optional[str]]
"""A problem a component finds in its arguments before anything runs: ``(message, argument name
or None, hint or None)``. ``ftcore check`` reports it at the argument's position in the recipe
(the component's own position when the name is None), as :meth:`Exporter.check` does."""


# ------------------------------------------------------------------------------------ sources


class SourceRow(NamedTuple):
    """One row a source read, or why it could not be read.

    ``location`` says where the row is, as a user would look for it: ``path:line`` for line-based
    files, ``path#index`` for indexed ones, ``table#rowid`` for a database. ``row`` is the row as
    a mapping of field names to JSON values, or its JSON object text when the source already holds
    it (saves a decode); None when ``error`` says why the row is unreadable.
    """

    location: str
    row: Union[Mapping[str, Any], str, None] = None
    error: str = ""


@dataclass
class SourceContext:
    """What a source sees while reading.

    ``paths`` maps each parameter declared with the :class:`~ftcore.api.FilePath` type to its
    absolute path (resolved against the recipe file that wrote it); ``work_dir`` is a scratch
    folder removed after the stage; ``stats`` collects counts the load report shows (a source
    may add ``blank_lines``).
    """

    paths: dict[str, Path] = field(default_factory=dict)
    work_dir: Optional[Path] = None
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, what: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``what`` shown in the load report (e.g. ``blank_lines``)."""
        self.stats[what] = self.stats.get(what, 0) + n


class Source(ABC):
    """Where rows come from (``jsonl("tickets.jsonl")``, ``sqlite("shop.db", query: ...)``).

    Stream rows: the load stage writes them to disk in batches, so a source may be larger
    than memory. Raise :class:`~ftcore.api.RunError` for a problem with the whole source (the
    file is empty, the table does not exist); yield a :class:`SourceRow` with ``error`` for one
    bad row, so validation can skip or report it with its location.
    """

    @abstractmethod
    def read(self, args: Mapping[str, Any], ctx: SourceContext) -> Iterable[SourceRow]:
        """Yield every row of the source described by ``args`` (the recipe's checked arguments)."""

    def check(self, args: Mapping[str, Any]) -> list[ArgProblem]:
        """Problems with ``args`` knowable before reading (see :data:`ArgProblem`). Default: none.

        File-path parameters declared with :class:`~ftcore.api.FilePath` are checked already."""
        return []

    def describe(self, args: Mapping[str, Any]) -> str:
        """How the load report names this source (default: its first path or ``name`` argument)."""
        for value in args.values():
            if isinstance(value, str) and value:
                return value
        return type(self).__name__


# ----------------------------------------------------------------------------------- cleaners


class Cleaner(ABC):
    """A cleaning step: a filter that keeps or drops rows, or a rewrite that changes a field.

    The clean stage builds one instance per step with ``Cleaner(args, tokenizer)`` — a class is
    the usual ``impl`` — and calls :meth:`apply` on batches of the field's values (strings, or
    lists of ``{role, content}`` messages for chat fields; :func:`text_of` and
    :func:`rewrite_text` handle both). Declare ``needs_tokenizer=True`` in
    ``register.component(...)`` to be given the model's tokenizer.
    """

    mode: str = "filter"
    """``"filter"``: :meth:`apply` returns one bool per value (True keeps the row);
    ``"rewrite"``: it returns the new value of each."""

    stateful: bool = False
    """True when the answer for a row depends on the rows before it (dedupe): the stage then
    runs the step in one process, over the rows in order."""

    def __init__(self, args: Mapping[str, Any], tokenizer: Any = None):
        self.args = dict(args)
        self.tokenizer = tokenizer

    @property
    def field(self) -> str:
        """The row field the step looks at (the ``field`` argument)."""
        return self.args["field"]

    @abstractmethod
    def apply(self, values: Sequence[Any]) -> list[Any]:
        """Keep-flags (filter) or new values (rewrite) for a batch of the field's values."""

    @classmethod
    def check(cls, args: Mapping[str, Any]) -> list[ArgProblem]:
        """Problems with ``args`` knowable before cleaning, e.g. a pattern that does not compile
        (see :data:`ArgProblem`). Called on the class, without a tokenizer. Default: none."""
        return []


def text_of(value: Any) -> str:
    """The text a filter looks at: the string, or a conversation's contents joined by newlines."""
    if isinstance(value, list):
        return "\n".join(str(m.get("content", "")) for m in value if isinstance(m, Mapping))
    return value or ""


def rewrite_text(value: Any, fn) -> Any:
    """Apply ``fn(str) -> str`` to a string, or to the content of every message of a conversation."""
    if isinstance(value, list):
        return [{**m, "content": fn(m["content"])} for m in value]
    return fn(value) if value is not None else value


# ------------------------------------------------------------------------------- split methods


class SplitMethod(ABC):
    """How rows are assigned to train/eval/test (``random``, ``hash("id")``).

    ``assign`` returns, for every split that has a share, the indices of the rows it takes; rows
    in no list go to train. ``shares`` maps ``"eval"``/``"test"``/``"train"`` to
    ``{"fraction": f}`` or ``{"count": n}``; ``values`` holds the ``field`` argument's value for
    each row when the method declares one (``stratify`` values otherwise, or None).
    """

    takes_stratify: bool = True
    """False when the method cannot honour ``stratify`` (it assigns rows by its own field):
    ``ftcore check`` then reports a stratified split that uses it."""

    takes_counts: bool = True
    """False when the method cannot cut exact counts (a hash split takes percentages only):
    ``ftcore check`` then reports shares written as counts."""

    @abstractmethod
    def assign(self, n: int, shares: Mapping[str, Any], seed: int, args: Mapping[str, Any],
               values: Optional[Sequence[str]] = None) -> dict[str, list[int]]:
        """Row indices per split name.

        Raise :class:`~ftcore.api.RunError` when the rows cannot be split as asked (more
        held-out rows asked for than there are)."""

    def check(self, args: Mapping[str, Any]) -> list[ArgProblem]:
        """Problems with ``args`` knowable before splitting (see :data:`ArgProblem`). Default: none."""
        return []


# ------------------------------------------------------------------------------------- formats


@dataclass
class Encoded:
    """One row as model inputs.

    ``input_ids`` the token ids; ``labels`` a list of token labels (``IGNORE_INDEX`` where no
    loss) for language models, an int for sequence classification; ``full_length`` the length
    before truncation; ``truncated`` whether it was cut; ``drop`` why the row cannot be used
    (empty: it can), counted in the report.
    """

    input_ids: list[int] = field(default_factory=list)
    labels: Any = None
    full_length: int = 0
    truncated: bool = False
    drop: str = ""


class Format(ABC):
    """How a validated row becomes model inputs for a task (``classification(...)``, ``chat``).

    Declare the tasks it fits in ``register.component(..., tasks=("causal_lm",))``. The tokenize
    stage calls :meth:`fields` at lowering time (what validation checks), :meth:`check_tokenizer`
    once, :meth:`prepare` once over the split rows (e.g. to collect the label set), then
    :meth:`encode` for every row.
    """

    causal: bool = True
    """True for causal language modelling: ``labels`` is a per-token list aligned with
    ``input_ids`` (``IGNORE_INDEX`` where no loss), so training rows may be packed (``pack true``).
    False otherwise (classification, seq2seq)."""

    label_kind: str = "tokens"
    """``"tokens"`` when ``labels`` is a list of token ids (causal and seq2seq formats);
    ``"class"`` when it is one class index per row (sequence classification)."""

    @abstractmethod
    def fields(self, args: Mapping[str, Any]) -> dict[str, str]:
        """The row fields the format reads and their type: ``"text"``, ``"label"``, ``"messages"``
        or ``"value"``. Runs while lowering: no heavy imports."""

    def check(self, args: Mapping[str, Any]) -> list[ArgProblem]:
        """Problems with ``args`` knowable before tokenizing, e.g. a malformed template (see
        :data:`ArgProblem`). ``ftcore check`` calls it before :meth:`fields`. Default: none."""
        return []

    def fixed_labels(self, args: Mapping[str, Any]) -> Optional[list[str]]:
        """The label set the arguments fix, in order, or None (every label seen). Validation
        reports rows whose ``"label"`` field holds another value as bad rows."""
        return None

    def check_tokenizer(self, tokenizer: Any, args: Mapping[str, Any]) -> Optional[str]:
        """Why this tokenizer cannot be used (e.g. it lacks a chat template), with how to fix it; or None."""
        return None

    def prepare(self, splits: Mapping[str, Any], args: Mapping[str, Any]) -> dict[str, Any]:
        """Facts computed once from the split rows (``datasets.Dataset`` per split name).

        The result is passed to :meth:`encode` as ``state``; a ``"label_names"`` entry (a list)
        becomes the data info's label set, stored with a classifier.
        """
        return {}

    @abstractmethod
    def encode(self, row: Mapping[str, Any], tokenizer: Any, max_length: int, args: Mapping[str, Any],
               state: Mapping[str, Any], overlength: str = "truncate") -> Encoded:
        """Encode one row; ``overlength`` is ``"truncate"`` or ``"drop"`` (mark it with ``drop``).

        Raise ``KeyError``/``ValueError`` for a row that cannot be encoded: the stage reports it
        with the row's location.
        """
