"""The distribution uses only ftcore's public plugin API: every import of ftcore is ftcore.api or ftcore.testing."""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PUBLIC = ("ftcore.api", "ftcore.testing")
BUILT_IN_PLUGINS = ("ftcore_data", "ftcore_hf", "ftcore_train", "ftcore_metrics", "ftcore_export", "ftcore_recipe")


def imported_modules(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.module, node.lineno)] + [(f"{node.module}.{a.name}", node.lineno) for a in node.names
                                                      if node.module == "ftcore"]
    return found


def forbidden(module: str) -> bool:
    top = module.split(".")[0]
    if top in BUILT_IN_PLUGINS:
        return True
    return top == "ftcore" and module != "ftcore" and not any(module == p or module.startswith(p + ".")
                                                              for p in PUBLIC)


def test_no_module_of_the_distribution_imports_ftcore_outside_its_public_api():
    files = sorted(HERE.glob("ftcore_preference/*.py")) + sorted(HERE.glob("tests/*.py")) + \
        sorted(HERE.glob("recipes/data/*.py"))
    assert len(files) >= 8
    bad = [f"{f.relative_to(HERE)}:{line}: {m}" for f in files for m, line in imported_modules(f) if forbidden(m)]
    assert bad == []


def test_the_check_sees_private_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from ftcore.api import Objective\nimport ftcore.runtime.errors\nfrom ftcore import cli\n"
                      "from ftcore_train.loop import Trainer\ndef f():\n    from ftcore.plugins.components import x\n")
    assert [m for m, _ in imported_modules(sample) if forbidden(m)] == [
        "ftcore.runtime.errors", "ftcore.cli", "ftcore_train.loop", "ftcore.plugins.components"]
