"""Which files a recipe may import, and reading a recipe file with bounds.

``import "x.ftr"`` reaches only recipe files (``.ftr``) inside the folder of the recipe named on
the command line, or inside a folder listed in ``FTCORE_RECIPE_PATH`` (separated like ``PATH``).
Links are followed before the check, so a link cannot lead out. Any recipe, imported or not, must
be a regular file of at most 1 MiB of text: devices, pipes and binary files are refused before
(or instead of) being read, and nothing of a refused file is ever quoted in a message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

SEARCH_PATH_ENV = "FTCORE_RECIPE_PATH"
MAX_RECIPE_BYTES = 1 << 20
SUFFIX = ".ftr"


class Refused(Exception):
    """A file that is not read as a recipe: ``message`` says why, ``hint`` how to fix it."""

    def __init__(self, message: str, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def search_path(main_recipe: Path) -> list[Path]:
    """The folders imports may reach: the main recipe's folder, then each folder of ``FTCORE_RECIPE_PATH``."""
    roots = [Path(main_recipe).resolve().parent]
    for entry in os.environ.get(SEARCH_PATH_ENV, "").split(os.pathsep):
        if entry.strip():
            roots.append(Path(entry).expanduser().resolve())
    return roots


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def check_import(target: Path, shown: str, roots: list[Path]) -> None:
    """Raise :class:`Refused` unless ``target`` is a ``.ftr`` file inside one of ``roots`` (after links)."""
    if target.suffix != SUFFIX:
        raise Refused(f'cannot import "{shown}": only recipe files ({SUFFIX}) can be imported',
                      f"import a {SUFFIX} file; data and other files are named by the blocks that read them")
    real = target.resolve()
    if not any(_inside(real, root) for root in roots):
        where = f" or a folder of {SEARCH_PATH_ENV}" if len(roots) > 1 else ""
        raise Refused(f'cannot import "{shown}": imports must stay inside the recipe\'s folder{where}',
                      f"move it into the recipe's folder (or a folder under it), or add its folder to "
                      f"{SEARCH_PATH_ENV}")


def read_recipe(path: Path, shown: str, imported: bool = False) -> str:
    """The text of recipe ``path``; :class:`Refused` for a special or oversized file, or (``imported``) a binary one.

    The recipe named on the command line may hold a stray NUL (the parser reports it where it is);
    an imported file with one is refused unseen, as it is no recipe.

    ``OSError`` (a missing or unreadable file) and ``UnicodeDecodeError`` pass through to the caller.
    """
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise Refused(f"{shown} is a folder, not a recipe file")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{shown} is not a regular file (a device, pipe or socket); it was not read",
                      "recipes are read from regular files")
    if info.st_size > MAX_RECIPE_BYTES:
        raise Refused(f"{shown} has {info.st_size} bytes; a recipe has at most {MAX_RECIPE_BYTES} (1 MiB)")
    with open(path, "rb") as f:
        data = f.read(MAX_RECIPE_BYTES + 1)  # a file that grows or lies about its size is still bounded
    if len(data) > MAX_RECIPE_BYTES:
        raise Refused(f"{shown} has more than {MAX_RECIPE_BYTES} bytes (1 MiB); a recipe is never that long")
    if imported and b"\0" in data:
        raise Refused(f"cannot import {shown}: it holds NUL bytes, so it is a binary file, not a recipe "
                      "(it is not shown)", "import a recipe (.ftr) file")
    return data.decode("utf-8")
