"""Attention over packed rows computed sample by sample, instead of through a block-diagonal mask.

A packed row holds several samples; each may attend only within itself. The collator expresses that
as a 4-D block-diagonal mask, which every attention implementation understands, but a dense mask
makes PyTorch's ``scaled_dot_product_attention`` compute every score of the row's L × L block, masked
or not, and keeps it from its causal kernels. For a model on transformers' ``sdpa`` attention, the
train loop switches it to :data:`NAME`: when the batch carries ``packed_seq_lens`` (the samples'
lengths, row by row) and its rows are long enough to gain (:data:`MIN_ROW_LENGTH`), attention runs
once per sample with ``is_causal=True``; otherwise (shorter rows, evaluation of unpacked data,
generation) it is transformers' own ``sdpa`` attention with the mask it is given.
The result is the same attention; the gradients agree with the masked path to float rounding
(tests/plugins/ftcore_train/test_packed_attention.py).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

NAME = "ftcore_packed_sdpa"

# Below this row length the dense mask costs less than one attention call per sample: timed with a
# 4-layer Llama of hidden 128 on one CPU thread (forward and backward of 8 packed rows), the mask was
# faster at 128 tokens (0.102 s against 0.109 s), even at 192, and slower from 256 (0.208 s against
# 0.203 s; at 384, 0.366 s against 0.331 s; at 512, see docs/benchmarks.md).
MIN_ROW_LENGTH = 256


def packed_sdpa_attention(module, query, key, value, attention_mask, dropout: float = 0.0,
                          scaling: Optional[float] = None, packed_seq_lens: Optional[Sequence[Sequence[int]]] = None,
                          **kwargs: Any):
    """transformers' attention-function signature: ``query`` (batch, heads, length, dim), ``key`` and
    ``value`` (batch, kv heads, length, dim); returns (batch, length, heads, dim) and no weights."""
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    if packed_seq_lens is None or query.shape[2] < MIN_ROW_LENGTH:  # the collator's mask is in attention_mask
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    import torch
    import torch.nn.functional as F

    groups = getattr(module, "num_key_value_groups", 1)
    key, value = repeat_kv(key, groups), repeat_kv(value, groups)
    p = dropout if module.training else 0.0
    length, rows = query.shape[2], []
    for b, lens in enumerate(packed_seq_lens):
        parts, start = [], 0
        for n in [int(n) for n in lens] + [None]:  # None: the padding after the last sample, if any
            end = length if n is None else start + n
            if end > start:
                s = slice(start, end)
                parts.append(F.scaled_dot_product_attention(query[b:b + 1, :, s], key[b:b + 1, :, s],
                                                            value[b:b + 1, :, s], dropout_p=p, is_causal=True,
                                                            scale=scaling))
            start = end
        rows.append(torch.cat(parts, dim=2))
    return torch.cat(rows, dim=0).transpose(1, 2).contiguous(), None


def register() -> None:
    """Make :data:`NAME` known to transformers, as an attention function and as a mask builder (sdpa's)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(NAME, packed_sdpa_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(NAME, sdpa_mask)


def use_packed_attention(model) -> bool:
    """Switch ``model`` to :data:`NAME` if it runs transformers' ``sdpa`` attention; True if it did.

    Models on other attention implementations keep theirs and train on the block-diagonal mask.
    """
    config = getattr(model, "config", None)
    if config is None or getattr(config, "_attn_implementation", None) != "sdpa":
        return False
    register()
    config._attn_implementation = NAME
    return True
