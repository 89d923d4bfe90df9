"""The run graph: stages with typed inputs and outputs, resolved parameters and fingerprints.

A stage's fingerprint is a hash of its kind, its parameters, the fingerprints of the stages it
reads from, and the name and version of the plugin that provides it. Two runs whose stage has
the same fingerprint may share that stage's cached output.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ftcore.lang.ast import Span
from ftcore.plugins.schema import to_json


class GraphError(Exception):
    """A plugin built an inconsistent graph (an input naming a missing output, a cycle)."""


@dataclass
class Stage:
    """One node of the run graph.

    ``inputs`` maps an input name to ``"<stage id>.<output name>"``; ``outputs`` maps an output
    name to its type (``dataset``, ``model``, ``metrics``...). ``impl`` is the
    ``"module:attribute"`` of the code that runs the stage, imported only by the executor.
    ``params`` must be JSON data: it is hashed into the fingerprint and written to the manifest.
    """

    id: str
    kind: str
    plugin: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    impl: Optional[str] = None
    doc: str = ""
    span: Optional[Span] = None
    plugin_version: str = "?"
    fingerprint: str = ""
    content_inputs: list[str] = field(default_factory=list)  # files whose bytes the fingerprint hashes
    code_versions: dict[str, str] = field(default_factory=dict)  # "kind:name" -> "dist==version" it runs

    def upstream(self) -> list[str]:
        """The ids of the stages this one reads from, in input order, without repeats."""
        seen: list[str] = []
        for ref in self.inputs.values():
            sid = ref.rsplit(".", 1)[0]
            if sid not in seen:
                seen.append(sid)
        return seen

    def to_json(self) -> dict[str, Any]:
        """The stage as JSON data (``graph --format json`` and the run manifest)."""
        out = {
            "id": self.id,
            "kind": self.kind,
            "plugin": f"{self.plugin}=={self.plugin_version}",
            "doc": self.doc,
            "inputs": dict(self.inputs),
            "outputs": dict(self.outputs),
            "params": self.params,
            "fingerprint": self.fingerprint,
        }
        if self.span is not None:
            out["source"] = str(self.span)
        if self.content_inputs:
            out["content_inputs"] = list(self.content_inputs)
        if self.code_versions:
            out["code"] = dict(self.code_versions)
        return out


class RunGraph:
    """An ordered set of stages; insertion order is a valid execution order once checked."""

    def __init__(self, name: str):
        self.name = name
        self.stages: dict[str, Stage] = {}
        self.notes: list[str] = []  # what passes want a person to know (``ftcore check`` prints them); not hashed

    def add_stage(self, id: str, kind: str, plugin: str, *, params: Optional[dict] = None,
                  inputs: Optional[dict[str, str]] = None, outputs: Optional[dict[str, str]] = None,
                  impl: Optional[str] = None, doc: str = "", span: Optional[Span] = None,
                  content_inputs: Optional[list[str]] = None) -> Stage:
        """Add a stage; ``params`` are converted to JSON data. Returns the new stage."""
        if id in self.stages:
            raise GraphError(f'two stages are called "{id}"')
        stage = Stage(id, kind, plugin, to_json(params or {}), dict(inputs or {}), dict(outputs or {}),
                      impl, doc, span, content_inputs=list(content_inputs or []))
        self.stages[id] = stage
        return stage

    def __iter__(self):
        return iter(self.order())

    def __len__(self) -> int:
        return len(self.stages)

    def __getitem__(self, id: str) -> Stage:
        return self.stages[id]

    def get(self, id: str) -> Optional[Stage]:
        """The stage ``id``, or None."""
        return self.stages.get(id)

    def of_kind(self, kind: str) -> list[Stage]:
        """Every stage of ``kind`` in execution order."""
        return [s for s in self.order() if s.kind == kind]

    def validate(self) -> None:
        """Check that every input names an existing stage's declared output, with the same type."""
        for stage in self.stages.values():
            for name, ref in stage.inputs.items():
                sid, _, out = ref.rpartition(".")
                if sid not in self.stages:
                    raise GraphError(f'stage "{stage.id}" input "{name}" reads "{ref}": no stage "{sid}"')
                if out not in self.stages[sid].outputs:
                    raise GraphError(f'stage "{stage.id}" input "{name}" reads "{ref}": '
                                     f'stage "{sid}" has no output "{out}"')
        self.order()

    def order(self) -> list[Stage]:
        """Stages in a dependency order (stable: insertion order where free)."""
        done: dict[str, Stage] = {}
        visiting: set[str] = set()

        def visit(stage: Stage) -> None:
            if stage.id in done:
                return
            if stage.id in visiting:
                raise GraphError(f'stage "{stage.id}" depends on itself')
            visiting.add(stage.id)
            for sid in stage.upstream():
                if sid in self.stages:
                    visit(self.stages[sid])
            visiting.discard(stage.id)
            done[stage.id] = stage

        for stage in self.stages.values():
            visit(stage)
        return list(done.values())

    def compute_fingerprints(self, plugin_versions: dict[str, str],
                             content_hash: Optional[Callable[[str], str]] = None,
                             component_versions: Optional[dict[str, str]] = None) -> None:
        """Fill every stage's fingerprint, upstream first.

        ``component_versions`` maps ``"kind:name"`` to the ``dist==version`` of the plugin
        providing it: every component a stage's parameters name (``{"component": "kind:name"}``,
        as :func:`~ftcore.plugins.schema.to_json` and ``component_entry`` write them) adds the
        code that runs it to the fingerprint, so upgrading a cleaner's distribution reruns the
        clean stage. The versions used are kept in ``stage.code_versions``.

        ``content_hash(path)`` hashes a file's bytes for stages that list ``content_inputs``
        (data files): the fingerprint follows content, not modification times. Without it, the
        paths alone are hashed (enough for ``ftcore graph``).
        """
        if component_versions is not None:
            self.component_versions = dict(component_versions)
        known = getattr(self, "component_versions", {})
        for stage in self.order():
            stage.plugin_version = plugin_versions.get(stage.plugin, "?")
            stage.code_versions = {c: known[c] for c in sorted(_components_in(stage.params)) if c in known}
            h = hashlib.sha256()
            payload = {
                "kind": stage.kind,
                "plugin": f"{stage.plugin}=={stage.plugin_version}",
                "code": stage.code_versions,
                "params": stage.params,
                "inputs": {k: self.stages[v.rsplit(".", 1)[0]].fingerprint + "." + v.rsplit(".", 1)[1]
                           for k, v in sorted(stage.inputs.items())},
                "content": {p: (content_hash(p) if content_hash else p) for p in stage.content_inputs},
            }
            h.update(json.dumps(payload, sort_keys=True, default=str).encode())
            stage.fingerprint = h.hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """The whole graph as JSON data."""
        return {"recipe": self.name, "stages": [s.to_json() for s in self.order()]}

    def to_dot(self) -> str:
        """The graph in Graphviz DOT: one node per stage, one edge per input."""
        lines = [f'digraph "{_dot_escape(self.name)}" {{', "  rankdir=TB;", '  node [shape=box, fontname="monospace"];']
        for s in self.order():
            label = f"{s.id}\\n{s.kind} [{s.plugin}]\\n{s.fingerprint}"
            lines.append(f'  "{_dot_escape(s.id)}" [label="{label}"];')
        for s in self.order():
            for name, ref in s.inputs.items():
                sid, _, out = ref.rpartition(".")
                lines.append(f'  "{_dot_escape(sid)}" -> "{_dot_escape(s.id)}" [label="{_dot_escape(out)}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"


def _components_in(value: Any) -> set[str]:
    """Every ``"kind:name"`` a stage's parameters name under a ``component`` key, at any depth."""
    found: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("component"), str):
            found.add(value["component"])
        for v in value.values():
            found |= _components_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= _components_in(v)
    return found


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
