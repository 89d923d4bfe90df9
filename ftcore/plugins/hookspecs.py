"""Every hook ftcore calls. The docstrings are the documentation: docs/plugin_hooks.md shows them.

Implement a hook with :data:`ftcore.plugins.hookimpl` in a module named in your distribution's
``ftcore`` entry-point group::

    [project.entry-points.ftcore]
    my_metrics = "my_package.plugin"

Hooks are called with keyword arguments; an implementation may accept any subset of them.

An exception raised in a hook implementation is reported as that plugin's fault (naming the
plugin, its distribution and version, and the hook; exit status 5). The *observer* hooks
(``ftcore_stage_start``, ``ftcore_stage_end``, ``ftcore_train_step_end``,
``ftcore_evaluation_end``, ``ftcore_checkpoint_saved``) only watch a run: an implementation that
raises is reported once, as a warning, and neither the run nor the other plugins'
implementations of the hook are affected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ftcore.plugins import hookspec

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from collections.abc import Mapping

    from ftcore.compiler.checked import CheckedRecipe
    from ftcore.compiler.graph import RunGraph, Stage
    from ftcore.lang.diagnostics import Diagnostics
    from ftcore.plugins.registry import Register, Registry
    from ftcore.runtime.context import StageContext


@hookspec
def ftcore_register_components(register: "Register") -> None:
    """Declare the blocks, components and component kinds this plugin provides.

    ``register.block(BlockSpec(...))`` adds a block (or, for an existing block, more attributes);
    ``register.component(kind, name, params=[...], help=..., impl="module:attr", **meta)`` adds a
    component a recipe can call; ``register.kind(name, help)`` adds a family of components. The
    core records which plugin gave what and reports two plugins claiming one name. Called once,
    when the registry is built; must not import heavy libraries.
    """


@hookspec
def ftcore_check_recipe(recipe: "CheckedRecipe", registry: "Registry", diagnostics: "Diagnostics") -> None:
    """Check rules that span blocks, after every value has been type-checked.

    ``recipe`` holds the checked blocks (values converted, defaults filled, spans kept). Report
    each problem with ``diagnostics.error(message, span, hint)``; do not raise. Called for every
    plugin; all problems from all plugins are reported together.
    """


@hookspec
def ftcore_lower(recipe: "CheckedRecipe", graph: "RunGraph", registry: "Registry") -> None:
    """Add the stages for the blocks this plugin owns to ``graph``.

    Use ``graph.add_stage(...)`` with typed inputs that name other stages' outputs. Called in
    plugin order after checking succeeded; the core computes fingerprints afterwards.
    """


@hookspec
def ftcore_graph_pass(graph: "RunGraph", recipe: "CheckedRecipe", diagnostics: "Diagnostics") -> None:
    """Inspect or rewrite the lowered run graph (plan resources, lint, fill derived settings).

    Passes run after lowering, before fingerprints are computed, so a pass may change a stage's
    parameters. Order passes with ``tryfirst``/``trylast``. Report problems to ``diagnostics``.
    """


@hookspec
def ftcore_stage_start(stage: "Stage", ctx: "StageContext") -> None:
    """Called by the executor just before a stage runs or is loaded from the cache.

    An observer: if it raises, ftcore reports it once and goes on (see the module docstring).

    ``stage`` is the :class:`~ftcore.compiler.graph.Stage` (id, kind, params, fingerprint);
    ``ctx`` its :class:`~ftcore.runtime.context.StageContext` (``output_dir``, ``seed``, ``log``).
    Use it to log, time or trace stages; it must not change the stage.
    """


@hookspec
def ftcore_stage_end(stage: "Stage", ctx: "StageContext", outputs: "Mapping[str, Any]", cached: bool) -> None:
    """Called by the executor after a stage produced its outputs.

    An observer: if it raises, ftcore reports it once and goes on (see the module docstring).

    ``outputs`` maps output names to values (datasets, dicts, models); ``cached`` is True when
    they were loaded from the stage cache instead of computed. A stage's ``load`` may return a
    read-only mapping that reads each value on first lookup (:class:`ftcore.api.LazyOutputs`), so
    an observer pays only for the outputs it looks at. Called only for stages that succeeded; a
    failing stage raises instead.
    """


@hookspec(firstresult=True)
def ftcore_build_engine(model: Any, config: dict, param_groups: list, lr_lambda: Any) -> Optional[Any]:
    """Build the training engine for ``model``; the first plugin returning non-None wins.

    ``config`` is the DeepSpeed config ftcore generated and checked (``train_batch_size`` filled
    for the actual number of processes); ``param_groups`` the optimizer groups (weights with
    weight decay, biases and norms without); ``lr_lambda(step)`` the learning-rate multiplier of
    the recipe's schedule. Return an object with DeepSpeed's engine interface (``__call__``,
    ``backward``, ``step``, ``save_checkpoint``, ``load_checkpoint``, ``module``), or None to leave it
    to the next plugin. When every plugin returns None, the recipe's ``engine`` component builds it
    through its contract (:class:`ftcore.api.Engine`; ``deepspeed`` calls ``deepspeed.initialize``).
    """


@hookspec(firstresult=True)
def ftcore_load_predictor(model_dir: Any, options: Any) -> Optional[Any]:
    """Load the model in ``model_dir`` for ``ftcore predict``; the first plugin returning non-None wins.

    ``model_dir`` is a folder in the Hugging Face layout (a run's ``model/``, an export, or any
    compatible folder); ``options`` a :class:`ftcore.api.PredictOptions`. Return a
    :class:`ftcore.api.Predictor`, or None when the folder is not one this plugin can load. Raise
    :class:`ftcore.api.RunError` for a folder it recognises but cannot use (the message is shown).
    """


@hookspec
def ftcore_train_step_end(step: int, total: int, metrics: dict, run_dir: Any) -> None:
    """Called on the first process after every optimizer step.

    An observer: if it raises, ftcore reports it once and goes on (see the module docstring).

    ``step`` counts optimizer steps from 1 up to ``total``; ``metrics`` holds at least ``loss``
    (averaged over the step's micro-batches and processes) and ``lr``; ``run_dir`` is the run's
    folder. Use it for custom logging; it must not change training.
    """


@hookspec
def ftcore_evaluation_end(step: Optional[int], split: str, metrics: dict, run_dir: Any) -> None:
    """Called on the first process after an evaluation.

    An observer: if it raises, ftcore reports it once and goes on (see the module docstring).

    During training ``split`` is ``"eval"`` and ``step`` the optimizer step; for an ``evaluate``
    block after training, ``split`` is its reference (``tickets.test``) and ``step`` is None.
    ``metrics`` maps metric names (``loss``, ``accuracy``, ``f1``...) to numbers.
    """


@hookspec
def ftcore_checkpoint_saved(path: Any, step: int, run_dir: Any) -> None:
    """Called on the first process once a checkpoint is complete and renamed into place.

    An observer: if it raises, ftcore reports it once and goes on (see the module docstring).

    ``path`` is the checkpoint folder (``checkpoints/step-0000050``), whose contents are final;
    use it to copy checkpoints elsewhere. Older checkpoints may already have been pruned.
    """
