"""The run directory and its manifest: ``runs/<recipe>/<run-id>/manifest.json``."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any, Optional

LIBRARIES = ("torch", "transformers", "datasets", "deepspeed", "peft", "safetensors", "tokenizers", "accelerate")


def new_run_id() -> str:
    """A sortable, unique run id: ``20260131-142501-1a2b``."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:4]


def choose_run_dir(recipe_name: str, out: Optional[str], base: Optional[Path] = None) -> Path:
    """``out`` when given, else ``runs/<recipe name>/<new run id>`` under ``base`` (the working folder)."""
    if out:
        return Path(out).resolve()
    return ((base or Path.cwd()) / "runs" / recipe_name / new_run_id()).resolve()


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a run depends on (``"-"`` when missing)."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


def build_manifest(recipe, graph, host, *, seed: int, command: dict[str, Any]) -> dict[str, Any]:
    """Everything needed to know what a run was: recipe text and hash, graph, versions, data fingerprints."""
    text = recipe.source or ""
    data = {s.id: {"fingerprint": s.fingerprint, "files": list(s.content_inputs)}
            for s in graph.order() if s.content_inputs}
    return {
        "recipe": {"name": recipe.name, "path": str(recipe.path), "text": text,
                   "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "files": dict(recipe.files or {})},
        "seed": seed,
        "command": command,
        "graph": graph.to_json(),
        "plugins": {p.name: {"version": p.version, "distribution": p.dist, "module": p.module} for p in host.plugins},
        "libraries": library_versions(),
        "data": data,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "host": platform.node(),
    }


def write_json(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)
