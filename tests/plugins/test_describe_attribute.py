"""describe_attribute: what an editor shows when hovering an attribute name."""

from ftcore.plugins.describe import describe_attribute
from ftcore.plugins.schema import AttrSpec, BlockSpec, Component, Integer, Param

BLOCK = BlockSpec("train", attrs=(
    AttrSpec.single("epochs", Integer(min=1), 1, "Passes over the training split."),
    AttrSpec.many("callbacks", Component("callback"), "Called after each step.", required=True),
    AttrSpec("early_stop", (Param("patience", Integer(min=1), help="Evaluations to wait."),), "Stop early."),
))


def test_a_single_value_attribute_shows_type_default_and_help():
    assert describe_attribute(BLOCK, BLOCK.attr("epochs")) == (
        "attribute epochs of block train\n"
        "epochs: an integer ≥ 1  = 1\n"
        "    Passes over the training split.")


def test_a_list_attribute_says_so_and_a_required_one_too():
    text = describe_attribute(BLOCK, BLOCK.attr("callbacks"))
    assert text.splitlines()[:2] == ["attribute callbacks of block train  (required)",
                                     "callbacks: one or more of a callback, comma-separated"]


def test_an_attribute_with_parameters_lists_each():
    text = describe_attribute(BLOCK, BLOCK.attr("early_stop"))
    assert "early_stop patience: ..." in text and "patience: an integer ≥ 1  (required)" in text
    assert "Evaluations to wait." in text
