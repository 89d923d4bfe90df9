"""The objective contract: the train stage minimises the recipe's objective, called through the registry.

A test plugin registers an objective that reads a value from a stage it lowers (the way a
preference plugin reads reference log-probabilities) and reports a statistic.
"""

from __future__ import annotations

import types

import pytest

from ftcore.api import Objective, hookimpl
from ftcore.testing import tiny_recipe, tiny_rows

pytest.importorskip("deepspeed")

SEEN: dict = {}


class Scaled(Objective):
    """The supervised loss times a factor some stage computed; reports the batch size."""

    statistics = ("rows",)
    task_metrics = False  # evaluation reports this objective's loss, not the classifier's metrics

    def setup(self, args, inputs):
        SEEN["inputs"] = dict(inputs)
        self.factor = inputs["factor"]["value"]

    def loss(self, model, batch, args, step):
        import torch.nn.functional as F

        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        SEEN.setdefault("splits", set()).add(step.split)
        SEEN.setdefault("indices", []).append((step.split, tuple(step.indices)))
        loss = F.cross_entropy(out.logits.float(), batch["labels"]) * self.factor * args["times"]
        return loss, {"rows": float(len(step.indices))}


class FactorStage:
    """A stage whose output the objective reads."""

    def run(self, stage, inputs, ctx):
        return {"value": {"value": stage.params["value"]}}


def plugin(reads: str = "objtest.factor.value"):
    from ftcore.api import Float, Param

    mod = types.SimpleNamespace(FTCORE_PLUGIN_API="1.0")

    @hookimpl
    def ftcore_register_components(register):
        register.component("objective", "scaled", (Param("times", Float(), 1.0, "Multiplier."),),
                           "Cross-entropy times a computed factor.", impl=f"{__name__}:Scaled",
                           inputs={"factor": reads}, statistics=("rows",))

    @hookimpl
    def ftcore_lower(recipe, graph, registry):
        graph.add_stage("objtest.factor", "factor", "objtest", params={"value": 0.0},
                        outputs={"value": "json"}, impl=f"{__name__}:FactorStage")

    mod.ftcore_register_components, mod.ftcore_lower = ftcore_register_components, ftcore_lower
    return mod


def test_the_default_objective_is_supervised_through_its_entry(ftcore_compile, tmp_path):
    (tmp_path / "rows.jsonl").write_text(tiny_rows())
    _, graph = ftcore_compile(tiny_recipe())
    entry = graph.get("train").params["objective"]
    assert entry["component"] == "objective:supervised"
    assert entry["impl"] == "ftcore_train.objectives:Supervised"


def test_the_train_stage_minimises_the_recipes_objective_with_its_declared_inputs(ftcore_run):
    from ftcore.plugins.manager import load_host

    SEEN.clear()
    host = load_host(extra=[("objtest", plugin())])
    result = ftcore_run(tiny_recipe(train="objective scaled(times: 3.0)  eval_every 2"),
                        files={"rows.jsonl": tiny_rows()}, host=host)
    assert result.status == 0, result.output
    assert SEEN["inputs"] == {"factor": {"value": 0.0}}  # the lowered stage's output reached setup()
    steps = [m for m in result.metrics if "lr" in m]
    assert steps and all(m["loss"] == 0.0 for m in steps)  # factor 0: the objective's loss, not cross-entropy
    assert all(m["rows"] == 8.0 for m in steps)  # its statistics are logged with every step
    evals = [m for m in result.metrics if m.get("split") == "eval"]
    assert evals and all(m["rows"] > 0 for m in evals)  # and measured on the eval split
    assert all(m["loss"] == 0.0 and "accuracy" not in m for m in evals)  # the objective's loss, no task metrics
    assert {"train", "eval"} <= SEEN["splits"]
    train_rows = sorted(i for split, idx in SEEN["indices"] if split == "train" for i in idx)
    assert len(train_rows) == len(set(train_rows)) and train_rows[0] == 0  # positions in the split, each once


def test_an_objective_reading_an_input_no_stage_provides_is_refused(ftcore_compile, tmp_path):
    (tmp_path / "rows.jsonl").write_text(tiny_rows())
    from ftcore.api import PluginError
    from ftcore.plugins.manager import load_host

    host = load_host(extra=[("objtest", plugin(reads="objtest.missing.value"))])
    with pytest.raises(PluginError, match="objtest.missing.value") as err:
        ftcore_compile(tiny_recipe(train="objective scaled"), host=host)
    assert err.value.plugin == "objtest"  # blamed on the objective's plugin, not on ftcore's


def test_early_stopping_may_watch_a_statistic_the_objective_declares(ftcore_compile, ftcore_errors, tmp_path):
    from ftcore.plugins.manager import load_host

    (tmp_path / "rows.jsonl").write_text(tiny_rows())
    host = load_host(extra=[("objtest", plugin())])
    extra = "regularize { early_stop(patience: 2, on: eval.rows) }"
    _, graph = ftcore_compile(tiny_recipe(train="objective scaled", extra=extra), host=host)
    assert graph.get("train").params["early_stop"]["metric"] == "rows"
    assert "is not evaluated during training" in ftcore_errors(tiny_recipe(extra=extra), host=host)
