"""The ``hf`` exporter: the trained model in the Hugging Face layout, written through a temporary folder.

Light on purpose (no torch import): ``ftcore check`` calls :meth:`HFExporter.check`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Mapping, Optional

from ftcore.api import Exporter, ExportRequest, RunError

# Files of the trained model folder that belong with an adapter exported alone.
TOKENIZER_FILES = ("special_tokens_map.json", "ftcore_model.json")
MARKER = "ftcore_export.json"  # which recipe wrote the folder, and every file it wrote


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def earlier_export(dest: Path) -> tuple[Optional[str], list[str]]:
    """``(recipe name, files ftcore did not write)`` of an existing folder (name None: no ftcore export)."""
    marker = dest / MARKER
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        recipe, written = str(data["recipe"]), set(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, [f for f in _files(dest)]
    return recipe, [f for f in _files(dest) if f not in written and f != MARKER]


def _readable_modes(folder: Path) -> None:
    """Files rw-r--r-- and folders rwxr-xr-x (less what the umask removes): save_pretrained may leave 600."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, (0o755 if path.is_dir() else 0o644) & ~umask)


def _writable_ancestor(path: Path) -> Optional[Path]:
    """The nearest existing folder above ``path`` (``path`` itself when it is one)."""
    for folder in (path, *path.parents):
        if folder.is_dir():
            return folder
        if folder.exists():
            return None
    return None


class HFExporter(Exporter):
    """``hf("out/model", overwrite: false)``: config, safetensors weights, tokenizer, a model card, and
    ``ftcore_export.json`` (the recipe and the files written), so the next run of the same recipe may
    replace the folder while a folder holding anything else is refused by ``ftcore check``."""

    def check(self, args: Mapping[str, Any], recipe_name: str = "") -> list[tuple[str, Optional[str], Optional[str]]]:
        """The destination must be absent, empty, this recipe's earlier export (replaced), or ``overwrite``; and writable."""
        dest = Path(args["path"])
        if dest.exists() and not dest.is_dir():
            return [(f"export destination {dest} is a file, not a folder", "path", "choose a folder path")]
        if dest.is_dir() and any(dest.iterdir()) and not args.get("overwrite"):
            recipe, foreign = earlier_export(dest)
            if foreign:
                shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
                return [(f"export folder {dest} holds files ftcore did not write: {shown}", "path",
                         'move them away, choose another folder, or replace the whole folder: '
                         'export hf("...", overwrite: true)')]
            if recipe_name and recipe is not None and recipe != recipe_name:
                return [(f'export folder {dest} holds the export of another recipe, "{recipe}"', "path",
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
        problems = self.check(request.args, recipe_name=request.recipe_name)
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
        (tmp / MARKER).write_text(json.dumps({"recipe": request.recipe_name, "files": _files(tmp)}, indent=2),
                                  encoding="utf-8")
        _readable_modes(tmp)
        old = dest.with_name(f".old-{dest.name}")
        if old.exists():
            shutil.rmtree(old)
        if dest.exists():  # swap by two renames: the destination is never half written
            os.replace(dest, old)
        os.replace(tmp, dest)
        if old.exists():
            shutil.rmtree(old)
        return str(dest)
