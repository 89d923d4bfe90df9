"""``ftcore report RUN_DIR``: rebuild a finished run's ``report.html`` from its run directory.

The run's manifest records its graph; the stage of kind ``report`` names the code that writes the
page (``params["impl"]``, given by whichever plugin lowered it), and that code's ``rebuild(run_dir)``
writes it again from the files the run left (metrics, predictions, data summary, manifest).
"""

from __future__ import annotations

import json
from pathlib import Path

from ftcore.runtime.errors import RunError


def rebuild_report(run_dir: str) -> Path:
    """Write ``report.html`` of ``run_dir`` again; returns its path (RunError when the folder is no run)."""
    from ftcore.runtime.executor import import_impl

    folder = Path(run_dir)
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise RunError(f"{run_dir} is not a run directory (no manifest.json)",
                       "give the folder ftcore run printed: runs/<recipe>/<run id>")
    graph = json.loads(manifest.read_text(encoding="utf-8")).get("graph") or {}
    stages = [s for s in graph.get("stages") or [] if s.get("kind") == "report" and (s.get("params") or {}).get("impl")]
    if not stages:
        raise RunError(f"{run_dir}: this run has no report stage (its recipe trains nothing, or it ran before "
                       "reports existed)", "run the recipe again with this version of ftcore")
    code = import_impl(stages[0]["params"]["impl"])
    return Path(code.rebuild(folder))
