"""What a running stage sees: where to write, the run's seed, the recipe, the graph and the hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional


@dataclass
class StageContext:
    """Passed to a stage's ``run(stage, inputs, ctx)`` and ``load(stage, ctx)``.

    ``output_dir`` is the folder the stage writes its outputs into (a temporary folder that
    becomes the cache entry, or the entry itself in ``load``); ``run_dir`` the run's folder
    (None for ``ftcore prepare``); ``cache_dir`` the cache root; ``seed`` the recipe's seed;
    ``recipe`` the :class:`~ftcore.compiler.checked.CheckedRecipe` (may be None when a worker
    loads outputs); ``graph`` the :class:`~ftcore.compiler.graph.RunGraph`; ``hook`` the pluggy
    hook relay (None outside a host); ``options`` free settings from the command line (e.g.
    ``num_proc``).
    """

    output_dir: Path
    cache_dir: Path
    run_dir: Optional[Path] = None
    seed: int = 0
    recipe: Any = None
    graph: Any = None
    hook: Any = None
    options: dict[str, Any] = field(default_factory=dict)
    logger: Optional[Callable[[str], None]] = None
    stage_id: str = ""

    def log(self, message: str) -> None:
        """Report progress; shown by the command line, silent when no logger is set."""
        if self.logger is not None:
            self.logger(f"[{self.stage_id}] {message}" if self.stage_id else message)
