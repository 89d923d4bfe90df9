"""Print a run graph as a tree for the terminal (``ftcore graph``).

The graph is a DAG; the tree hangs each stage under the first stage it reads from and notes
any other inputs on the stage's line, so every stage appears exactly once.
"""

from __future__ import annotations

import json

from ftcore.compiler.graph import RunGraph, Stage

MAX_PARAM = 90


def _params(stage: Stage) -> list[str]:
    out = []
    for key, value in stage.params.items():
        text = json.dumps(value, separators=(", ", ": "))
        if len(text) > MAX_PARAM:
            text = text[: MAX_PARAM - 1] + "…"
        out.append(f"{key} = {text}")
    return out


def render_tree(graph: RunGraph, color: bool = False) -> str:
    """The graph as an indented tree with kinds, plugins, fingerprints, outputs and parameters."""
    bold, dim, cyan, reset = ("\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[0m") if color else ("", "", "", "")
    order = graph.order()
    children: dict[str, list[Stage]] = {s.id: [] for s in order}
    roots: list[Stage] = []
    for s in order:
        up = s.upstream()
        (children[up[0]] if up else roots).append(s)
    lines = [f"{bold}run graph \"{graph.name}\"{reset} ({len(order)} stages)"]

    def emit(stage: Stage, prefix: str, last: bool) -> None:
        branch = "└── " if last else "├── "
        step = order.index(stage) + 1
        outs = ", ".join(f"{k}: {v}" for k, v in stage.outputs.items()) or "-"
        lines.append(f"{prefix}{branch}{bold}{stage.id}{reset}  {cyan}{stage.kind}{reset} "
                     f"[{stage.plugin}]  {dim}#{step} {stage.fingerprint}{reset}")
        inner = prefix + ("    " if last else "│   ")
        kids = children[stage.id]
        bar = "│   " if kids else "    "
        if stage.doc:
            lines.append(f"{inner}{bar}{dim}{stage.doc}{reset}")
        if stage.inputs:
            lines.append(f"{inner}{bar}reads: {', '.join(f'{k} ← {v}' for k, v in stage.inputs.items())}")
        lines.append(f"{inner}{bar}gives: {outs}")
        for p in _params(stage):
            lines.append(f"{inner}{bar}{dim}{p}{reset}")
        for i, kid in enumerate(kids):
            emit(kid, inner, i == len(kids) - 1)

    for i, root in enumerate(roots):
        emit(root, "", i == len(roots) - 1)
    lines.extend(getattr(graph, "notes", []))
    return "\n".join(lines) + "\n"
