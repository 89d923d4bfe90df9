"""The reference model: the starting model, which with LoRA is exactly the trained model with its adapter disabled."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from ftcore_preference.format import PreferenceFormat  # noqa: E402
from ftcore_preference.reference import pad_rows, split_logps, starting_model  # noqa: E402

ARGS = {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected", "chat": False}
ROWS = [{"prompt": "Q: can I return it?\nA:", "chosen": " Yes, within 30 days.", "rejected": " No."},
        {"prompt": "Q: where is my parcel?\nA:", "chosen": " It ships in 3 days.", "rejected": " Who cares."}]


def encoded(tok):
    return [vars(PreferenceFormat().encode(r, tok, 64, ARGS, {})) for r in ROWS]


def test_the_lora_model_with_its_adapter_disabled_gives_exactly_the_starting_models_log_probabilities(tiny_parts):
    from ftcore.api import Adapter, component_object

    params, tok = tiny_parts('adapter lora(rank: 4, alpha: 8, targets: ["q_proj", "v_proj"])')
    model, seed = params["model"], params["seed"]
    rows = encoded(tok)
    reference = split_logps(starting_model(model, seed, tok), rows, tok.pad_token_id)

    net = starting_model(model, seed, tok)
    adapter = model["adapter"]
    policy = component_object(adapter, Adapter).apply(net, adapter["args"], model["task"])
    with torch.no_grad():  # what training does to the adapter: B is no longer zero
        for name, p in policy.named_parameters():
            if "lora_B" in name:
                p.add_(torch.randn_like(p) * 0.5)
    policy.eval()
    moved = split_logps(policy, rows, tok.pad_token_id)
    assert moved != reference  # the adapter changes the model...
    with policy.disable_adapter():
        disabled = split_logps(policy, rows, tok.pad_token_id)
    assert disabled == reference  # ...and without it the weights are the starting model's, bit for bit
    assert sum(p.numel() for n, p in policy.named_parameters() if "lora" not in n) == \
        sum(p.numel() for p in starting_model(model, seed, tok).parameters())  # one copy of the base weights


def test_the_reference_stage_scores_every_pair_of_both_splits_in_row_order(ftcore_stage, tiny_parts):
    params, tok = tiny_parts()
    rows = encoded(tok)
    stage_params = {"model": {"base": params["model"]["base"], "task": "causal_lm"}, "seed": params["seed"]}
    from ftcore_preference.reference import ReferenceStage

    out = ftcore_stage(ReferenceStage(), params=stage_params,
                       inputs={"train": rows, "eval": rows[::-1], "tokenizer": tok})
    net = starting_model(stage_params["model"], params["seed"], tok)
    with torch.no_grad():
        from ftcore_preference.pairs import answer_logps

        chosen, rejected, _, _ = answer_logps(net, pad_rows(rows[:1], tok.pad_token_id))
    got = out["reference"]["logps"]
    assert got["train"][0] == pytest.approx([float(chosen[0]), float(rejected[0])], abs=1e-5)
    assert [pytest.approx(pair, abs=1e-5) for pair in got["eval"]] == got["train"][::-1]
