"""The metrics of one evaluation, run through the metric contract (``ftcore.api.Metric``).

A :class:`MetricSet` is built from the component entries a stage carries in its parameters
(``component_entry`` dicts: the recipe's metrics, or the registry's built-in ones for the
evaluation during training). Each entry's ``impl`` is loaded and instantiated, whichever plugin
provides it; every call into a metric goes through ``call_component``, so a metric that raises
is reported as its plugin's fault, by name. With several processes the instances of every rank
are gathered and merged before the values are computed.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

from ftcore.api import EvalBatch, Metric, MetricInfo, PluginError, component_object
from ftcore.plugins.components import call_component, entry_name


class MetricSet:
    """The metric instances of one evaluation and what, together, they need."""

    def __init__(self, entries: Sequence[Mapping[str, Any]], info: MetricInfo):
        self.entries = [dict(e) for e in entries]
        self.info = info
        self.metrics: list[Metric] = [component_object(e, Metric, dict(e.get("args") or {}), info)
                                      for e in self.entries]
        self.needs: frozenset[str] = frozenset()
        for entry, metric in zip(self.entries, self.metrics):
            needs = call_component(entry, lambda m=metric: frozenset(m.needs))
            self.needs |= needs
        self.lengths = sorted({self._length(e, m) for e, m in zip(self.entries, self.metrics)
                               if "generations" in m.needs})

    @staticmethod
    def _length(entry, metric) -> int:
        n = call_component(entry, metric.max_new_tokens)
        if not isinstance(n, int) or n < 1:
            raise _fault(entry, f"max_new_tokens() returned {n!r}, not a positive whole number")
        return n

    def update(self, batch: EvalBatch, generated: Optional[Mapping[int, list[str]]] = None) -> None:
        """Give ``batch`` to every metric; ``generated`` maps a length to the answers cut to it."""
        for entry, metric in zip(self.entries, self.metrics):
            view = batch
            if generated is not None and "generations" in metric.needs:
                view = EvalBatch(**{**batch.__dict__, "generated": generated[self._length(entry, metric)]})
            call_component(entry, metric.update, view)

    def per_example(self, batch: EvalBatch, generated: Optional[Mapping[int, list[str]]] = None) -> list[dict]:
        """Every metric's score of each valid example of ``batch`` (one dict per example, metrics' keys merged)."""
        out: list[dict] = []
        for entry, metric in zip(self.entries, self.metrics):
            view = batch
            if generated is not None and "generations" in metric.needs:
                view = EvalBatch(**{**batch.__dict__, "generated": generated[self._length(entry, metric)]})
            scores = call_component(entry, metric.per_example, view)
            if scores is None:
                continue
            if not isinstance(scores, list) or not all(isinstance(s, Mapping) for s in scores):
                raise _fault(entry, f"per_example() returned {type(scores).__name__}, not a list of dicts")
            out += [{} for _ in range(len(scores) - len(out))]
            for mine, theirs in zip(out, scores):
                mine.update({str(k): float(v) for k, v in theirs.items()})
        return out

    def details(self) -> dict[str, Any]:
        """Every metric's :meth:`~ftcore.api.Metric.details`, merged (JSON data), after :meth:`gather`."""
        out: dict[str, Any] = {}
        for entry, metric in zip(self.entries, self.metrics):
            found = call_component(entry, metric.details)
            if not isinstance(found, Mapping):
                raise _fault(entry, f"details() returned {type(found).__name__}, not a dict")
            out.update(found)
        return out

    def gather(self, all_gather: Optional[Callable[[Any], list]] = None) -> None:
        """Merge the other processes' instances into this one's (``all_gather(obj)`` -> one per rank)."""
        if all_gather is None:
            return
        ranks = all_gather(self.metrics)
        merged = list(ranks[0])
        for other in ranks[1:]:
            for i, (entry, metric) in enumerate(zip(self.entries, merged)):
                call_component(entry, metric.merge, other[i])
        self.metrics = merged

    def compute(self) -> dict[str, float]:
        """Every metric's values, by name; a metric returning anything but numbers is blamed."""
        out: dict[str, float] = {}
        for entry, metric in zip(self.entries, self.metrics):
            values = call_component(entry, metric.compute)
            if isinstance(values, Mapping) and not values and call_component(entry, metric.details):
                continue  # a metric whose result is its details (a confusion matrix)
            if not isinstance(values, Mapping) or not values:
                raise _fault(entry, f"compute() returned {type(values).__name__}, not a dict of names to numbers")
            for name, value in values.items():
                if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise _fault(entry, f"compute() returned {name!r}: {value!r}; values must be numbers")
                if name in out:
                    raise _fault(entry, f'compute() reports "{name}", which another metric of this evaluation '
                                        "reports too", "list each metric once, or give them different arguments")
                out[name] = float(value)
        return out


def torch_all_gather(world: int) -> Optional[Callable[[Any], list]]:
    """``torch.distributed.all_gather_object`` as a function, or None with one process."""
    if world <= 1:
        return None

    def gather(obj):
        import torch.distributed as dist

        out = [None] * world
        dist.all_gather_object(out, obj)
        return out

    return gather


def _fault(entry: Mapping[str, Any], message: str, hint: Optional[str] = None) -> PluginError:
    """A :class:`PluginError` blaming the plugin that provides the metric ``entry`` names."""
    _, name = entry_name(entry)
    return PluginError(entry.get("plugin") or "?", f'metric "{name}"', message, dist=entry.get("dist", "?"),
                       version=entry.get("version", "?"), hint=hint)
