"""``ftcore lsp`` driven over its real protocol: a client speaking JSON-RPC to it in a subprocess.

A third-party plugin is installed the way pip installs one (a module and a ``.dist-info``
folder with an ``ftcore`` entry point on the path), so the server finds it exactly as it would
find a plugin from PyPI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lsp_client import LspClient, ftcore_command

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "recipes" / "quickstart.ftr"

PLUGIN = '''
"""A third-party plugin: one metric."""
from ftcore.plugins import hookimpl
from ftcore.plugins.schema import Float, Param


@hookimpl
def ftcore_register_components(register):
    register.component("metric", "toxicity", [Param("threshold", Float(min=0, max=1), 0.5, "Score above which text counts as toxic.")],
                       help="Share of generated answers a classifier flags as toxic.", tasks=("classification",))
'''


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory) -> Path:
    """A folder holding an installed third-party plugin distribution, for PYTHONPATH."""
    site = tmp_path_factory.mktemp("site")
    (site / "ftcore_toxicity.py").write_text(PLUGIN)
    dist = site / "ftcore_toxicity-9.9.9.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ftcore-toxicity\nVersion: 9.9.9\n")
    (dist / "entry_points.txt").write_text("[ftcore]\ntoxicity = ftcore_toxicity\n")
    return site


def _env(plugin_path: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(plugin_path), os.environ.get("PYTHONPATH", "")]))}


@pytest.fixture
def server(tmp_path, plugin_path):
    """Start a server in ``tmp_path`` (its workspace) and shut it down after the test."""
    started = []

    def start(root: Path = tmp_path) -> LspClient:
        client = LspClient(root, _env(plugin_path))
        client.initialize()
        started.append(client)
        return client

    yield start
    for client in started:
        assert client.close() == 0


def _semantic_at(data: list[int], line: int, col: int, legend: list[str]) -> str:
    """The token type a semanticTokens/full answer gives the token starting at (line, col)."""
    at_line = at_col = 0
    for i in range(0, len(data), 5):
        at_line += data[i]
        at_col = data[i + 1] if data[i] else at_col + data[i + 1]
        if (at_line, at_col) == (line, col):
            return legend[data[i + 3]]
    raise AssertionError(f"no token starts at {line}:{col}")


def _position(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    offset = text.index(needle) + delta
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


# ---------------------------------------------------------------- diagnostics

BROKEN = """\
let unused = 3

recipe "broken" { seed 42 }

data tickets {
  source jsonl("tickets.jsonl")
  split train: 80%, eval: 10%, test: 10%
  format classification(text: "text", label: "label")
}

model {
  base hf("some/model")
  task clasification
}

regularize { dropout 2 }

train { epocs 3  batch 0 }

evaluate tickets.tset { metrics accuracy, rogue }
"""

_HEAD = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.*)$")


def _check_output(recipe: Path) -> list[tuple]:
    """What ``ftcore check`` prints, as (line, col, severity, message, help) tuples."""
    command = ftcore_command()[:-2]  # the same executable, without "lsp --stdio"
    out = subprocess.run([*command, "check", recipe.name], capture_output=True, text=True, cwd=recipe.parent)
    found, current = [], None
    for line in out.stderr.splitlines():
        head = _HEAD.match(line)
        if head:
            current = [int(head["line"]) - 1, int(head["col"]) - 1, head["severity"], head["message"], None]
            found.append(current)
        elif line.startswith("     = help: ") and current is not None:
            current[4] = line[len("     = help: "):]
    return sorted(tuple(x) for x in found)


def _lsp_tuples(diagnostics: list[dict]) -> list[tuple]:
    out = []
    for d in diagnostics:
        message, _, hint = d["message"].partition("\nhelp: ")
        severity = {1: "error", 2: "warning"}[d["severity"]]
        out.append((d["range"]["start"]["line"], d["range"]["start"]["character"], severity, message, hint or None))
    return sorted(out)


def test_diagnostics_are_what_ftcore_check_prints_with_quick_fixes(server, tmp_path):
    recipe = tmp_path / "broken.ftr"
    recipe.write_text(BROKEN)
    (tmp_path / "tickets.jsonl").write_text('{"text": "hi", "label": "a"}\n')
    expected = _check_output(recipe)
    assert len(expected) >= 5, expected  # several mistakes, and the warning for the unused let
    assert any(e[2] == "warning" for e in expected)

    client = server()
    uri = client.open(recipe)
    diagnostics = client.diagnostics(uri)
    assert _lsp_tuples(diagnostics) == expected
    assert all(d["source"] == "ftcore" for d in diagnostics)

    # Each did-you-mean is a quick fix replacing exactly the misspelled name.
    fixes = {}
    for d in diagnostics:
        actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"],
                                                             "context": {"diagnostics": [d]}})
        for action in actions or []:
            [edit] = action["edit"]["changes"][uri]
            fixes[d["message"].split("\n")[0]] = edit["newText"]
    assert fixes['unknown metric "rogue"'] == "rouge"
    assert fixes['unknown attribute "epocs" in block "train"'] == "epochs"
    assert fixes['"tset" is not a split: splits are train, eval, test'] == "tickets.test"
    assert fixes['task: "clasification" is not one of causal_lm, classification, seq2seq'] \
        == "classification"

    # As the user types: the unsaved buffer is checked, not the file on disk.
    mark = len(client.notifications)
    fixed = BROKEN.replace("let unused = 3\n", "").replace("clasification", "classification") \
        .replace("dropout 2", "dropout 0.1").replace("epocs 3  batch 0", "epochs 3  batch 4") \
        .replace("tset", "test").replace("rogue", "f1")
    client.change(uri, fixed, 2)
    after = client.diagnostics(uri, after=mark)
    assert recipe.read_text() == BROKEN
    saved = tmp_path / "saved" / "broken.ftr"
    saved.parent.mkdir()
    saved.write_text(fixed)
    shutil.copy(tmp_path / "tickets.jsonl", saved.parent)
    assert _lsp_tuples(after) == _check_output(saved)
    assert not any("rogue" in d["message"] or "epocs" in d["message"] for d in after)


def test_errors_in_an_imported_recipe_are_published_for_that_file(server, tmp_path):
    (tmp_path / "base.ftr").write_text('recipe "base" { sed 1 }\n')
    main = tmp_path / "main.ftr"
    main.write_text('import "base.ftr"\n')
    client = server()
    client.open(main)
    base_uri = (tmp_path / "base.ftr").resolve().as_uri()
    [diag] = client.diagnostics(base_uri)
    assert diag["message"].startswith('unknown attribute "sed" in block "recipe"')
    assert diag["range"]["start"] == {"line": 0, "character": 16}


# ---------------------------------------------------------------- completion

def test_completion_in_metrics_offers_metrics_only_including_a_third_party_one(server, tmp_path):
    from ftcore.plugins.manager import load_host

    builtin_metrics = set(load_host().registry.names("metric"))
    text = QUICKSTART.read_text()
    client = server(ROOT)
    uri = client.open(QUICKSTART)
    line, col = _position(text, "metrics accuracy, ", len("metrics accuracy, "))
    items = client.request("textDocument/completion", client.at(uri, line, col))["items"]
    labels = {i["label"] for i in items}
    assert labels == builtin_metrics | {"toxicity"}
    toxicity = next(i for i in items if i["label"] == "toxicity")
    assert "toxicity" in toxicity["detail"] and "threshold" in toxicity["detail"]

    # Hover names the third-party plugin, its distribution and version.
    edited = text.replace("metrics accuracy,", "metrics toxicity(threshold: 0.8), accuracy,")
    client.change(uri, edited, 2)
    line, col = _position(edited, "toxicity(")
    value = client.request("textDocument/hover", client.at(uri, line, col + 2))["contents"]["value"]
    assert "metric toxicity" in value and "threshold: a number ≥ 0 and ≤ 1  = 0.5" in value
    assert "provided by plugin toxicity 9.9.9 (distribution ftcore-toxicity)" in value


def test_completion_offers_what_fits_each_place(server, tmp_path):
    text = 'data tickets { source jsonl("t.jsonl") }\ntrain {\n  \n}\nevaluate '
    recipe = tmp_path / "r.ftr"
    recipe.write_text(text)
    client = server()
    uri = client.open(recipe)

    def labels(line: int, col: int) -> set[str]:
        return {i["label"] for i in client.request("textDocument/completion", client.at(uri, line, col))["items"]}

    assert {"epochs", "batch", "optimizer"} <= labels(2, 2)  # attributes of the train block
    assert "metrics" not in labels(2, 2)
    assert {"data", "model", "train", "evaluate", "let", "import"} <= labels(3, 1)  # top-level blocks
    assert "tickets.test" in labels(4, 9)  # a data split reference

    client.change(uri, text.replace("  \n", "  optimizer adamw(\n"), 2)
    assert labels(2, 18) >= {"lr:", "betas:", "eps:"}  # parameters of the component, with their types
    client.change(uri, text.replace("  \n", "  optimizer \n"), 3)
    assert {"adamw"} <= labels(2, 12) and "accuracy" not in labels(2, 12)  # optimizers only


# ---------------------------------------------------------------- hover, definition, formatting, symbols

def test_hover_definition_formatting_and_symbols_on_a_shipped_recipe(server):
    text = QUICKSTART.read_text()
    client = server(ROOT)
    uri = client.open(QUICKSTART)

    line, col = _position(text, 'f1(average')
    hover = client.request("textDocument/hover", client.at(uri, line, col + 1))
    value = hover["contents"]["value"]
    assert "metric f1" in value and "average: one of macro, micro, weighted" in value
    assert "provided by plugin metrics 0.1.0 (distribution ftcore)" in value
    assert hover["range"] == {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 2}}

    line, col = _position(text, "epochs 1")
    value = client.request("textDocument/hover", client.at(uri, line, col))["contents"]["value"]
    assert "attribute epochs of block train" in value and "an integer ≥ 1" in value

    # The label of evaluate's split leads to the data block it names.
    line, col = _position(text, "evaluate tickets.test", len("evaluate "))
    location = client.request("textDocument/definition", client.at(uri, line, col))
    assert location["uri"] == uri
    assert location["range"]["start"] == dict(zip(("line", "character"), _position(text, "data tickets")))

    assert client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                      "options": {"tabSize": 2, "insertSpaces": True}}) == []
    messy = text.replace("  epochs 1\n", "      epochs    1\n").replace("batch 32", "batch   32")
    client.change(uri, messy, 2)
    [edit] = client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                        "options": {"tabSize": 2, "insertSpaces": True}})
    assert edit["newText"] == text

    client.change(uri, text, 3)
    data = client.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})["data"]
    legend = client.capabilities["semanticTokensProvider"]["legend"]["tokenTypes"]
    assert len(data) % 5 == 0 and legend[data[3]] == "comment"  # the file opens with a comment
    line, col = _position(text, "data tickets")
    assert _semantic_at(data, line, col, legend) == "namespace"
    line, col = _position(text, "f1(")
    assert _semantic_at(data, line, col, legend) == "function"

    symbols = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert [s["name"] for s in symbols] == ['recipe "support-intents"', "data tickets", "model", "regularize",
                                            "train", "evaluate tickets.test", 'export hf("out/support-intents")']
    data = symbols[1]
    assert [c["name"] for c in data["children"]] == ["source", "clean", "split", "format"]
    assert data["range"]["start"]["line"] == _position(text, "data tickets")[0]
    assert data["range"]["end"]["line"] == _position(text, "\n}\n\nmodel")[0] + 1


def test_definition_of_imports_and_lets(server, tmp_path):
    (tmp_path / "base.ftr").write_text('let lr = 5e-5\n\nrecipe "base" { seed 1 }\n')
    main = tmp_path / "main.ftr"
    text = 'import "base.ftr"\nlet epochs = 2\n\ntrain { epochs epochs  optimizer adamw(lr: lr) }\n'
    main.write_text(text)
    client = server()
    uri = client.open(main)
    base_uri = (tmp_path / "base.ftr").resolve().as_uri()

    location = client.request("textDocument/definition", client.at(uri, 0, 10))
    assert location["uri"] == base_uri and location["range"]["start"] == {"line": 0, "character": 0}
    line, col = _position(text, "epochs  optimizer")
    location = client.request("textDocument/definition", client.at(uri, line, col + 2))
    assert location == {"uri": uri, "range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 10}}}
    line, col = _position(text, "lr: lr", 4)
    location = client.request("textDocument/definition", client.at(uri, line, col))
    assert location == {"uri": base_uri, "range": {"start": {"line": 0, "character": 4},
                                                   "end": {"line": 0, "character": 6}}}


def test_a_plugin_that_fails_to_load_is_reported_not_fatal(tmp_path):
    site = tmp_path / "site"
    dist = site / "ftcore_broken-1.0.dist-info"
    dist.mkdir(parents=True)
    (site / "ftcore_broken.py").write_text("raise ImportError('missing dependency: frobnicate')\n")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ftcore-broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[ftcore]\nbroken = ftcore_broken\n")
    recipe = tmp_path / "r.ftr"
    recipe.write_text('recipe "r" { seed 1 }\n')
    client = LspClient(tmp_path, _env(site))
    try:
        client.initialize()
        [diag] = client.diagnostics(client.open(recipe))
        assert 'plugin "broken"' in diag["message"] and "frobnicate" in diag["message"]
        assert "FTCORE_DISABLE_PLUGINS" in diag["message"]
    finally:
        assert client.close() == 0



def test_editing_an_imported_recipe_rechecks_the_open_recipes_importing_it(server, tmp_path):
    base = tmp_path / "base.ftr"
    base.write_text("let seed = 7\n")
    main = tmp_path / "main.ftr"
    main.write_text('import "base.ftr"\nrecipe "main" { seed seed }\n')
    client = server()
    main_uri = client.open(main)
    assert client.diagnostics(main_uri) == []
    base_uri = client.open(base)
    mark = len(client.notifications)
    client.change(base_uri, "# no seed here\n", 2)  # the let is gone, unsaved
    [diag] = client.diagnostics(main_uri, after=mark)
    assert diag["message"].startswith("seed: expected an integer") and diag["range"]["start"]["line"] == 1

    mark = len(client.notifications)
    client.notify("textDocument/didClose", {"textDocument": {"uri": base_uri}})  # back to the file on disk
    assert client.diagnostics(main_uri, after=mark) == []


def test_syntax_errors_are_what_ftcore_check_prints(server, tmp_path):
    recipe = tmp_path / "syntax.ftr"
    recipe.write_text('recipe "s" { seed = 3 }\n\nmodel { base hf(\'x\') }\n\ntrain { epochs 3,\n')
    expected = _check_output(recipe)
    assert len(expected) >= 2 and all(e[2] == "error" for e in expected)
    client = server()
    assert _lsp_tuples(client.diagnostics(client.open(recipe))) == expected
