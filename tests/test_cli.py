"""The command line: check every recipe, exit statuses, no tracebacks, describe and plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftcore.cli import main

ROOT = Path(__file__).resolve().parents[1]
RECIPES = sorted((ROOT / "recipes").glob("*.ftr"))


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.name for p in RECIPES])
def test_every_recipe_passes_check(recipe, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status = main(["check", str(recipe.relative_to(ROOT))])
    out = capsys.readouterr()
    assert status == 0, out.err
    assert out.out.startswith(f"ok: recipes/{recipe.name}: recipe ")
    assert "error" not in out.err


# ---------------------------------------------------------------- exit statuses


BROKEN = {
    "syntax": "recipe 'x' { seed 1 }\n",
    "unclosed": 'recipe "x" {\n  seed 1\n',
    "unknown block": 'recipe "x" { seed 1 }\ntrian { epochs 1 }\n',
    "unknown attribute": 'recipe "x" { sed 1 }\n',
    "wrong type": 'recipe "x" { seed "1" }\n',
    "out of range": 'recipe "x" { seed -1 }\n',
    "label": 'recipe "x" { seed 1 }\nevaluate { metrics accuracy }\n',
    "twice": 'recipe "x" { seed 1 }\nrecipe "y" { seed 2 }\n',
    "evaluate": 'recipe "x" { seed 1 }\nevaluate nowhere.test { metrics accuracy }\n',
    "metric": 'recipe "x" { seed 1 }\nevaluate a.test { metrics rogue }\n',
    "export": 'recipe "x" { seed 1 }\nexport hf() { card 1 }\n',
    "import": 'import "nowhere.ftr"\n',
    "binary": "\x00\x01\x02",
    "empty label": 'recipe "" { seed 1 }\n',
}


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("command", ["check", "graph"])
def test_mistakes_exit_2_with_diagnostics_and_no_traceback(name, command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("r.ftr").write_text(BROKEN[name], encoding="utf-8")
    status = main([command, "r.ftr"])
    out = capsys.readouterr()
    assert status == 2, out
    assert "Traceback" not in out.err and "internal error" not in out.err, out.err
    assert out.err.startswith("r.ftr:") and "error:" in out.err
    assert out.err.rstrip().endswith("found")


def test_set_mistakes_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("r.ftr").write_text('recipe "x" { seed 1 }\n')
    for override in ("recipe.seed", "recipe.seed=x y", "nope.seed=1", "recipe.seed=-1", "recipe.sed=1", "=", ""):
        assert main(["check", "r.ftr", "--set", override]) == 2, override
        err = capsys.readouterr().err
        assert err.startswith("--set #1:1:") and "Traceback" not in err, err


def test_check_unreadable_files_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check", "missing.ftr"]) == 2
    assert "missing.ftr: cannot read recipe: No such file or directory" in capsys.readouterr().err
    Path("folder.ftr").mkdir()
    assert main(["check", "folder.ftr"]) == 2
    Path("latin1.ftr").write_bytes(b'recipe "caf\xe9" { seed 1 }\n')
    assert main(["check", "latin1.ftr"]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_check_reports_every_file_and_the_worst_status(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("good.ftr").write_text('recipe "good" { seed 1 }\n')
    Path("bad.ftr").write_text('recipe "bad" { seed -1 }\n')
    assert main(["check", "bad.ftr", "good.ftr"]) == 2
    out = capsys.readouterr()
    assert 'ok: good.ftr: recipe "good"' in out.out and "bad.ftr:1:21: error" in out.err


def test_warnings_do_not_change_the_exit_status(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("r.ftr").write_text('let unused = 1\nrecipe "r" { seed 1 }\n')
    assert main(["check", "r.ftr"]) == 0
    out = capsys.readouterr()
    assert 'r.ftr:1:5: warning: variable "unused" is never used' in out.err and out.out.startswith("ok: r.ftr")


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: ftcore" in capsys.readouterr().out


def test_a_broken_plugin_exits_5_naming_it_as_the_plugins_fault(monkeypatch, capsys):
    import ftcore.plugins.manager as manager

    class Broken:
        name, value, dist = "broken", "broken_pkg.plugin", None

        def load(self):
            raise ImportError("No module named 'broken_pkg'")

    monkeypatch.setattr(manager, "_entry_points", lambda: [Broken()])
    assert main(["plugins"]) == 5
    err = capsys.readouterr().err
    assert err.startswith('error: plugin "broken" failed in loading its module broken_pkg.plugin: ImportError: ')
    assert "a problem in the plugin, not in your recipe or in ftcore" in err and "FTCORE_DISABLE_PLUGINS=broken" in err
    monkeypatch.setenv("FTCORE_DISABLE_PLUGINS", "broken")
    assert main(["plugins"]) == 0


# ---------------------------------------------------------------- describe and plugins


def test_describe_a_component(capsys):
    assert main(["describe", "f1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("metric f1  (from plugin metrics, ftcore ")
    assert "tasks: classification\n" in out
    assert 'average: one of macro, micro, weighted  = "macro"' in out
    assert main(["describe", "metric:rouge"]) == 0
    assert "types: a list of" in capsys.readouterr().out


def test_describe_a_block(capsys):
    assert main(["describe", "evaluate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("block evaluate  (from plugin metrics)")
    assert "label (required): a data split such as tickets.test" in out
    assert "may appear several times" in out and "metrics: one or more of a metric, comma-separated" in out
    assert "example: evaluate tickets.test" in out
    assert main(["describe", "recipe"]) == 0
    assert "seed: an integer ≥ 0 and ≤ 4294967295  = 42" in capsys.readouterr().out


def test_describe_unknown_names_suggests_and_exits_2(capsys):
    assert main(["describe", "rogue"]) == 2
    err = capsys.readouterr().err
    assert 'unknown block or component "rogue" (did you mean "rouge"?)' in err and "ftcore plugins" in err


def test_plugins_lists_what_each_plugin_provides(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    for name in ("recipe", "metrics", "export"):
        assert f"\n{name} " in "\n" + out
    assert "blocks: evaluate" in out and "exporter: hf" in out
    assert main(["plugins", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["plugin_api"] == "1.0" and listing["disputes"] == [] and listing["refused"] == []
    data = {p["name"]: p for p in listing["plugins"]}
    assert data["export"]["provides"] == {"blocks": ["export"], "exporter": ["hf", "hub"]}
    assert data["metrics"]["version"] and data["metrics"]["module"] == "ftcore_metrics.plugin"


def test_plugins_respects_the_allow_list(monkeypatch, capsys):
    monkeypatch.setenv("FTCORE_PLUGINS", "recipe")
    assert main(["plugins", "--json"]) == 0
    assert [p["name"] for p in json.loads(capsys.readouterr().out)["plugins"]] == ["recipe"]


# ---------------------------------------------------------------- the last garbage collection


@pytest.fixture
def at_exit(monkeypatch):
    """What main() asks to run at the interpreter's exit."""
    import atexit

    registered = []
    monkeypatch.setattr(atexit, "register", lambda fn, *a, **k: registered.append(fn))
    return registered


@pytest.mark.parametrize("argv", [["check", "recipes/support-reply.ftr"], ["plugins"], ["describe", "train"]])
def test_a_read_only_command_run_as_the_program_skips_the_last_collection(argv, at_exit, monkeypatch, capsys):
    import gc

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("sys.argv", ["ftcore", *argv])
    assert main() == 0
    assert at_exit == [gc.freeze]
    assert capsys.readouterr().out


def test_a_library_caller_and_other_commands_keep_the_last_collection(at_exit, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["check", "recipes/support-reply.ftr"]) == 0  # argv given: ftcore is not the program
    monkeypatch.setattr("sys.argv", ["ftcore", "fmt", "--check", "recipes/support-reply.ftr"])
    main()  # fmt may rewrite files: nothing is skipped at its exit
    assert at_exit == []
