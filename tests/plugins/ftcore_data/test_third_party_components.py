"""A third party's source, cleaner, split method and format run exactly like the built-in ones.

The plugin (``third_party_data``) is installed as an entry point of a distribution, as ``pip
install`` would; ``ftcore check`` and ``ftcore prepare`` run on the command line. Mistakes in its
code — an ``impl`` with a typo, a method that raises — are printed naming the plugin, its
distribution and the component, compared with ``tests/golden/data_components/*.txt``
(``FTCORE_UPDATE_GOLDEN=1`` rewrites them).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ftcore.plugins.manager as manager
import third_party_data
from ftcore.cli import main

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "data_components"
UPDATE = os.environ.get("FTCORE_UPDATE_GOLDEN", "") not in ("", "0")
BUILTINS = ("recipe", "data", "hf")
DIST = "ftcore-shop-data"


class FakeDist:
    """The distribution an entry point belongs to: its name and version."""

    def __init__(self, name: str, version: str):
        self.name, self.version = name, version


class FakeEntryPoint:
    """An entry point of the ``ftcore`` group, as an installed distribution declares it."""

    def __init__(self, name: str, module, dist: FakeDist):
        self.name, self.value, self.dist, self._module = name, module.__name__, dist, module

    def load(self):
        return self._module


@pytest.fixture
def install(monkeypatch):
    """``install(module, version, name, dist)``: the built-ins this test needs plus one third-party plugin."""
    all_real = [ep for ep in manager._entry_points() if ep.dist is not None and ep.dist.name == "ftcore"]
    real = [ep for ep in all_real if ep.name in BUILTINS]

    def _install(module=third_party_data, version: str = "1.0", name: str = "shopdata", dist: str = DIST,
                 every_builtin: bool = False):
        builtins = all_real if every_builtin else real
        monkeypatch.setattr(manager, "_entry_points", lambda: builtins + [FakeEntryPoint(name, module,
                                                                                         FakeDist(dist, version))])

    return _install


FAQ = [  # (date, question, answer)
    ("05.01.2024", "How do I reset my password?", "Use <b>Forgot password</b> on the login page."),
    ("11.02.2024", "Can I get a refund?", "Yes, within 30 days &amp; with the receipt."),
    ("02.03.2024", "Where is my parcel?", "<p>Track it under <i>Orders</i>.</p>"),
    ("24.12.2023", "Do you ship abroad?", "We ship to the EU."),
    ("18.04.2024", "How do I close my account?", "Write to <a href='mailto:x@y.z'>support</a>."),
    ("30.11.2023", "Is there a student discount?", "<br/>"),  # nothing left once the tags are gone
    ("07.05.2024", "Can I change my order?", "Within one hour of ordering."),
    ("21.06.2024", "Do you have gift cards?", "Yes, from 10 to 200 euros."),
    ("01.10.2023", "What are the terms?", "Our terms are long." + " Really." * 16),  # over max_length: dropped
]
NEWEST = ["07.05.2024", "21.06.2024"]  # by date; as strings, the largest are 30.11.2023 and 24.12.2023


RECIPE = '''recipe "shop-faq" { seed 1 }
model { base tiny(arch: "llama", layers: 1, hidden: 16, heads: 2, intermediate: 32) task causal_lm max_length 128 }
data faq {
  source sqlite("shop.db", query: "SELECT date, question, answer FROM faq ORDER BY rowid")
  clean  strip_html("answer"), drop_empty("answer")
  split  eval: 2, by: newest("date")
  format qa(question: "question", answer: "answer")
  overlength drop
}
'''


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """A folder holding ``shop.db`` (an SQLite file with the FAQ table) and ``recipe.ftr``; the working folder."""
    with sqlite3.connect(tmp_path / "shop.db") as db:
        db.execute("CREATE TABLE faq (date TEXT, question TEXT, answer TEXT)")
        db.executemany("INSERT INTO faq VALUES (?, ?, ?)", FAQ)
    db.close()
    (tmp_path / "recipe.ftr").write_text(RECIPE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FTCORE_CACHE_DIR", raising=False)
    return tmp_path


def outputs_of(recipe: Path, cache: Path, *stages: str):
    """The cached outputs of ``stages`` (nothing runs: ``ftcore prepare`` made them)."""
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.runtime.executor import load_stage_outputs

    checked, graph = compile_recipe(recipe, host=manager.load_host())
    return graph, {sid: load_stage_outputs(graph, sid, cache, hash_content=True) for sid in stages}


def test_each_data_kind_from_a_third_party_runs_through_ftcore_prepare(install, shop, capsys):
    install()
    assert main(["prepare", "recipe.ftr", "--plain", "--show", "0", "--cache-dir", "cache"]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert 'sqlite("shop.db")' in out and "9 rows" in out

    graph, got = outputs_of(shop / "recipe.ftr", shop / "cache", "data.faq.load", "data.faq.clean",
                            "data.faq.split", "data.faq.tokenize")
    assert got["data.faq.load"]["rows"]["_loc"] == [f"shop.db#{i}" for i in range(9)]  # the source's locations
    clean = got["data.faq.clean"]
    assert [s["step"] for s in clean["report"]["steps"]] == ['strip_html(field: "answer")', 'drop_empty(field: "answer")']
    assert clean["report"]["steps"][0]["changed"] == 5 and clean["report"]["steps"][1]["removed"] == 1
    assert clean["rows"]["answer"][:3] == ["Use Forgot password on the login page.",
                                           "Yes, within 30 days & with the receipt.", "Track it under Orders."]
    split = got["data.faq.split"]
    assert sorted(split["eval"]["date"]) == NEWEST  # the newest two rows are held out
    assert len(split["train"]) == 6 and not set(NEWEST) & set(split["train"]["date"])

    tokenized = got["data.faq.tokenize"]
    from ftcore_hf.byte_tokenizer import byte_tokenizer

    tok = byte_tokenizer()
    row = tokenized["train"][0]
    loss = [t for t, label in zip(row["input_ids"], row["labels"]) if label != -100]
    assert tok.decode(row["input_ids"]).startswith("Q: How do I reset my password?\nA: ")
    assert tok.decode(loss) == "Use Forgot password on the login page." + tok.eos_token  # loss on the answer only
    assert tokenized["info"]["task"] == "causal_lm" and tokenized["info"]["format"] == "qa"
    assert tokenized["report"]["splits"]["train"]["dropped"] == {"longer than max_length": 1}
    assert len(tokenized["train"]) == 5
    assert tokenized["train"].features["labels"].feature.dtype == "int64"  # token ids, not a mixed column
    # The distribution that provides each component is part of the fingerprint of the stage running it.
    assert graph["data.faq.clean"].code_versions == {"cleaner:drop_empty": "ftcore==0.1.0",
                                                     "cleaner:strip_html": f"{DIST}==1.0"}
    assert graph["data.faq.load"].code_versions == {"source:sqlite": f"{DIST}==1.0"}
    assert graph["data.faq.split"].code_versions == {"split_method:newest": f"{DIST}==1.0"}
    assert graph["data.faq.tokenize"].code_versions == {"format:qa": f"{DIST}==1.0"}


def test_a_tiny_model_trains_on_the_third_party_components_with_ftcore_run(install, shop, capsys):
    pytest.importorskip("deepspeed")
    install(every_builtin=True)
    (shop / "recipe.ftr").write_text(RECIPE + "train { epochs 2 batch 2 optimizer adamw(lr: 1e-2) }\n"
                                              "evaluate faq.eval { metrics loss }\n", encoding="utf-8")
    assert main(["run", "recipe.ftr", "--plain", "--out", "run"]) == 0, capsys.readouterr()
    records = [json.loads(line) for line in (shop / "run" / "metrics.jsonl").read_text().splitlines() if line]
    losses = [r["loss"] for r in records if "split" not in r]
    assert len(losses) == 4  # 5 training rows (of 9: one emptied, one too long, 2 held out), batch 2, 2 epochs
    assert losses[-1] < losses[0]
    assert any(r.get("split") == "faq.eval" and r["loss"] > 0 for r in records)
    manifest = json.loads((shop / "run" / "manifest.json").read_text())
    assert f'"{DIST}==1.0"' in json.dumps(manifest["graph"])  # the code that ran is on record


def test_a_new_version_of_a_cleaners_distribution_reruns_the_clean_stage_and_only_what_follows(install, shop):
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.runtime.executor import Executor

    rows = [{"text": f"<p>ticket {i}</p>", "label": "ab"[i % 2]} for i in range(12)]
    (shop / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (shop / "r.ftr").write_text('model { base tiny(arch: "bert", layers: 1, hidden: 16, heads: 2, intermediate: 32)'
                                ' task classification }\ndata d { source jsonl("d.jsonl") clean strip_html("text") '
                                'split eval: 25% format classification }\n')

    def prepare(version: str):
        install(third_party_data.plugin_module(kinds=("cleaner",)), version=version, dist="ftcore-strip-html")
        _, graph = compile_recipe("r.ftr", host=manager.load_host())
        executor = Executor(graph, shop / "cache")
        outputs = executor.run([s.id for s in graph if s.id.startswith("data.")])
        return graph, executor, outputs

    first, ex, out = prepare("1.0")
    assert out["data.d.clean"]["rows"]["text"][0] == "ticket 0"
    assert {"data.d.load", "data.d.validate", "data.d.clean", "data.d.split", "data.d.tokenize"} <= set(ex.executed)
    _, ex, _ = prepare("1.0")
    assert not [s for s in ex.executed if s.startswith("data.")]  # the same code: everything is reused
    second, ex, _ = prepare("1.1")
    assert [s for s in ex.executed if s.startswith("data.")] == ["data.d.clean", "data.d.split", "data.d.tokenize"]
    assert set(ex.cache_hits) == {"data.d.load", "data.d.validate", "model.tokenizer"}  # upstream: reused
    assert second["data.d.clean"].code_versions == {"cleaner:strip_html": "ftcore-strip-html==1.1"}
    assert [first[s].fingerprint == second[s].fingerprint for s in ("data.d.load", "data.d.validate",
                                                                    "data.d.clean")] == [True, True, False]


# ------------------------------------------------------------------------------- the plugin's mistakes

KINDS = ("source", "cleaner", "split_method", "format")
STAGE_OF = {"source": "load", "cleaner": "clean", "split_method": "split", "format": "tokenize"}
TYPOS = {kind: f"third_party_data:{name[:-2]}{name[-1]}{name[-2]}" for kind, name in third_party_data.IMPLS.items()}


def golden(case: str, printed: str) -> None:
    path = GOLDEN / f"{case}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(printed, encoding="utf-8")
    assert printed == path.read_text(encoding="utf-8"), f"differs from {path.name}"


@pytest.mark.parametrize("kind", KINDS)
def test_a_typo_in_an_impl_is_found_by_check_at_the_component_naming_the_plugin(kind, install, shop, capsys):
    install(third_party_data.plugin_module({kind: TYPOS[kind]}))
    assert main(["check", "recipe.ftr"]) == 2
    printed = capsys.readouterr().err
    assert "Traceback" not in printed and f"{DIST} 1.0" in printed
    golden(f"impl_typo_{kind}", printed)


@pytest.mark.parametrize("kind", KINDS)
def test_a_component_raising_in_its_code_is_the_plugins_fault(kind, install, shop, capsys):
    install(third_party_data.plugin_module({kind: f"third_party_data:{third_party_data.EXPLODING[kind]}"}))
    assert main(["prepare", "recipe.ftr", "--plain", "--show", "0", "--cache-dir", "cache"]) == 5
    printed = capsys.readouterr().err
    assert "Traceback" not in printed and "internal error" not in printed
    golden(f"raises_{kind}", printed)
    failed = shop / "cache" / f"data.faq.{STAGE_OF[kind]}"
    assert not (failed.exists() and list(failed.iterdir()))  # no cache entry, not even a half-written one


def test_a_component_raising_in_a_worker_process_is_still_the_plugins_fault(shop):
    """With several processes, the error crosses a process boundary: it must arrive whole, not hang the map."""
    (shop / "d.jsonl").write_text("".join(json.dumps({"text": f"<b>{i}</b>"}) + "\n" for i in range(40)))
    (shop / "r.ftr").write_text('model { base tiny(arch: "llama", layers: 1, hidden: 16, heads: 2, intermediate: 32) '
                                'task causal_lm }\n'
                                'data d { source jsonl("d.jsonl") clean strip_html("text") format text }\n')
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import third_party_data
        from ftcore.compiler.pipeline import compile_recipe
        from ftcore.plugins.errors import PluginError
        from ftcore.plugins.manager import load_host
        from ftcore.runtime.executor import Executor
        module = third_party_data.plugin_module({{"cleaner": "third_party_data:ExplodingStripHtml"}},
                                                kinds=("cleaner",))
        host = load_host(only=["recipe", "data", "hf"], extra=[("shopdata", module)])
        _, graph = compile_recipe("r.ftr", host=host)
        try:
            Executor(graph, "cache", options={{"num_proc": 2}}, plugins=host.registry.plugins).run(["data.d.clean"])
        except PluginError as err:
            print(err.render().splitlines()[0])
        """)
    done = subprocess.run([sys.executable, "-c", code], cwd=shop, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == ('r.ftr:2:34: error: plugin "shopdata" failed in cleaner "strip_html": '
                                   "AttributeError: 'str' object has no attribute 'decode'"), done.stderr[-2000:]


def test_arguments_a_component_rejects_are_reported_by_check_at_their_position(install, shop, capsys):
    install()
    (shop / "recipe.ftr").write_text(RECIPE.replace("SELECT date", "DELETE date")
                                     .replace('split  eval: 2, by: newest("date")',
                                              'split  eval: 2, stratify: "question", by: newest("date")')
                                     .replace('answer: "answer")', 'answer: "question")'))
    assert main(["check", "recipe.ftr"]) == 2
    golden("rejected_arguments", capsys.readouterr().err)


def test_a_component_raising_while_checked_is_reported_at_it_naming_its_plugin(install, shop, capsys):
    install(third_party_data.plugin_module({"format": "third_party_data:QaFormatWithBuggyCheck"}))
    assert main(["check", "recipe.ftr"]) == 2
    golden("check_raises", capsys.readouterr().err)


def test_every_golden_file_has_a_case():
    cases = {f"impl_typo_{k}" for k in KINDS} | {f"raises_{k}" for k in KINDS} | {"rejected_arguments",
                                                                                   "check_raises"}
    assert {p.stem for p in GOLDEN.glob("*.txt")} == cases
