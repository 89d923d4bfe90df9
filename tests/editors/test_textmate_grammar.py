"""The TextMate grammar in editors/ scopes every token of every shipped recipe, and nothing as an error.

The grammar is run by a real TextMate engine (textmate-grammar-python, a Python port of the
vscode-textmate tokenizer, with Oniguruma regular expressions as in VS Code), not by a re-reading
of its regular expressions.
"""

from __future__ import annotations

import json
import logging
import plistlib
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR = ROOT / "editors" / "vscode" / "syntaxes" / "ftr.tmLanguage.json"
SUBLIME = ROOT / "editors" / "sublime" / "ftr.tmLanguage"
# The shipped recipes, and the other recipes in the repository (examples, test fixtures).
RECIPES = sorted((ROOT / "recipes").glob("**/*.ftr")) + sorted((ROOT / "examples").glob("**/*.ftr")) + \
    sorted((ROOT / "tests" / "lang" / "fixtures").glob("*.ftr"))


@lru_cache(maxsize=1)
def _parser():
    pytest.importorskip("textmate_grammar", reason="install the test extra: pip install -e '.[test]'")
    from textmate_grammar.parsers.base import LanguageParser
    from textmate_grammar.utils.logger import LOGGER

    LOGGER.logger.setLevel(logging.ERROR)  # the engine narrates every skipped character otherwise
    return LanguageParser(json.loads(GRAMMAR.read_text(encoding="utf-8")))


def scopes_by_character(text: str) -> dict[tuple[int, int], list[str]]:
    """(line, column) of every character -> the scopes the grammar gives it."""
    element = _parser().parse_string(text)
    out = {}
    for (line, col), content, scopes in element.flatten():
        for i, _ in enumerate(content):
            out[(line, col + i)] = scopes
    return out


def unscoped_or_invalid(text: str) -> list[str]:
    """Every non-blank character left with only the root scope, or given an invalid scope."""
    scopes = scopes_by_character(text)
    problems = []
    for line_no, line in enumerate(text.split("\n")):
        for col, ch in enumerate(line):
            if ch.isspace():
                continue
            found = scopes.get((line_no, col), ["source.ftr"])
            if found == ["source.ftr"] or any(s.startswith("invalid") for s in found):
                problems.append(f"{line_no + 1}:{col + 1} {ch!r} {found}")
    return problems


def test_there_are_recipes_to_check():
    assert len([r for r in RECIPES if r.parent.name == "recipes"]) >= 3


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_token_of_a_shipped_recipe_is_scoped_and_none_is_an_error(recipe):
    assert unscoped_or_invalid(recipe.read_text(encoding="utf-8")) == []


def test_a_stray_character_is_scoped_as_an_error():
    assert unscoped_or_invalid("train { epochs 3 ; batch 8 }\n") == ["1:18 ';' ['source.ftr', 'invalid.illegal.character.ftr']"]
    assert unscoped_or_invalid("model { base hf('x') }\n") != []  # strings take double quotes


def test_tokens_get_the_scopes_themes_colour():
    text = ('import "base.ftr"\nlet lr = 5e-5  # peak\n'
            'evaluate tickets.test { metrics accuracy, f1(average: "ma\\"cro")  batch 10% }\n'
            'regularize {\n  early_stop(patience: 2)\n  card true\n}\ndata tickets {}\n')
    scopes = scopes_by_character(text)

    def at(line: int, needle: str, index: int = 0) -> str:
        col = text.split("\n")[line].index(needle) + index
        return scopes[(line, col)][-1]

    assert at(0, "import") == "keyword.control.import.ftr"
    assert at(0, "base") == "string.quoted.double.ftr"
    assert at(1, "let") == "storage.type.let.ftr"
    assert at(1, "lr") == "variable.other.definition.ftr"
    assert at(1, "5e-5", 3) == "constant.numeric.ftr"
    assert at(1, "# peak", 2) == "comment.line.number-sign.ftr"
    assert at(2, "evaluate") == "entity.name.type.block.ftr"
    assert at(2, "tickets.test", 8) == "variable.other.reference.ftr"
    assert at(2, "metrics") == "variable.other.property.ftr"
    assert at(2, "accuracy") == "variable.other.ftr"
    assert at(2, "f1") == "entity.name.function.ftr"
    assert at(2, "average") == "variable.parameter.ftr"
    assert at(2, '\\"') == "constant.character.escape.ftr"
    assert at(2, "10%", 2) == "constant.numeric.percentage.ftr"
    assert at(4, "early_stop") == "entity.name.function.ftr"
    assert at(5, "card") == "variable.other.property.ftr"
    assert at(5, "true") == "constant.language.boolean.ftr"
    assert at(7, "data") == "entity.name.type.block.ftr"
    assert at(7, "tickets") == "entity.name.section.ftr"  # a data set's name where it is defined


def test_the_sublime_text_copy_is_the_same_grammar():
    assert plistlib.loads(SUBLIME.read_bytes()) == json.loads(GRAMMAR.read_text(encoding="utf-8"))
