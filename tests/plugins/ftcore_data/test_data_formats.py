"""Formats checked token by token, packing isolation with a tiny Llama, caching by stage executions."""

import json

import pytest

from tiny_tokenizer import byte_tokenizer
from ftcore_data import formats
from ftcore_data.collate import collator_for
from ftcore_data.packing import pack_rows

IGNORE = -100


def ids(tok, text):
    return tok(text, add_special_tokens=False)["input_ids"]


def test_instruction_loss_only_on_the_completion():
    tok = byte_tokenizer()
    args = {"template": "Q: {prompt}\nA: ", "completion": "answer"}
    enc = formats.instruction({"prompt": "2+2?", "answer": "4"}, tok, 64, args, {})
    prompt = [tok.bos_token_id] + ids(tok, "Q: 2+2?\nA: ")
    assert enc.input_ids == prompt + ids(tok, "4") + [tok.eos_token_id]
    assert enc.labels == [IGNORE] * len(prompt) + ids(tok, "4") + [tok.eos_token_id]
    cut = formats.instruction({"prompt": "2+2?", "answer": "four"}, tok, len(prompt) + 2, args, {})
    assert cut.truncated and cut.labels[-2:] == ids(tok, "fo")
    gone = formats.instruction({"prompt": "2+2?", "answer": "4"}, tok, 5, args, {})
    assert gone.drop == "no tokens with loss left after truncation"


def test_chat_loss_only_on_assistant_turns():
    tok = byte_tokenizer()
    msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"}, {"role": "user", "content": "bye"},
            {"role": "assistant", "content": "ciao"}]
    enc = formats.chat({"messages": msgs}, tok, 256, {"messages": "messages"}, {})
    sp = lambda t: tok.convert_tokens_to_ids(t)  # noqa: E731
    expected_ids, expected_labels = [], []
    for m in msgs:
        head = [sp(f"<|{m['role']}|>")]
        body = ids(tok, m["content"]) + [sp("<|end|>")]
        expected_ids += head + body
        expected_labels += [IGNORE] * len(head) + (body if m["role"] == "assistant" else [IGNORE] * len(body))
    assert enc.input_ids == expected_ids
    assert enc.labels == expected_labels


def test_text_and_classification_and_seq2seq(minilm_dir):
    from transformers import AutoTokenizer

    tok = byte_tokenizer()
    enc = formats.text({"text": "abc"}, tok, 4, {"field": "text"}, {})
    assert enc.input_ids == [tok.bos_token_id] + ids(tok, "abc") and enc.truncated and enc.labels == enc.input_ids
    bert = AutoTokenizer.from_pretrained(minilm_dir)
    enc = formats.classification({"text": "good day", "label": "pos"}, bert, 16,
                                 {"text": "text", "label": "label"}, {"label_index": {"neg": 0, "pos": 1}})
    assert enc.labels == 1 and enc.input_ids[0] == bert.cls_token_id and enc.input_ids[-1] == bert.sep_token_id
    enc = formats.seq2seq({"s": "a b c", "t": "d"}, bert, 8, {"source": "s", "target": "t"}, {})
    assert enc.input_ids == [101, 1037, 1038, 1039, 102] and enc.labels == [101, 1040, 102]  # [CLS] a b c [SEP]
    enc = formats.seq2seq({"s": "a", "t": "d e f g h i j k l"}, bert, 8,
                          {"source": "s", "target": "t", "max_target_length": 4}, {})
    assert enc.labels == [101, 1040, 1041, 1042] and enc.truncated  # cut at the target's own limit


def tiny_causal_lm(kind):
    """A 2-layer causal LM with rotary (Llama) or absolute, learned (GPT-2) position embeddings."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    if kind == "gpt2":
        return GPT2LMHeadModel(GPT2Config(vocab_size=300, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                                          bos_token_id=1, eos_token_id=2, attn_implementation="eager")).eval()
    return LlamaForCausalLM(LlamaConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                        attn_implementation="eager")).eval()


SAMPLES = [[1, 5, 6, 7, 8], [1, 9, 10], [1, 11, 12, 13, 14, 15], [1, 20, 21]]
SAMPLE_LABELS = [[IGNORE, IGNORE, 6, 7, 8], [1, 9, 10], [1, 11, 12, 13, 14, 15], [IGNORE, 20, 21]]


def test_packing_masks_each_samples_first_label_and_restarts_positions():
    packed = pack_rows(SAMPLES, SAMPLE_LABELS, max_length=12)
    assert packed["seq_lens"] == [[5, 3], [6, 3]]
    assert packed["labels"] == [[IGNORE, IGNORE, 6, 7, 8, IGNORE, 9, 10], [IGNORE, 11, 12, 13, 14, 15, IGNORE, 20, 21]]
    rows = [{"input_ids": i, "labels": l, "seq_lens": s}
            for i, l, s in zip(packed["input_ids"], packed["labels"], packed["seq_lens"])]
    batch = collator_for({"packing": True, "pad_token_id": 0})(rows)
    assert batch["position_ids"].tolist() == [[0, 1, 2, 3, 4, 0, 1, 2, 0], [0, 1, 2, 3, 4, 5, 0, 1, 2]]
    allowed = batch["attention_mask"][0, 0] == 0  # additive mask: 0 where attention is allowed
    assert not allowed[5:8, :5].any() and allowed[5:8, 5:8].tolist() == [[True, False, False], [True, True, False],
                                                                           [True, True, True]]


@pytest.mark.parametrize("kind", ["llama", "gpt2"])  # GPT-2's absolute positions expose positions that run on
def test_packed_samples_have_the_loss_they_have_alone(kind):
    """Every position of a packed row, the ones at sample boundaries included, has its loss alone."""
    import torch

    model = tiny_causal_lm(kind)
    packed = pack_rows(SAMPLES, SAMPLE_LABELS, max_length=12)
    rows = [{"input_ids": i, "labels": l, "seq_lens": s}
            for i, l, s in zip(packed["input_ids"], packed["labels"], packed["seq_lens"])]

    def token_losses(batch):
        with torch.no_grad():
            logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
        lab = batch["labels"][:, 1:]
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), lab.clamp(min=0), reduction="none")
        return loss * (lab != IGNORE)

    for attn in ("eager", "sdpa"):
        model.config._attn_implementation = attn
        packed_loss = token_losses(collator_for({"packing": True, "pad_token_id": 0})(rows))
        alone = collator_for({"packing": False, "pad_token_id": 0})
        k = 0
        for b, row in enumerate(rows):
            expected = []
            for n in row["seq_lens"]:
                single = token_losses(alone([{"input_ids": SAMPLES[k], "attention_mask": [1] * n,
                                              "labels": SAMPLE_LABELS[k]}]))[0]
                expected += single.tolist() + [0.0]  # the last token must not be asked for the next sample's first
                k += 1
            got = packed_loss[b, :len(expected) - 1]
            assert got.tolist() == pytest.approx(expected[:-1], abs=1e-5), (kind, attn, b)


HEAD = 'recipe "t" {{ seed 1 }}\nmodel {{ base "{tok}" task causal_lm max_length 64 }}\n'


def test_tokenize_stage_and_caching_by_stage_executions(prepare, write, byte_tokenizer_dir):
    import fake_model

    rows = [{"prompt": f"q{i}", "completion": "a" * (i + 1)} for i in range(20)]
    write("d.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    text = HEAD.format(tok=byte_tokenizer_dir) + ('data d {\n source jsonl("d.jsonl")\n clean drop_empty("prompt")\n'
                                                  ' split eval: 10%\n format instruction(template: "{prompt}=")\n'
                                                  ' pack true\n}\n')
    out, ex = prepare(text)
    tok = out["data.d.tokenize"]
    assert set(ex.executed) == {"data.d.load", "data.d.validate", "data.d.clean", "data.d.split",
                                "model.tokenizer", "data.d.tokenize"}
    info = tok["info"]
    assert info["task"] == "causal_lm" and info["packing"] and info["rows"]["eval"] == 2
    assert sum(len(s) for s in tok["train"]["seq_lens"]) == 18
    assert all(len(r) <= 64 for r in tok["train"]["input_ids"])
    calls = fake_model.TokenizerStage.calls
    out, ex = prepare(text)  # same recipe, same data: nothing runs, not even the tokenizer
    assert ex.executed == [] and fake_model.TokenizerStage.calls == calls
    out, ex = prepare(text.replace('"{prompt}="', '"{prompt} =>"'))  # a template change: only tokenize
    assert set(ex.executed) == {"model.tokenizer", "data.d.tokenize"}
    out, ex = prepare(text.replace('drop_empty("prompt")', 'drop_empty("completion")'))
    assert set(ex.executed) == {"model.tokenizer", "data.d.clean", "data.d.split", "data.d.tokenize"}
    write("d.jsonl", "".join(json.dumps(r) + "\n" for r in rows[:-1]))  # the data changes
    out, ex = prepare(text)
    assert "data.d.load" in ex.executed and len(ex.executed) == 6


def test_truncation_is_reported(prepare, write, byte_tokenizer_dir):
    write("d.jsonl", json.dumps({"text": "x" * 100}) + "\n" + json.dumps({"text": "short"}) + "\n")
    text = HEAD.format(tok=byte_tokenizer_dir) + 'data d { source jsonl("d.jsonl") format text max_length 16 }\n'
    out, _ = prepare(text)
    report = out["data.d.tokenize"]["report"]["splits"]["train"]
    assert report["truncated"] == 1 and report["rows_out"] == 2 and report["token_lengths"]["max"] == 102
    out, _ = prepare(text.replace("max_length 16", "max_length 16 overlength drop"))
    report = out["data.d.tokenize"]["report"]["splits"]["train"]
    assert report["dropped"] == {"longer than max_length": 1} and report["rows_out"] == 1
