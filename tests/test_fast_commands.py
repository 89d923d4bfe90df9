"""check, graph, fmt, plugins, describe, schema and lsp import neither torch nor transformers (nor datasets, deepspeed, ...)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "datasets", "deepspeed", "peft", "numpy", "pyarrow", "pandas", "safetensors",
         "tokenizers", "huggingface_hub", "rich")

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


@pytest.mark.parametrize("command", ["check", "graph", "graph-json", "fmt", "plugins", "describe", "schema"])
def test_fast_commands_do_not_import_the_ml_stack(command, tmp_path):
    recipe = _recipe(tmp_path)
    argv = {
        "check": ["check", recipe],
        "graph": ["graph", recipe],
        "graph-json": ["graph", recipe, "--format", "json"],
        "fmt": ["fmt", "--check", recipe],
        "plugins": ["plugins"],
        "describe": ["describe", "evaluate"],
        "schema": ["schema"],
    }[command]
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    assert "HEAVY:\n" in out.stdout, f"{command} imported: {out.stdout.splitlines()[-1]}"


# What an installed, unchanged ftcore must not need to load per ``check``: the distributions' metadata
# (cached by ftcore.plugins.entry_point_cache).
STARTUP = ("importlib.metadata", "email")


def test_check_of_the_largest_recipe_loads_no_metadata_once_the_installation_is_known():
    recipe = str(max((ROOT / "recipes").glob("*.ftr"), key=lambda p: p.stat().st_size))
    probe = PROBE.format(heavy=HEAVY + STARTUP)
    for _ in range(2):  # the first may fill the user cache (conftest points it at a temporary folder)
        out = subprocess.run([sys.executable, "-c", probe, "check", recipe], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 0, out.stderr
    assert "HEAVY:\n" in out.stdout, f"check imported: {out.stdout.splitlines()[-1]}"


def _lsp_session(recipe: Path) -> bytes:
    """An editor's session: open the recipe, ask for completion, hover and formatting, then exit."""
    uri = recipe.resolve().as_uri()
    where = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
    messages = [
        {"id": 1, "method": "initialize", "params": {"processId": None, "rootUri": ROOT.as_uri(), "capabilities": {}}},
        {"method": "initialized", "params": {}},
        {"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "ftr", "version": 1, "text": recipe.read_text()}}},
        {"id": 2, "method": "textDocument/completion", "params": where},
        {"id": 3, "method": "textDocument/hover", "params": where},
        {"id": 4, "method": "textDocument/formatting", "params": {"textDocument": {"uri": uri}, "options": {
            "tabSize": 2, "insertSpaces": True}}},
        {"id": 5, "method": "shutdown"},
        {"method": "exit"},
    ]
    out = b""
    for message in messages:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        out += b"Content-Length: %d\r\n\r\n" % len(body) + body
    return out


def test_the_language_server_does_not_import_the_ml_stack(tmp_path):
    recipe = Path(_recipe(tmp_path))
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), "lsp"], input=_lsp_session(recipe),
                         capture_output=True, cwd=ROOT, timeout=120)
    stdout, stderr = out.stdout.decode(), out.stderr.decode()
    assert out.returncode == 0, stderr
    assert "textDocument/publishDiagnostics" in stdout  # the recipe was really checked
    assert '"id": 4' in stdout.replace('"id":4', '"id": 4')  # and formatting answered
    assert "HEAVY:\n" in stderr, f"lsp imported: {stderr.splitlines()[-1]}"  # the server keeps stdout for LSP
