"""Completion in-process: what each place offers, from a registry built by a test plugin."""

from __future__ import annotations

import pytest

from ftcore.lsp.complete import complete
from ftcore.plugins import hookimpl
from ftcore.plugins.schema import AttrSpec, BlockSpec, Boolean, Choice, Component, Integer, ListOf, Param, Reference


class Plugin:
    @hookimpl
    def ftcore_register_components(self, register):
        register.kind("judge", "Scores answers.")
        register.component("judge", "panel", [
            Param("size", Integer(min=1), 3, "Judges on the panel."),
            Param("mode", Choice("vote", "mean"), "vote", "How verdicts combine."),
            Param("strict", Boolean(), False, "Refuse ties.", positional=False),
        ], help="Several judges.")
        register.component("judge", "single", help="One judge.")
        register.block(BlockSpec("review", label=Reference("a split", block="data", members=("test",)), multiple=True,
                                 attrs=(AttrSpec.many("judges", Component("judge"), "Who judges."),
                                        AttrSpec.single("rounds", Integer(min=1), 1, "Rounds."),
                                        AttrSpec("on", (Param("split", Reference("a data block", block="data")),
                                                        Param("tags", ListOf(Choice("a", "b")), []))))))


@pytest.fixture
def registry(ftcore_host):
    return ftcore_host(only=["recipe"], extra=[("reviews", Plugin())]).registry


def labels(registry, source: str) -> list[str]:
    offset = source.index("|")
    return [i.label for i in complete(source.replace("|", "", 1), offset, registry)]


def test_components_of_the_kind_the_attribute_takes(registry):
    assert labels(registry, "review x.test { judges |") == ["panel", "single"]
    assert labels(registry, "review x.test { judges single, |") == ["panel", "single"]


def test_parameters_then_values_of_the_positional_parameter(registry):
    assert labels(registry, "review x.test { judges panel(|") == ["size:", "mode:", "strict:"]
    assert labels(registry, "review x.test { judges panel(3, |") == ["size:", "mode:", "strict:", "vote", "mean"]
    # strict is keyword-only: a third positional argument has no parameter, so no values are offered
    assert labels(registry, "review x.test { judges panel(3, \"vote\", |") == ["size:", "mode:", "strict:"]
    assert labels(registry, "review x.test { judges panel(strict: |") == ["true", "false"]
    assert labels(registry, "review x.test { judges panel(size: 2, |") == ["mode:", "strict:", "vote", "mean"]


def test_references_name_blocks_of_the_declared_kind(registry):
    text = 'data tickets { }\ndata faq { }\nexport hf("x") { }\nrecipe_notes plain { }\n'
    assert labels(registry, text + "review |") == ["tickets.test", "faq.test"]
    assert labels(registry, text + "review tickets.test { on |") == ["split:", "tags:", "tickets", "faq"]
    assert labels(registry, text + "review tickets.test { on faq, tags: [|") == ["a", "b"]


def test_statements_lets_and_nothing_inside_strings(registry):
    assert labels(registry, "review x.test {\n  |") == ["judges", "rounds", "on"]
    assert {"recipe", "review", "let", "import"} <= set(labels(registry, "|"))
    assert labels(registry, "let n = 2\nreview x.test { rounds |") == ["n"]
    assert labels(registry, 'recipe "na|') == []  # a free string: nothing to offer


def test_the_edit_replaces_the_whole_dotted_prefix(registry):
    source = "data tickets { }\nreview tickets.te|"
    offset = source.index("|")
    [item] = complete(source.replace("|", "", 1), offset, registry)
    assert item.text_edit.new_text == "tickets.test"
    assert (item.text_edit.range.start.character, item.text_edit.range.end.character) == (7, 17)


def test_inside_strings_paths_and_quoted_choices(registry, tmp_path):
    (tmp_path / "base.ftr").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tickets.jsonl").write_text("")
    (tmp_path / ".hidden.ftr").write_text("")
    recipe = tmp_path / "r.ftr"

    def at(source: str) -> list[str]:
        offset = source.index("|")
        return [i.label for i in complete(source.replace("|", "", 1), offset, registry, path=recipe)]

    assert at('import "|') == ["base.ftr", "data/"]  # recipes and folders, nothing hidden
    assert at('import |') == ["base.ftr", "data/"]
    assert at('review x.test { judges panel(mode: "v|') == ["vote", "mean"]


def test_a_path_parameter_offers_files_relative_to_the_recipe(ftcore_host, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tickets.jsonl").write_text("")
    registry = ftcore_host(only=["recipe", "data"]).registry
    source = 'data t {\n  source jsonl("data/|")\n}\n'
    offset = source.index("|")
    [item] = complete(source.replace("|", "", 1), offset, registry, path=tmp_path / "r.ftr")
    assert item.label == "data/tickets.jsonl"
    assert item.text_edit.new_text == "data/tickets.jsonl"
    assert (item.text_edit.range.start.character, item.text_edit.range.end.character) == (16, 21)  # after the quote
