"""The preference format: answers only in the loss, both sequences of a pair in one row, recovered exactly."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from ftcore_preference.format import PreferenceFormat, fit_pair  # noqa: E402
from ftcore_preference.pairs import IGNORE, PAIR_START, unpair  # noqa: E402

ARGS = {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected", "chat": False}


def test_a_pair_is_prompt_chosen_then_prompt_rejected_with_loss_on_the_answers(tiny_parts):
    _, tok = tiny_parts()
    row = {"prompt": "Q: hi\nA:", "chosen": " Hello, how can I help?", "rejected": " What."}
    enc = PreferenceFormat().encode(row, tok, 64, ARGS, {})
    prompt = tok(row["prompt"])["input_ids"]
    chosen = tok(row["chosen"], add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    rejected = tok(row["rejected"], add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    assert enc.input_ids == prompt + chosen + prompt + rejected
    assert enc.labels == [IGNORE] * len(prompt) + chosen + [PAIR_START] + [IGNORE] * (len(prompt) - 1) + rejected
    assert not enc.drop and not enc.truncated


def test_unpair_recovers_both_sequences_of_every_row():
    a = fit_pair([1, 2], [3, 4, 5], [6], 16, "truncate")
    b = fit_pair([7], [8], [9, 10, 11, 12], 16, "truncate")
    rows = [a, b]
    longest = max(len(r.input_ids) for r in rows)
    batch = {"input_ids": torch.tensor([r.input_ids + [0] * (longest - len(r.input_ids)) for r in rows]),
             "labels": torch.tensor([r.labels + [IGNORE] * (longest - len(r.labels)) for r in rows]),
             "attention_mask": torch.tensor([[1] * len(r.input_ids) + [0] * (longest - len(r.input_ids))
                                             for r in rows])}
    out = unpair(batch)
    real = [out["input_ids"][i][out["attention_mask"][i].bool()].tolist() for i in range(4)]
    assert real == [[1, 2, 3, 4, 5], [7, 8], [1, 2, 6], [7, 9, 10, 11, 12]]  # chosen rows, then rejected rows
    labels = [out["labels"][i][out["attention_mask"][i].bool()].tolist() for i in range(4)]
    assert labels == [[IGNORE, IGNORE, 3, 4, 5], [IGNORE, 8], [IGNORE, IGNORE, 6], [IGNORE, 9, 10, 11, 12]]


def test_long_answers_are_cut_per_sequence_and_a_prompt_without_room_drops_the_row():
    enc = fit_pair([1, 2, 3], [4, 5, 6, 7], [8], 5, "truncate")
    assert enc.input_ids == [1, 2, 3, 4, 5, 1, 2, 3, 8] and enc.truncated
    assert fit_pair([1, 2, 3], [4, 5, 6, 7], [8], 5, "drop").drop
    assert fit_pair([1, 2, 3, 4, 5], [6], [7], 5, "truncate").drop


def test_chat_prompts_use_the_chat_template_and_score_the_reply_only(tiny_parts):
    _, tok = tiny_parts()
    tok.chat_template = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}</s>{% endfor %}"
                         "{% if add_generation_prompt %}<assistant>{% endif %}")
    args = dict(ARGS, chat=True)
    row = {"prompt": [{"role": "user", "content": "hi"}], "chosen": "Hello!", "rejected": "No."}
    enc = PreferenceFormat().encode(row, tok, 64, args, {})
    prompt = tok("<user>hi</s><assistant>", add_special_tokens=False)["input_ids"]
    reply = tok("Hello!</s>", add_special_tokens=False)["input_ids"]
    assert enc.input_ids[:len(prompt) + len(reply)] == prompt + reply
    assert enc.labels[:len(prompt) + len(reply)] == [IGNORE] * len(prompt) + reply
    assert PreferenceFormat().fields(args) == {"prompt": "messages", "chosen": "text", "rejected": "text"}
    tok.chat_template = None
    assert "chat template" in PreferenceFormat().check_tokenizer(tok, args)


def test_an_empty_answer_is_a_bad_row_at_its_line(ftcore_run):
    from preference_helpers import pairs_jsonl, preference_recipe

    rows = pairs_jsonl().splitlines()
    rows[2] = rows[2].replace('"rejected": " Never, returns are closed."', '"rejected": "  "')
    result = ftcore_run(preference_recipe(), files={"pairs.jsonl": "\n".join(rows) + "\n"})
    assert "pairs.jsonl:3" in result.output, result.output
