"""``ftcore new-plugin NAME --kind KIND``: write a ready-to-publish plugin distribution.

The distribution has a ``pyproject.toml`` registering the plugin in the ``ftcore`` entry-point
group, a plugin module declaring the component (light: nothing heavy at import), the component
implemented on its contract from :mod:`ftcore.api`, a test using the :mod:`ftcore.testing`
fixtures, and a README. Its tests pass as generated (``pip install -e . && pytest``).
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from ftcore.scaffold.templates import KINDS, files_for

__all__ = ["KINDS", "ScaffoldError", "names_for", "new_plugin"]


class ScaffoldError(Exception):
    """The name or destination cannot be used; the message says why and what to do."""


def names_for(name: str) -> dict[str, str]:
    """The distribution (``ftcore-x``), package (``ftcore_x``), entry-point and component names of ``name``."""
    base = name.strip().lower()
    if base.startswith("ftcore-") or base.startswith("ftcore_"):
        base = base[len("ftcore-"):]
    ident = re.sub(r"[^a-z0-9]+", "_", base).strip("_")
    if not ident or not re.fullmatch(r"[a-z][a-z0-9_]*", ident) or keyword.iskeyword(ident):
        raise ScaffoldError(f'"{name}" cannot name a plugin: use letters, digits and dashes, starting with a letter '
                            "(e.g. sqlite-source)")
    return {"dist": "ftcore-" + ident.replace("_", "-"), "package": "ftcore_" + ident, "entry": ident,
            "component": ident, "title": base}


def new_plugin(name: str, kind: str, dest: Path) -> Path:
    """Write the distribution for plugin ``name`` providing one ``kind`` under ``dest``; return its folder.

    Refuses to write into a folder that exists and is not empty, so nothing is ever overwritten.
    """
    if kind not in KINDS:
        raise ScaffoldError(f'unknown kind "{kind}": choose one of {", ".join(KINDS)}')
    names = names_for(name)
    root = Path(dest) / names["dist"]
    if root.exists() and any(root.iterdir()):
        raise ScaffoldError(f"{root} already exists and is not empty: choose another name or folder")
    files = files_for(kind, names)
    tmp = root.with_name(f".{root.name}.tmp")
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    for rel, text in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if root.exists():
        root.rmdir()
    tmp.rename(root)  # all files or none
    return root
