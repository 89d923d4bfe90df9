"""check, graph, fmt, plugins and describe import neither torch nor transformers (nor datasets, deepspeed)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "datasets", "deepspeed", "peft", "numpy")

PROBE = """
import sys
from ftcore.cli import main
code = main(sys.argv[1:])
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY:" + ",".join(heavy))
sys.exit(code)
"""


def _recipe(tmp_path):
    recipes = sorted((ROOT / "recipes").glob("*.ftr"))
    if recipes:
        return str(recipes[0])
    path = tmp_path / "r.ftr"
    path.write_text('recipe "fast" { seed 1 }\n')
    return str(path)


@pytest.mark.parametrize("command", ["check", "graph", "graph-json", "fmt", "plugins", "describe"])
def test_fast_commands_do_not_import_the_ml_stack(command, tmp_path):
    recipe = _recipe(tmp_path)
    argv = {
        "check": ["check", recipe],
        "graph": ["graph", recipe],
        "graph-json": ["graph", recipe, "--format", "json"],
        "fmt": ["fmt", "--check", recipe],
        "plugins": ["plugins"],
        "describe": ["describe", "evaluate"],
    }[command]
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    assert "HEAVY:\n" in out.stdout, f"{command} imported: {out.stdout.splitlines()[-1]}"
