"""``ftcore schema``: every block, attribute, component and parameter as structured JSON data."""

from __future__ import annotations

import json

from ftcore.plugins import hookimpl
from ftcore.plugins.schema import (AttrSpec, BlockSpec, Choice, Component, FilePath, Float, Integer, ListOf, Param, ParamType,
                                   Reference, String)
from ftcore.plugins.schema_json import language_schema


class Shout(ParamType):
    """A plugin's own parameter type."""

    description = "a word in capitals"


class Plugin:
    __version__ = "2.5.0"

    @hookimpl
    def ftcore_register_components(self, register):
        register.kind("scorer", "Scores answers.")
        register.component("scorer", "judge", [
            Param("model", String(), help="Which judge."),
            Param("temperature", Float(min=0, max=2), 0.0, "Sampling temperature."),
            Param("labels", ListOf(Choice("good", "bad")), ["good", "bad"], "Verdicts.", positional=False),
            Param("style", Shout(), "LOUD"),
            Param("rubric", FilePath("file"), None, "Instructions for the judge."),
        ], help="An LLM judge.", impl="mine.judge:JUDGE", needs=("text",))
        register.block(BlockSpec("review", help="Human review.", multiple=True,
                                 label=Reference("a data split", block="data", members=("test",)),
                                 attrs=(AttrSpec.single("rounds", Integer(min=1), 1, "How many rounds."),
                                        AttrSpec.many("scorers", Component("scorer"), "Who scores."))))


def _schema(ftcore_host):
    data = language_schema(ftcore_host(only=["recipe"], extra=[("reviews", Plugin())]).registry)
    json.dumps(data)  # all of it is JSON data
    return data


def test_components_carry_structured_parameter_types_defaults_and_plugin(ftcore_host):
    data = _schema(ftcore_host)
    [judge] = [c for c in data["components"] if c["name"] == "judge"]
    assert judge["kind"] == "scorer" and judge["plugin"] == "reviews" and judge["runs"] is True
    assert judge["meta"] == {"needs": ["text"]}
    model, temperature, labels, style, rubric = judge["params"]
    assert model == {"name": "model", "type": {"type": "string", "description": "a string"}, "required": True,
                     "positional": True, "help": "Which judge."}
    assert temperature["type"] == {"type": "number", "min": 0, "max": 2, "description": "a number ≥ 0 and ≤ 2"}
    assert temperature["default"] == 0.0 and temperature["required"] is False
    assert labels["type"]["type"] == "list" and labels["type"]["item"]["options"] == ["good", "bad"]
    assert labels["positional"] is False and labels["default"] == ["good", "bad"]
    assert style["type"] == {"type": "custom", "class": f"{__name__}.Shout", "description": "a word in capitals"}
    assert rubric["type"] == {"type": "path", "kind": "file", "must_exist": True, "description": "a file path"}
    assert rubric["default"] is None
    assert {"name": "scorer", "help": "Scores answers.", "plugin": "reviews"} in data["kinds"]
    assert data["plugins"]["reviews"]["version"] == "2.5.0"


def test_blocks_carry_label_attributes_and_what_references_name(ftcore_host):
    data = _schema(ftcore_host)
    [review] = [b for b in data["blocks"] if b["name"] == "review"]
    assert review["label"]["type"] == {"type": "reference", "block": "data", "members": ["test"],
                                       "description": "a data split"}
    assert review["multiple"] is True and review["plugin"] == "reviews"
    rounds, scorers = review["attributes"]
    assert rounds["shape"] == "value" and rounds["default"] == 1 and rounds["type"]["min"] == 1
    assert scorers["shape"] == "list" and scorers["item"] == {"type": "component", "kind": "scorer",
                                                              "description": "a scorer"}
    [recipe] = [b for b in data["blocks"] if b["name"] == "recipe"]
    assert recipe["plugin"] == "recipe"


def test_the_built_in_evaluate_label_names_data_splits(ftcore_host):
    data = language_schema(ftcore_host(only=["recipe", "metrics"]).registry)
    [evaluate] = [b for b in data["blocks"] if b["name"] == "evaluate"]
    assert evaluate["label"]["type"]["block"] == "data"
    assert evaluate["label"]["type"]["members"] == ["train", "eval", "test"]
