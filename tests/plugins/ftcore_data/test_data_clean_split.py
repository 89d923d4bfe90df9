"""Cleaning steps (each reports what it did) and splits (seeded, stratified, hashed, own sources)."""

import json
from collections import Counter

from ftcore_data.splitting import hash_split, random_split, reweight

HEAD = 'recipe "t" {{ seed 7 }}\nmodel {{ base "{tok}" task classification }}\n'


def jsonl(rows):
    return "".join(json.dumps(r) + "\n" for r in rows)


def block(tok, body, fmt='classification(text: "text", label: "label")'):
    return HEAD.format(tok=tok) + f'data d {{\n  source jsonl("d.jsonl")\n{body}\n  format {fmt}\n}}\n'


def test_each_cleaner_reports_removed_or_changed_rows(prepare, write, minilm_dir):
    rows = [{"text": t, "label": "a"} for t in
            ["Hello  World", "hello world", "   ", "write to ann@example.com", "call +1 (555) 123-4567 now",
             "ﬁne", "SPAM offer", "x" * 50, "Hello  World"]]
    write("d.jsonl", jsonl(rows))
    body = ('  clean drop_empty("text"), dedupe("text"), dedupe("text", normalize: true), '
            'drop_regex("text", "SPAM"), max_chars("text", 40), mask_emails("text"), mask_phones("text"), '
            'normalize_unicode("text")')
    out, _ = prepare(block(minilm_dir, body), targets=["data.d.clean"])
    report = out["data.d.clean"]["report"]
    effects = [(s["step"], s.get("removed", s.get("changed"))) for s in report["steps"]]
    # each step as valid recipe text, every argument named (normalize, replacement and form are keyword-only)
    assert effects == [('drop_empty(field: "text")', 1), ('dedupe(field: "text", normalize: false)', 1),
                       ('dedupe(field: "text", normalize: true)', 1), ('drop_regex(field: "text", pattern: "SPAM")', 1),
                       ('max_chars(field: "text", limit: 40)', 1),
                       ('mask_emails(field: "text", replacement: "[EMAIL]")', 1),
                       ('mask_phones(field: "text", replacement: "[PHONE]")', 1),
                       ('normalize_unicode(field: "text", form: "NFKC")', 1)]
    assert out["data.d.clean"]["rows"]["text"] == ["Hello  World", "write to [EMAIL]", "call [PHONE] now", "fine"]
    assert report["rows_in"] == 9 and report["rows_out"] == 4


def test_keep_regex_min_chars_and_max_tokens(prepare, write, minilm_dir):
    write("d.jsonl", jsonl([{"text": t, "label": "a"} for t in ["ticket one", "ticket two three four", "no", "hi"]]))
    body = '  clean keep_regex("text", "^ticket"), max_tokens("text", 2), min_chars("text", 1)'
    out, _ = prepare(block(minilm_dir, body), targets=["data.d.clean"])
    assert out["data.d.clean"]["rows"]["text"] == ["ticket one"]


def test_random_split_is_deterministic_and_exact():
    shares = {"train": {"fraction": 0.8}, "eval": {"fraction": 0.1}, "test": {"fraction": 0.1}}
    a = random_split(100, shares, 1)
    assert a == random_split(100, shares, 1) and a != random_split(100, shares, 2)
    assert {k: len(v) for k, v in a.items()} == {"train": 80, "eval": 10, "test": 10}
    assert sorted(a["train"] + a["eval"] + a["test"]) == list(range(100))
    counts = random_split(50, {"train": None, "eval": {"count": 5}, "test": {"count": 7}}, 0)
    assert {k: len(v) for k, v in counts.items()} == {"train": 38, "eval": 5, "test": 7}


def test_stratified_split_keeps_label_shares():
    strata = ["a"] * 60 + ["b"] * 30 + ["c"] * 10
    parts = random_split(100, {"train": {"fraction": 0.8}, "eval": {"fraction": 0.1}, "test": {"fraction": 0.1}},
                         3, strata)
    for name, size in (("train", 80), ("eval", 10), ("test", 10)):
        got = Counter(strata[i] for i in parts[name])
        assert sum(got.values()) == size
        assert got == Counter({"a": size * 6 // 10, "b": size * 3 // 10, "c": size // 10})


def test_hash_split_keeps_rows_in_place_when_data_grows():
    shares = {"train": None, "eval": {"fraction": 0.2}}
    ids = [f"id{i}" for i in range(200)]
    small = hash_split(ids[:100], shares, 5)
    big = hash_split(ids, shares, 5)
    assert set(small["eval"]) <= set(big["eval"]) and set(small["train"]) <= set(big["train"])
    assert 20 <= len(big["eval"]) <= 60


def test_weights_repeat_training_rows():
    sources = [0, 0, 1, 1]
    assert sorted(reweight([0, 1, 2, 3], sources, [2.0, 1.0], 0)) == [0, 0, 1, 1, 2, 3]
    assert len(reweight([0, 1, 2, 3], sources, [1.0, 0.5], 0)) == 3


def test_split_stage_with_stratify_and_own_test_source(prepare, write, minilm_dir):
    write("d.jsonl", jsonl([{"text": f"t{i}", "label": "ab"[i % 2]} for i in range(40)]))
    write("test.jsonl", jsonl([{"text": "held", "label": "a"}]))
    body = '  split train: 75%, eval: 25%, stratify: "label", test: jsonl("test.jsonl")'
    out, _ = prepare(block(minilm_dir, body), targets=["data.d.split"])
    split = out["data.d.split"]
    assert len(split["train"]) == 30 and len(split["eval"]) == 10
    assert Counter(split["eval"]["label"]) == {"a": 5, "b": 5}
    assert split["test"]["text"] == ["held"] and split["test"]["_loc"] == ["test.jsonl:1"]
