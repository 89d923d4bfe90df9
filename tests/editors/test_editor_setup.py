"""The VS Code extension and the editor set-ups in docs/editors.md start the server the CLI provides."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ftcore.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
VSCODE = ROOT / "editors" / "vscode"
DOC = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def test_the_extension_manifest_points_at_files_that_exist():
    manifest = json.loads((VSCODE / "package.json").read_text())
    assert (VSCODE / manifest["main"]).is_file()
    [language] = manifest["contributes"]["languages"]
    assert language["extensions"] == [".ftr"]
    assert json.loads((VSCODE / language["configuration"]).read_text())["comments"] == {"lineComment": "#"}
    [grammar] = manifest["contributes"]["grammars"]
    assert grammar["language"] == language["id"]
    assert json.loads((VSCODE / grammar["path"]).read_text())["scopeName"] == grammar["scopeName"] == "source.ftr"
    assert manifest["contributes"]["configuration"]["properties"]["ftcore.command"]["default"] == ["ftcore", "lsp"]
    # the install command in the docs names the file vsce writes: <name>-<version>.vsix
    assert f"code --install-extension {manifest['name']}-{manifest['version']}.vsix" in DOC


def test_every_editor_starts_ftcore_lsp_and_the_cli_has_it():
    args = build_parser().parse_args(["lsp", "--stdio"])  # VS Code's client adds --stdio
    assert args.func.__name__ == "cmd_lsp"
    [settings, sublime] = [json.loads(block) for block in _blocks("json")]
    assert settings["ftcore.command"][1:] == ["lsp"]
    assert sublime["clients"]["ftcore"]["command"] == ["ftcore", "lsp"]
    assert sublime["clients"]["ftcore"]["selector"] == "source.ftr"
    [lua] = _blocks("lua")
    assert 'cmd = { "ftcore", "lsp" }' in lua and 'extension = { ftr = "ftr" }' in lua
    [elisp] = _blocks("elisp")
    assert '(ftr-mode "ftcore" "lsp")' in elisp and '"\\\\.ftr\\\\\'"' in elisp


def test_the_schema_command_in_the_docs_prints_json(capsys):
    from ftcore.cli import main

    assert "ftcore schema > ftr-schema.json" in DOC
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {b["name"] for b in schema["blocks"]} >= {"recipe", "data", "model", "train", "evaluate", "export"}


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_extension_script_is_valid_javascript():
    out = subprocess.run(["node", "--check", str(VSCODE / "extension.js")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
