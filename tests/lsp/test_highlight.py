"""Semantic tokens: the server's highlighting roles, and their LSP encoding."""

from ftcore.lsp.highlight import TOKEN_TYPES, classify, semantic_tokens

TEXT = '''# tuned
import "base.ftr"
let lr = 5e-5
data tickets {
  source jsonl("t.jsonl")
  split train: 80%,
        eval: 20%
}
evaluate tickets.test { metrics accuracy, f1(average: "macro") }
regularize { early_stop(patience: 2)
  card true
}
'''


def roles(text: str) -> list[tuple[str, str]]:
    return [(tok.text, kind + ("*" if mods else "")) for tok, kind, mods in classify(text)]


def test_each_token_gets_the_role_the_grammar_gives_it():
    assert roles(TEXT) == [
        ("# tuned", "comment"), ("import", "keyword"), ('"base.ftr"', "string"),
        ("let", "keyword"), ("lr", "variable*"), ("5e-5", "number"),
        ("data", "namespace"), ("tickets", "variable*"),
        ("source", "property"), ("jsonl", "function"), ('"t.jsonl"', "string"),
        ("split", "property"), ("train", "parameter"), ("80%", "number"), ("eval", "parameter"), ("20%", "number"),
        ("evaluate", "namespace"), ("tickets", "variable"), ("test", "variable"),
        ("metrics", "property"), ("accuracy", "variable"), ("f1", "function"), ("average", "parameter"),
        ('"macro"', "string"),
        ("regularize", "namespace"), ("early_stop", "function"), ("patience", "parameter"), ("2", "number"),
        ("card", "property"), ("true", "keyword"),
    ]


def test_the_encoding_is_relative_and_in_the_legend():
    data = semantic_tokens('data t {\n  seed 42  # x\n}\n')
    assert data == [0, 0, 4, TOKEN_TYPES.index("namespace"), 0,
                    0, 5, 1, TOKEN_TYPES.index("variable"), 1,
                    1, 2, 4, TOKEN_TYPES.index("property"), 0,
                    0, 5, 2, TOKEN_TYPES.index("number"), 0,
                    0, 4, 3, TOKEN_TYPES.index("comment"), 0]
    assert semantic_tokens('recipe "🤖" { seed 1 }\n')[5:8] == [0, 7, 4]  # the emoji is two UTF-16 units
