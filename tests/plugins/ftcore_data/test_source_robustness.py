"""The readers never merge, drop or crash on hostile data: every row is read or is a located error.

The fuzzing property runs in the default suite with a bounded number of examples;
``FTCORE_FUZZ_SCALE=20`` (as for the recipe fuzzing) searches twenty times as long.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftcore.api import RunError, SourceContext
from ftcore_data.sources import read_csv, read_json, read_jsonl

SCALE = float(os.environ.get("FTCORE_FUZZ_SCALE", "1"))
FUZZ = settings(max_examples=int(120 * SCALE), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def read(reader, tmp_path, data: bytes, name: str):
    path = tmp_path / name
    path.write_bytes(data)
    ctx = SourceContext(paths={"path": path})
    return list(reader({"path": name}, ctx)), ctx


def test_an_unterminated_quote_is_a_located_error_not_a_merged_row(tmp_path):
    rows, _ = read(read_csv, tmp_path, b'text,label\n"refund please,billing\napp crashes,tech\nreset,account\n', "t.csv")
    assert len(rows) == 1 and rows[0].location == "t.csv:2" and rows[0].row is None
    assert rows[0].error.startswith("a quote opened on line 2 closes only on line 4: lines 3-4 look like rows")


def test_a_quoted_field_may_span_lines(tmp_path):
    rows, _ = read(read_csv, tmp_path, b'text,label\n"first line\nsecond line",a\nx,b\n', "t.csv")
    assert [(r.location, r.error) for r in rows] == [("t.csv:2", ""), ("t.csv:4", "")]
    assert "first line\\nsecond line" in rows[0].row


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"], ids=["CR", "CRLF", "LF"])
def test_every_line_end_reads_the_same_rows_at_the_same_lines(tmp_path, end):
    data = end.join([b"text,label", b"hello,a", b"world,b", b""])
    rows, _ = read(read_csv, tmp_path, data, "t.csv")
    assert [(r.location, r.row) for r in rows] == [("t.csv:2", '{"text": "hello", "label": "a"}'),
                                                    ("t.csv:3", '{"text": "world", "label": "b"}')]


def test_a_json_line_nested_too_deep_is_one_row_error(tmp_path):
    data = b'{"a": 1}\n' + b"[" * 100_000 + b"]" * 100_000 + b'\n{"b": 2}\n'
    rows, _ = read(read_jsonl, tmp_path, data, "t.jsonl")
    assert [(r.location, bool(r.row)) for r in rows] == [("t.jsonl:1", True), ("t.jsonl:2", False), ("t.jsonl:3", True)]
    assert "nested too deeply" in rows[1].error


def test_a_json_file_nested_too_deep_is_a_message(tmp_path):
    with pytest.raises(RunError, match="t.json: nested too deeply"):
        read(read_json, tmp_path, b"[" * 100_000 + b"]" * 100_000, "t.json")


def test_json_errors_name_character_columns_and_say_at_once(tmp_path):
    rows, _ = read(read_jsonl, tmp_path, '{"a": "é\n{"b": "é'.encode() + b"\xff" + b'"}\n', "t.jsonl")
    assert [r.error for r in rows] == ["invalid JSON: Unterminated string starting at column 7",
                                       "not valid UTF-8: byte 0xff at column 9"]


LOCATED = {"t.jsonl": re.compile(r"^t\.jsonl:\d+$"), "t.csv": re.compile(r"^t\.csv:\d+$"),
           "t.json": re.compile(r"^t\.json#\d+$")}
PIECES = [b'{"text": "a", "label": "b"}', b'"', b",", b"\n", b"\r", b"\r\n", b"[", b"]", b"{", b"}", b"\xff",
          b"\x00", b"text,label", b"a,b", b'"x,y', b"\xef\xbb\xbf", b" ", b'"text": 1', b"null", b"1e999"]


def fuzz_bytes():
    return st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=8)), max_size=40).map(b"".join)


def check_property(reader, name, data, tmp_path):
    """A located row or a located error for everything; a whole-file problem is a RunError naming the file."""
    try:
        rows, _ = read(reader, tmp_path, data, name)
    except RunError as exc:
        assert exc.message.startswith(name), exc.message
        return
    for r in rows:
        assert LOCATED[name].match(r.location), r.location
        assert bool(r.row) != bool(r.error), r
        if r.row:
            import json

            assert isinstance(json.loads(r.row), dict)


@pytest.mark.parametrize("reader,name", [(read_jsonl, "t.jsonl"), (read_csv, "t.csv"), (read_json, "t.json")],
                         ids=["jsonl", "csv", "json"])
def test_fuzzed_files_read_or_report_with_a_location(reader, name, tmp_path):
    @FUZZ
    @given(data=fuzz_bytes())
    def prop(data):
        check_property(reader, name, data, tmp_path)

    prop()


@pytest.mark.parametrize("reader,name,row", [(read_jsonl, "t.jsonl", b'{"text": "%s", "label": "a"}'),
                                             (read_csv, "t.csv", b"%s,a")], ids=["jsonl", "csv"])
def test_a_line_over_a_mebibyte_is_one_located_row_error_read_in_bounded_pieces(tmp_path, reader, name, row):
    from ftcore_data.sources import MAX_LINE_BYTES

    head = b"text,label\n" if name == "t.csv" else b""
    huge = row.replace(b"%s", b"x" * (10 * MAX_LINE_BYTES))
    fits = row.replace(b"%s", b"y" * (MAX_LINE_BYTES - len(row)))
    data = head + row.replace(b"%s", b"ok") + b"\n" + huge + b"\n" + fits + b"\n" + row.replace(b"%s", b"end")
    rows, _ = read(reader, tmp_path, data, name)
    first = 2 if head else 1
    assert [(r.location, bool(r.row)) for r in rows] == [
        (f"{name}:{first}", True), (f"{name}:{first + 1}", False), (f"{name}:{first + 2}", True),
        (f"{name}:{first + 3}", True)]
    assert rows[1].error.startswith(f"the line has {len(huge) + 1:,} bytes; a row may have at most 1,048,576")
