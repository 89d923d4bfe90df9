"""Packed rows: attention sample by sample is the block-diagonal masked attention, gradients included."""

from __future__ import annotations

import copy
import random

import pytest

torch = pytest.importorskip("torch")


def tiny_llama(kv_heads: int = 2):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=kv_heads, max_position_embeddings=128)
    config._attn_implementation = "sdpa"
    return LlamaForCausalLM(config)


def packed_batch(seed: int = 0):
    """Three rows of several samples each, one row ending in padding."""
    from ftcore_data.collate import PackedCollator

    r = random.Random(seed)
    rows = []
    for lens in ([5, 9, 3], [12, 7], [4, 4, 4, 2]):
        ids = [r.randrange(3, 64) for _ in range(sum(lens))]
        rows.append({"input_ids": ids, "labels": ids, "seq_lens": lens})
    return PackedCollator(0, seq_lens=True)(rows)


def loss_and_grads(model, batch):
    model.zero_grad()
    out = model(**batch)
    out.loss.backward()
    return out.loss.detach(), [p.grad.clone() for p in model.parameters()]


@pytest.mark.parametrize("kv_heads", [4, 2])
def test_sample_by_sample_attention_is_the_masked_attention(kv_heads, monkeypatch):
    import ftcore_train.packed_attention as packed
    from ftcore_train.packed_attention import NAME, use_packed_attention

    monkeypatch.setattr(packed, "MIN_ROW_LENGTH", 0)  # these rows are short: take the per-sample path anyway
    calls = []
    sdpa = torch.nn.functional.scaled_dot_product_attention
    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention",
                        lambda *a, **k: calls.append(k.get("is_causal")) or sdpa(*a, **k))

    masked = tiny_llama(kv_heads)
    by_sample = copy.deepcopy(masked)
    assert use_packed_attention(by_sample) and by_sample.config._attn_implementation == NAME
    batch = packed_batch()
    assert batch["packed_seq_lens"] == [[5, 9, 3], [12, 7], [4, 4, 4, 2]]
    reference = {k: v for k, v in batch.items() if k != "packed_seq_lens"}
    loss_a, grads_a = loss_and_grads(masked, reference)
    calls.clear()
    loss_b, grads_b = loss_and_grads(by_sample, batch)
    assert calls.count(True) == 2 * 11  # two layers, eleven segments: nine samples, two rows' padding
    assert torch.allclose(loss_a, loss_b, atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(grads_a, grads_b))


def test_without_lengths_it_is_transformers_sdpa_attention():
    """Generation and unpacked evaluation pass no lengths: the switched model answers as before."""
    from ftcore_train.packed_attention import use_packed_attention

    plain = tiny_llama()
    switched = copy.deepcopy(plain)
    use_packed_attention(switched)
    ids = torch.randint(3, 64, (2, 10))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    with torch.no_grad():
        assert torch.allclose(plain(input_ids=ids, attention_mask=mask).logits,
                              switched(input_ids=ids, attention_mask=mask).logits, atol=1e-6)
        out = switched.generate(ids[:1, :4], max_new_tokens=3, do_sample=False)
    assert out.shape == (1, 7)


def test_models_on_other_attention_keep_theirs():
    from ftcore_train.packed_attention import use_packed_attention

    model = tiny_llama()
    model.config._attn_implementation = "eager"
    assert not use_packed_attention(model) and model.config._attn_implementation == "eager"


def test_rows_shorter_than_the_threshold_use_the_mask():
    """Short rows go through transformers' sdpa attention with the collator's mask (cheaper there)."""
    from ftcore_train.packed_attention import MIN_ROW_LENGTH, use_packed_attention

    model = tiny_llama()
    use_packed_attention(model)
    batch = packed_batch()
    assert batch["input_ids"].shape[1] < MIN_ROW_LENGTH
    calls = []
    sdpa = torch.nn.functional.scaled_dot_product_attention
    try:
        torch.nn.functional.scaled_dot_product_attention = lambda *a, **k: calls.append(k.get("is_causal")) or sdpa(*a, **k)
        loss_and_grads(model, batch)
    finally:
        torch.nn.functional.scaled_dot_product_attention = sdpa
    assert calls and True not in calls
