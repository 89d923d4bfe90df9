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


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux, else what ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware")) and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> Optional[float]:
    """Total main memory in GiB, or None where it cannot be read."""
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, OSError, ValueError):
        return None


def gpus() -> list[dict[str, Any]]:
    """The CUDA devices torch sees (name, memory); empty without torch or without a GPU."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None:
        try:
            import torch
        except ImportError:
            return []
    try:
        if not torch.cuda.is_available():
            return []
        out = []
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            out.append({"name": props.name, "memory_gib": round(props.total_memory / 2**30, 1)})
        return out
    except Exception:  # a broken driver must not stop the run; the manifest then lists no GPU
        return []


def machine(processes: int) -> dict[str, Any]:
    """The machine a run ran on: host, OS, CPU model and cores, memory, GPUs, training processes."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    found = gpus()
    cuda = None
    if found:
        import torch

        cuda = torch.version.cuda
    return {"host": platform.node(), "os": platform.platform(), "cpu": cpu_model(), "cpu_count": os.cpu_count(),
            "cpus_usable": usable, "memory_gib": memory_gib(), "gpus": found, "cuda": cuda, "processes": processes}


def build_manifest(recipe, graph, host, *, seed: int, command: dict[str, Any], processes: int = 1) -> dict[str, Any]:
    """Everything needed to know what a run was: recipe text and hash, graph, versions, data fingerprints,
    the command line and the machine (``processes``: how many train)."""
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
        "machine": machine(processes),
    }


def write_json(path: Path, data: Any) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)
