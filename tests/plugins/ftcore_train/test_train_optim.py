"""Weight decay on weights only, and the learning-rate schedules."""

from __future__ import annotations

import pytest

from ftcore_train.optim import lr_lambda, param_groups


def test_weight_decay_excludes_biases_and_norms():
    from ftcore_hf.byte_tokenizer import byte_tokenizer
    from ftcore_hf.sources import TinySource

    for arch, task in (("bert", "classification"), ("llama", "causal_lm")):
        args = {"arch": arch, "layers": 1, "hidden": 32, "heads": 4, "intermediate": 64}
        model = TinySource().model(args, task=task, labels=["a", "b"] if task == "classification" else None,
                                  tokenizer=byte_tokenizer())
        groups, names = param_groups(model, 0.1)
        assert [g["weight_decay"] for g in groups] == [0.1, 0.0]
        assert names["no_decay"] and all(("bias" in n or "norm" in n.lower()) for n in names["no_decay"])
        assert all("bias" not in n and "norm" not in n.lower() for n in names["decay"])
        assert any("query.weight" in n or "q_proj.weight" in n for n in names["decay"])
        total = sum(len(g["params"]) for g in groups)
        assert total == sum(1 for p in model.parameters() if p.requires_grad)


def schedule(name, warmup, end=0.0):
    return {"component": f"schedule:{name}", "args": {"warmup": warmup, "end": end},
            "impl": f"ftcore_train.optim:{name.capitalize()}Schedule", "plugin": "train"}


def test_schedules_warm_up_then_follow_their_shape():
    const = lr_lambda(schedule("constant", {"count": 4}), 100)
    assert [round(const(s), 2) for s in range(6)] == [0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    linear = lr_lambda(schedule("linear", {"fraction": 0.1}), 100)
    assert linear(10) == pytest.approx(1.0) and linear(55) == pytest.approx(0.5) and linear(100) == pytest.approx(0.0)
    cosine = lr_lambda(schedule("cosine", {"count": 0}, end=0.1), 100)
    assert cosine(0) == pytest.approx(1.0) and cosine(50) == pytest.approx(0.55) and cosine(100) == pytest.approx(0.1)
