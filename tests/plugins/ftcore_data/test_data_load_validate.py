"""Loading every source kind with provenance, and validation of bad rows of every kind."""

import json

import pytest

from ftcore.runtime.errors import RunError

HEAD = 'recipe "t" {{ seed 1 }}\nmodel {{ base "{tok}" task classification }}\n'


def recipe(tok, source, extra="", fmt='classification(text: "text", label: "label")'):
    return HEAD.format(tok=tok) + f"data d {{\n  source {source}\n  {extra}\n  format {fmt}\n}}\n"


def validated(prepare, tok, source, extra=""):
    out, _ = prepare(recipe(tok, source, extra), targets=["data.d.validate"])
    return out["data.d.validate"]


GOOD = [{"text": "hello there", "label": "greet"}, {"text": "bye now", "label": "leave"}]


def jsonl(rows):
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_jsonl_rows_keep_file_and_line(prepare, write, minilm_dir):
    write("d.jsonl", jsonl(GOOD) + "\n" + jsonl([{"text": "again", "label": 3, "extra": [1]}]))
    out = validated(prepare, minilm_dir, 'jsonl("d.jsonl")')
    rows = out["rows"]
    assert rows["_loc"] == ["d.jsonl:1", "d.jsonl:2", "d.jsonl:4"]
    assert rows["label"] == ["greet", "leave", "3"]  # integer labels become strings
    assert out["report"]["rows_out"] == 3


BAD_CASES = [
    ('{"label": "x"}\n', 'missing field: "text"'),
    ('{"text": 5, "label": "x"}\n', 'wrong type: "text" must be a string, got a number'),
    ('{"text": "a", "label": [1]}\n', 'wrong type: "label" must be a string or an integer, got a list'),
    ('{"text": "a", "label": "x"\n', "invalid JSON: Expecting ',' delimiter at column 27"),
    (b'{"text": "caf\xe9", "label": "x"}\n', "not valid UTF-8: byte 0xe9 at column 14"),
    ('["text", "label"]\n', "a row must be a JSON object, got a list"),
]


@pytest.mark.parametrize("line,reason", BAD_CASES)
def test_bad_rows_are_reported_with_their_line(prepare, write, minilm_dir, line, reason):
    body = jsonl(GOOD).encode()
    write("d.jsonl", body + (line if isinstance(line, bytes) else line.encode()) + jsonl(GOOD).encode())
    with pytest.raises(RunError) as err:
        validated(prepare, minilm_dir, 'jsonl("d.jsonl")', "validate on_error: fail")
    assert err.value.details[0] == f"d.jsonl:3: {reason}"
    out = validated(prepare, minilm_dir, 'jsonl("d.jsonl")', "validate on_error: skip, max_bad: 50%")
    report = out["report"]
    assert report["rows_in"] == 5 and report["rows_out"] == 4
    assert report["bad_examples"] == [f"d.jsonl:3: {reason}"]
    assert sum(report["dropped"].values()) == 1


def test_too_many_bad_rows_stop_the_run(prepare, write, minilm_dir):
    write("d.jsonl", jsonl(GOOD) + '{"text": 1}\n')
    with pytest.raises(RunError, match=r"1 of 3 rows are bad \(33.3%\), more than max_bad 5.0%"):
        validated(prepare, minilm_dir, 'jsonl("d.jsonl")')


def test_an_empty_file_is_an_error_with_its_line(prepare, write, minilm_dir):
    write("d.jsonl", "")
    with pytest.raises(RunError, match=r"d.jsonl:1: the file is empty"):
        validated(prepare, minilm_dir, 'jsonl("d.jsonl")')
    write("d.jsonl", "\n\n")
    with pytest.raises(RunError, match="no rows"):
        validated(prepare, minilm_dir, 'jsonl("d.jsonl")')


def test_csv_reports_the_line_a_record_starts_on(prepare, write, minilm_dir):
    write("d.csv", 'text,label\n"multi\nline",a\nplain,b\nshort\n')
    out = validated(prepare, minilm_dir, 'csv("d.csv")', "validate max_bad: 50%")
    assert out["rows"]["_loc"] == ["d.csv:2", "d.csv:4"]
    assert out["rows"]["text"] == ["multi\nline", "plain"]
    assert out["report"]["bad_examples"] == ["d.csv:5: expected 2 fields (as in the header), got 1"]


def test_json_parquet_text_files_and_disk(prepare, write, minilm_dir, tmp_path):
    from datasets import Dataset, DatasetDict

    write("d.json", json.dumps({"rows": GOOD}))
    Dataset.from_list(GOOD).to_parquet(str(tmp_path / "d.parquet"))
    DatasetDict({"train": Dataset.from_list(GOOD)}).save_to_disk(str(tmp_path / "saved"))
    write("texts/a.txt", "first file")
    write("texts/sub/b.txt", "second file")
    out = validated(prepare, minilm_dir, 'json("d.json", field: "rows"), parquet("d.parquet"), disk("saved")')
    assert out["rows"]["_loc"] == ["d.json#0", "d.json#1", "d.parquet#0", "d.parquet#1", "saved#0", "saved#1"]
    assert out["rows"]["_src"] == [0, 0, 1, 1, 2, 2]
    out, _ = prepare(HEAD.format(tok=minilm_dir).replace("classification", "causal_lm")
                     + 'data d { source text_files("texts") format text }\n', targets=["data.d.validate"])
    assert out["data.d.validate"]["rows"]["text"] == ["first file", "second file"]
    assert out["data.d.validate"]["rows"]["_loc"] == ["texts/a.txt:1", "texts/sub/b.txt:1"]


def test_hub_offline_is_a_message(prepare, minilm_dir, monkeypatch):
    import datasets
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(RunError, match='cannot load the hub dataset "no-such/dataset"') as err:
        validated(prepare, minilm_dir, 'hub("no-such/dataset")')
    assert "save_to_disk" in err.value.hint


def test_a_label_set_fixed_by_the_format_makes_other_labels_bad_rows(prepare, write, minilm_dir):
    write("d.jsonl", jsonl(GOOD + [{"text": "what?", "label": "other"}, {"text": "hi", "label": "greet"}]))
    fmt = 'classification(text: "text", label: "label", labels: ["leave", "greet"])'
    out, _ = prepare(recipe(minilm_dir, 'jsonl("d.jsonl")', "validate max_bad: 50%", fmt))
    report = out["data.d.validate"]["report"]
    assert report["bad_examples"] == ['d.jsonl:3: unknown label: "other" is not in the format\'s labels list']
    assert out["data.d.tokenize"]["info"]["label_names"] == ["leave", "greet"]  # in the order given
    assert sorted(out["data.d.tokenize"]["train"]["labels"]) == [0, 1, 1]
