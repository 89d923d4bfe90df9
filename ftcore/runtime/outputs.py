"""Stage outputs read from the cache only when something uses them.

A cache hit should cost what is used of it: ``ftcore prepare`` on a warm cache prints the stages'
reports (small JSON files) and never needs the datasets or the tokenizer behind them, and opening
those would import the libraries that read them (datasets, transformers, torch: most of a warm run).
A stage's ``load`` can therefore return :class:`LazyOutputs`, which maps each output name to the
function reading it and calls that function on the first lookup of the name, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Iterator


class LazyOutputs(Mapping):
    """A read-only mapping of output name → value, each value read by its loader on first use.

    ``LazyOutputs({"rows": lambda: read_rows(), "report": lambda: read_report()})``: looking up
    ``"report"`` reads the report only. Membership, ``len`` and iteration over the names read
    nothing; ``loaded`` says which values have been read so far.
    """

    def __init__(self, loaders: Mapping[str, Callable[[], Any]]):
        self._loaders = dict(loaders)
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = self._loaders[name]()  # KeyError for an unknown name, as a dict
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)

    def __contains__(self, name: object) -> bool:
        return name in self._loaders

    @property
    def loaded(self) -> list[str]:
        """The names whose values have been read."""
        return list(self._values)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={'loaded' if k in self._values else 'not read'}" for k in self._loaders)
        return f"LazyOutputs({shown})"
