"""ftcore's public plugin API: everything a plugin may import from ftcore, in one place.

A plugin distribution imports from ``ftcore.api`` (and ``ftcore.testing`` in its tests) and
nothing else from ftcore; names here keep their meaning within a major version of
:data:`PLUGIN_API_VERSION`. A plugin module states the version it was written for::

    FTCORE_PLUGIN_API = "1.0"

and ftcore refuses to load a plugin written for an incompatible version, naming what to upgrade.

- Hooks: :data:`hookimpl` marks implementations of the hooks in ``ftcore.plugins.hookspecs``
  (documented in docs/plugin_hooks.md).
- Declarations: :class:`Param` and the parameter types, :class:`AttrSpec`, :class:`BlockSpec`.
- Contracts, one per component kind: :class:`Source`, :class:`Cleaner`, :class:`SplitMethod`,
  :class:`Format`, :class:`Metric`, :class:`ModelSource`, :class:`Adapter`, :class:`Optimizer`,
  :class:`Schedule`, :class:`Engine`, :class:`Exporter`, :class:`Objective` (what training
  minimises, with :class:`ObjectiveStep`); :class:`Predictor` (with :class:`PredictOptions`) for
  ``ftcore predict``.
- Run time: :class:`StageContext`, :class:`RunError` (a problem the user can fix),
  :class:`PluginError`, :func:`component_entry` / :func:`load_component` for stages that run
  components, :class:`LazyOutputs` for a stage's ``load`` that reads each output on first use.
"""

from ftcore.api.data import (IGNORE_INDEX, ArgProblem, Cleaner, Encoded, Format, Source, SourceContext, SourceRow,
                             SplitMethod, rewrite_text, text_of)
from ftcore.api.export import Exporter, ExportRequest
from ftcore.api.metrics import NEEDS, EvalBatch, Metric, MetricInfo
from ftcore.api.predict import PredictOptions, Predictor
from ftcore.api.models import Adapter, Engine, ModelSource, Optimizer, Schedule
from ftcore.api.objectives import Objective, ObjectiveStep
from ftcore.api.version import PLUGIN_API_VERSION, api_problem
from ftcore.plugins import hookimpl
from ftcore.plugins.components import call_component, component_entry, component_object, load_component
from ftcore.plugins.errors import PluginError
from ftcore.plugins.schema import (REQUIRED, AttrSpec, BlockSpec, Boolean, BoundComponent, Choice, Component,
                                   ComponentSpec, FilePath, Float, Fraction, Integer, ListOf, OneOf, Param,
                                   ParamType, PathArg, Portion, PortionType, Reference, RefValue, String, TypeProblem,
                                   show, to_json)
from ftcore.runtime.context import StageContext
from ftcore.runtime.errors import RunError
from ftcore.runtime.outputs import LazyOutputs

KIND_CONTRACTS = {
    "source": Source, "cleaner": Cleaner, "split_method": SplitMethod, "format": Format, "metric": Metric,
    "model_source": ModelSource, "adapter": Adapter, "optimizer": Optimizer, "schedule": Schedule,
    "engine": Engine, "exporter": Exporter, "objective": Objective,
}
"""The contract of each built-in component kind (the plugins that declare the kinds pass these)."""

__all__ = [
    "PLUGIN_API_VERSION", "api_problem", "hookimpl", "KIND_CONTRACTS",
    # contracts
    "Source", "SourceRow", "SourceContext", "ArgProblem", "Cleaner", "SplitMethod", "Format", "Encoded",
    "IGNORE_INDEX",
    "text_of", "rewrite_text", "Metric", "EvalBatch", "MetricInfo", "NEEDS", "ModelSource", "Adapter",
    "Optimizer", "Schedule", "Engine", "Exporter", "ExportRequest", "Objective", "ObjectiveStep", "Predictor",
    "PredictOptions",
    # declarations
    "Param", "ParamType", "REQUIRED", "String", "Integer", "Float", "Fraction", "PortionType", "Portion", "Boolean",
    "Choice", "Reference", "RefValue", "Component", "ListOf", "OneOf", "FilePath", "PathArg", "AttrSpec",
    "BlockSpec", "ComponentSpec", "BoundComponent", "TypeProblem", "to_json", "show",
    # run time
    "StageContext", "RunError", "PluginError", "component_entry", "load_component", "component_object",
    "call_component", "LazyOutputs",
]
