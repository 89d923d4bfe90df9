"""The ``hf`` exporter: the trained model in the Hugging Face layout, written through a temporary folder.

Light on purpose (no torch import): ``ftcore check`` calls :meth:`HFExporter.check`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Mapping, Optional

from ftcore.api import Exporter, ExportRequest, RunError

# Files of the trained model folder that belong with an adapter exported alone.
TOKENIZER_FILES = ("special_tokens_map.json", "ftcore_model.json")


def _writable_ancestor(path: Path) -> Optional[Path]:
    """The nearest existing folder above ``path`` (``path`` itself when it is one)."""
    for folder in (path, *path.parents):
        if folder.is_dir():
            return folder
        if folder.exists():
            return None
    return None


class HFExporter(Exporter):
    """``hf("out/model", overwrite: false)``: config, safetensors weights, tokenizer and a model card."""

    def check(self, args: Mapping[str, Any]) -> list[tuple[str, Optional[str], Optional[str]]]:
        """The destination must be a folder that is empty, absent, or replaceable (``overwrite``), and writable."""
        dest = Path(args["path"])
        if dest.exists() and not dest.is_dir():
            return [(f"export destination {dest} is a file, not a folder", "path", "choose a folder path")]
        if dest.is_dir() and any(dest.iterdir()) and not args.get("overwrite"):
            return [(f"export folder {dest} already holds files", "path",
                     'choose another folder, or replace it: export hf("...", overwrite: true)')]
        ancestor = _writable_ancestor(dest)
        if ancestor is None:
            return [(f"export destination {dest} is below a file, not a folder", "path", "choose a folder path")]
        if not os.access(ancestor, os.W_OK | os.X_OK):
            return [(f"cannot write into {ancestor} (permission denied)", "path",
                     "choose a folder you can write to")]
        return []

    def export(self, request: ExportRequest) -> str:
        """Copy the model (or, with ``merge_adapter false``, only its adapter) to the destination, with the card.

        Everything is written to a temporary sibling folder first and renamed at the end, so an
        interrupted export never leaves a half-written model at the destination.
        """
        dest = Path(request.args["path"])
        problems = self.check(request.args)
        if problems:
            message, _, hint = problems[0]
            raise RunError(message, hint)
        adapter_only = not request.merge_adapter and request.adapter_dir is not None
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".tmp-{dest.name}")
        if tmp.exists():
            shutil.rmtree(tmp)
        shutil.copytree(request.adapter_dir if adapter_only else request.model_dir, tmp)
        if adapter_only:
            for name in os.listdir(request.model_dir):
                if name.startswith("tokenizer") or name in TOKENIZER_FILES:
                    shutil.copy2(Path(request.model_dir) / name, tmp / name)
        if request.card is not None:
            (tmp / "README.md").write_text(request.card, encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
        return str(dest)
