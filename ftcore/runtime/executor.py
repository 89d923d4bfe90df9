"""Run a run graph: each stage in order, reused from the cache when its fingerprint is there.

For each stage the executor imports ``stage.impl`` (``"module:attr"``; a class is instantiated
once) and either calls ``impl.load(stage, ctx)`` — when the impl can be cached (has ``load``) and a complete cache entry
for the stage's fingerprint exists — or ``impl.run(stage, inputs, ctx)``, writing under a
temporary folder that is renamed into the cache only once ``run`` returned. The hooks
``ftcore_stage_start`` and ``ftcore_stage_end`` fire around every stage.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from ftcore.plugins.components import import_ref as import_impl
from ftcore.plugins.errors import PluginError, blame
from ftcore.runtime.cache import StageCache
from ftcore.runtime.context import StageContext
from ftcore.runtime.errors import RunError, StageFailed
from ftcore.runtime.hashing import fingerprint_with_content


_STAGE_CODE: dict[str, Any] = {}


def stage_code(ref: str) -> Any:
    """The object running a stage: ``impl`` imported; a class is instantiated once (with no arguments)."""
    if ref not in _STAGE_CODE:
        obj = import_impl(ref)
        _STAGE_CODE[ref] = obj() if isinstance(obj, type) else obj
    return _STAGE_CODE[ref]


@dataclass
class StageResult:
    """What happened to one stage: whether it came from the cache, and how long it took."""

    id: str
    cached: bool
    seconds: float
    output_dir: Optional[Path] = None


def needed_stages(graph, targets: Optional[Iterable[str]] = None) -> list:
    """The stages needed to produce ``targets`` (stage ids), upstream included, in run order.

    ``None`` means every stage of the graph.
    """
    order = graph.order()
    if targets is None:
        return order
    wanted: set[str] = set()
    stack = list(targets)
    while stack:
        sid = stack.pop()
        if sid in wanted:
            continue
        if sid not in graph.stages:
            raise KeyError(f'no stage "{sid}" in the run graph')
        wanted.add(sid)
        stack.extend(graph.stages[sid].upstream())
    return [s for s in order if s.id in wanted]


@dataclass
class Executor:
    """Runs (part of) a graph against a stage cache; see the module docstring.

    ``hash_content`` recomputes fingerprints from data file bytes first (leave it on unless the
    graph already has content fingerprints). ``results`` lists what happened, stage by stage.
    """

    graph: Any
    cache_dir: Path
    run_dir: Optional[Path] = None
    recipe: Any = None
    hook: Any = None
    seed: int = 0
    options: dict = field(default_factory=dict)
    logger: Optional[Callable[[str], None]] = None
    hash_content: bool = True
    plugins: dict = field(default_factory=dict)  # registry.plugins: name -> {dist, version, module}
    results: list[StageResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cache = StageCache(self.cache_dir)
        self.cache_dir = Path(self.cache_dir)
        if self.hash_content:
            fingerprint_with_content(self.graph)

    def context(self, stage, output_dir: Path) -> StageContext:
        """The context handed to ``stage``'s impl, writing into ``output_dir``."""
        return StageContext(output_dir=Path(output_dir), cache_dir=self.cache_dir, run_dir=self.run_dir,
                            seed=self.seed, recipe=self.recipe, graph=self.graph, hook=self.hook,
                            options=self.options, logger=self.logger, stage_id=stage.id)

    def run(self, targets: Optional[Iterable[str]] = None) -> dict[str, dict[str, Any]]:
        """Produce the outputs of ``targets`` (every stage when None); return outputs by stage id.

        A target whose cache entry is complete is loaded without touching its upstream stages;
        upstream stages run (or load) only when a stage that must run reads them.
        """
        order = needed_stages(self.graph, targets)
        required = {s.id for s in order} if targets is None else set(targets)
        for stage in reversed(order):
            if stage.id in required and not self._cached(stage):
                required.update(stage.upstream())
        values: dict[str, dict[str, Any]] = {}
        for stage in order:
            if stage.id not in required:
                continue
            inputs = {}
            if not self._cached(stage):
                for name, ref in stage.inputs.items():
                    sid, _, out = ref.rpartition(".")
                    if out not in values.get(sid, {}):
                        raise RunError(f'stage "{stage.id}" needs "{ref}", which stage "{sid}" did not produce')
                    inputs[name] = values[sid][out]
            values[stage.id] = self.run_stage(stage, inputs)
        return values

    def _cached(self, stage) -> bool:
        return bool(stage.impl) and hasattr(stage_code(stage.impl), "load") and bool(stage.fingerprint) \
            and self.cache.is_complete(stage)

    def run_stage(self, stage, inputs: dict[str, Any]) -> dict[str, Any]:
        """Run one stage (or load it from the cache), firing the stage hooks around it."""
        if not stage.impl:
            raise RunError(f'stage "{stage.id}" has no implementation', "this is a bug in the plugin "
                           f'"{stage.plugin}": its ftcore_lower hook must give the stage an impl')
        impl = stage_code(stage.impl)
        cacheable = hasattr(impl, "load") and bool(stage.fingerprint)
        start = time.perf_counter()
        if cacheable and self.cache.is_complete(stage):
            ctx = self.context(stage, self.cache.entry(stage))
            self._fire("ftcore_stage_start", stage=stage, ctx=ctx)
            outputs = impl.load(stage, ctx)
            self._finish(stage, ctx, outputs, True, start)
            return outputs
        if cacheable:
            tmp = self.cache.begin(stage)
        else:
            tmp = (self.run_dir / "stages" / stage.id) if self.run_dir else \
                self.cache_dir / "_scratch" / stage.id / stage.fingerprint
            tmp.mkdir(parents=True, exist_ok=True)
        ctx = self.context(stage, tmp)
        self._fire("ftcore_stage_start", stage=stage, ctx=ctx)
        try:
            outputs = impl.run(stage, inputs, ctx)
        except RunError as exc:
            if cacheable:
                self.cache.abandon(tmp)
            raise exc if isinstance(exc, StageFailed) else StageFailed(stage.id, exc) from exc
        except BaseException as exc:
            if cacheable:
                self.cache.abandon(tmp)
            where = str(stage.span) if stage.span is not None and stage.span.line > 0 else None
            if isinstance(exc, PluginError) and exc.position is None:
                exc.position = where  # the recipe text that asked for the stage
            elif isinstance(exc, Exception) and not isinstance(exc, PluginError):
                err = blame(exc, self.plugins, f'stage "{stage.id}"', default=stage.plugin if self.plugins else None)
                if err is not None:
                    err.position = where
                    raise err from exc
            raise
        if cacheable:
            final = self.cache.commit(stage, tmp)
            ctx = self.context(stage, final)
            outputs = impl.load(stage, ctx)  # read back from the committed entry, not the moved temp
        self._finish(stage, ctx, outputs, False, start)
        return outputs

    def _finish(self, stage, ctx, outputs, cached: bool, start: float) -> None:
        self.results.append(StageResult(stage.id, cached, time.perf_counter() - start, ctx.output_dir))
        ctx.log("cached" if cached else f"done in {time.perf_counter() - start:.1f}s")
        self._fire("ftcore_stage_end", stage=stage, ctx=ctx, outputs=outputs, cached=cached)

    def _fire(self, name: str, **kwargs) -> None:
        if self.hook is not None:
            getattr(self.hook, name)(**kwargs)

    @property
    def cache_hits(self) -> list[str]:
        """Ids of the stages loaded from the cache in this executor's runs."""
        return [r.id for r in self.results if r.cached]

    @property
    def executed(self) -> list[str]:
        """Ids of the stages that ran (were not cached)."""
        return [r.id for r in self.results if not r.cached]


def run_graph(graph, cache_dir, *, targets: Optional[Iterable[str]] = None, **kwargs) -> tuple[dict, Executor]:
    """Convenience: build an :class:`Executor` and run; returns ``(outputs by stage id, executor)``."""
    executor = Executor(graph, Path(cache_dir), **kwargs)
    return executor.run(targets), executor


def load_stage_outputs(graph, stage_id: str, cache_dir, *, recipe: Any = None, seed: int = 0,
                       hash_content: bool = False, options: Optional[dict] = None) -> dict[str, Any]:
    """Read a cached stage's outputs without running anything (for training worker processes).

    ``graph`` must carry the same fingerprints the preparing process used: pass the graph it
    saved, or recompile the recipe and set ``hash_content=True`` to re-hash the data files.
    Raises :class:`RunError` when the stage was not prepared.
    """
    if hash_content:
        fingerprint_with_content(graph)
    stage = graph[stage_id]
    cache = StageCache(cache_dir)
    if not cache.is_complete(stage):
        raise RunError(f'stage "{stage_id}" has no prepared output (fingerprint {stage.fingerprint}) '
                       f"in {cache_dir}", "run `ftcore prepare RECIPE` first, with the same cache folder")
    impl = stage_code(stage.impl)
    ctx = StageContext(output_dir=cache.entry(stage), cache_dir=Path(cache_dir), seed=seed, recipe=recipe,
                       graph=graph, options=dict(options or {}), stage_id=stage_id)
    return impl.load(stage, ctx)
