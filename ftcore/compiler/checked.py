"""The checked recipe: every block's attributes converted to Python values, defaults filled in.

This is what rules (``ftcore_check_recipe``), lowering (``ftcore_lower``) and, through the run
graph, the stages see. Spans are kept so later phases can still point at the recipe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ftcore.lang import ast
from ftcore.plugins.schema import BlockSpec


@dataclass
class CheckedBlock:
    """One block: its spec, label, attribute values (with spans) and nested blocks."""

    spec: BlockSpec
    label: Any = None
    label_span: Optional[ast.Span] = None
    attrs: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, ast.Span] = field(default_factory=dict)  # attribute name -> where it was written
    given: set[str] = field(default_factory=set)  # attributes written in the recipe (not defaulted)
    blocks: list["CheckedBlock"] = field(default_factory=list)
    span: ast.Span = ast.NO_SPAN

    @property
    def kind(self) -> str:
        """The block's keyword (``data``, ``train``...)."""
        return self.spec.name

    @property
    def plugin(self) -> str:
        """The plugin that declared the block."""
        return self.spec.plugin

    def __getitem__(self, name: str) -> Any:
        return self.attrs[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The value of attribute ``name`` or ``default``."""
        return self.attrs.get(name, default)

    def span_of(self, name: str) -> ast.Span:
        """Where attribute ``name`` was written, or the block's span when it was defaulted."""
        return self.spans.get(name, self.span)

    def nested(self, kind: str) -> list["CheckedBlock"]:
        """Nested blocks of ``kind``."""
        return [b for b in self.blocks if b.kind == kind]


@dataclass
class CheckedRecipe:
    """Every top-level block of the resolved recipe, checked, plus where it came from."""

    path: str
    source: str
    blocks: list[CheckedBlock] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # every file read (imports too) -> text
    sources: Any = None  # SourceCache of every file and --set text, for rendering later diagnostics
    warnings: list = field(default_factory=list)  # warning diagnostics found while compiling

    @property
    def name(self) -> str:
        """The recipe's name: the label of its ``recipe`` block, else the file's stem."""
        block = self.block("recipe")
        if block is not None and isinstance(block.label, str):
            return block.label
        from pathlib import Path

        return Path(self.path).stem

    def block(self, kind: str, label: Any = None) -> Optional[CheckedBlock]:
        """The first block of ``kind`` (with ``label``, when given), or None."""
        for b in self.blocks:
            if b.kind == kind and (label is None or b.label == label):
                return b
        return None

    def blocks_of(self, kind: str) -> list[CheckedBlock]:
        """Every block of ``kind``, in order."""
        return [b for b in self.blocks if b.kind == kind]
