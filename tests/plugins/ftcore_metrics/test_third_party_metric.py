"""A metric from a third-party plugin runs exactly like a built-in one, and its mistakes are its own.

The plugin is defined here (not in plugins/) and loaded next to the installed ones. Its metric
reports the mean probability the model gives the true class; the value is checked against the
saved model's own logits on the test split. A misspelled ``impl`` is refused by ``ftcore
check`` at the metric's position (exit 2); a metric raising in its code stops ``ftcore run``
with a message naming the plugin, its distribution and the metric (exit 5). Golden files hold
what the user sees.
"""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest

from ftcore.api import Metric, hookimpl
from metric_runs import classifier_recipe, evaluate_record, install_distribution, run_cli, saved_test_logits

pytest.importorskip("deepspeed")
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "metrics"
UPDATE = os.environ.get("FTCORE_UPDATE_GOLDEN", "") not in ("", "0")


class MeanTrueProbability(Metric):
    """Mean softmax probability of the true class."""

    needs = frozenset({"logits"})

    def __init__(self, args, info):
        super().__init__(args, info)
        self.total, self.count = 0.0, 0

    def update(self, batch):
        probs = batch.logits.softmax(-1)
        self.total += float(probs.gather(1, batch.labels[:, None]).sum())
        self.count += len(batch.labels)

    def merge(self, other):
        self.total += other.total
        self.count += other.count

    def compute(self):
        return {"mean_true_probability": self.total / self.count}


def third_party(impl: str) -> types.ModuleType:
    """A plugin module (distribution-less, like a test's) declaring ``mean_true_probability`` with ``impl``."""
    module = types.ModuleType("ftcore_probability")
    module.__version__ = "2.1.0"
    module.FTCORE_PLUGIN_API = "1.0"

    def ftcore_register_components(register):
        register.component("metric", "mean_true_probability", help="Mean probability of the true class.",
                           impl=impl, tasks=("classification",))

    module.ftcore_register_components = hookimpl(ftcore_register_components)
    return module


def compare_golden(name: str, text: str) -> None:
    golden = GOLDEN / f"{name}.txt"
    if UPDATE or not golden.exists():
        golden.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote the missing golden file {golden.name}: check it by eye and commit it")
    assert text == golden.read_text(encoding="utf-8"), f"differs from {golden.name}"


def test_a_third_party_metric_runs_end_to_end_and_is_right(tmp_path, monkeypatch, capsys):
    from ftcore.plugins.manager import load_host

    plugin = ("probability", third_party(f"{__name__}:MeanTrueProbability"))
    recipe = classifier_recipe(tmp_path, "accuracy, mean_true_probability")
    status = run_cli(monkeypatch, [plugin], "run", str(recipe), "--out", str(tmp_path / "run"))
    assert status == 0, capsys.readouterr()
    record = evaluate_record(tmp_path / "run")
    logits, labels = saved_test_logits(recipe, tmp_path / "run", load_host(extra=[plugin]))
    by_hand = float(logits.softmax(-1)[range(len(labels)), labels].mean())
    assert abs(record["mean_true_probability"] - by_hand) < 1e-6
    assert record["accuracy"] == int((logits.argmax(-1) == labels).sum()) / len(labels)
    assert record["examples"] == len(labels) > 0


def test_a_misspelled_metric_impl_is_refused_by_check_where_the_recipe_names_it(tmp_path, monkeypatch, capsys):
    plugin = ("probability", third_party(f"{__name__}:MeanTrueProbabilty"))
    recipe = classifier_recipe(tmp_path, "accuracy, mean_true_probability")
    monkeypatch.chdir(tmp_path)
    assert run_cli(monkeypatch, [plugin], "check", recipe.name) == 2
    compare_golden("impl_misspelled", capsys.readouterr().err)


EXPLODING = """
from ftcore.api import Metric, hookimpl

FTCORE_PLUGIN_API = "1.0"


class Exploding(Metric):
    def update(self, batch):
        raise ValueError(f"cannot score a batch of {len(batch.labels)}")

    def merge(self, other):
        pass

    def compute(self):
        return {}


@hookimpl
def ftcore_register_components(register):
    register.component("metric", "exploding", help="Raises.", impl="ftcore_exploding:Exploding")
"""


def test_a_metric_raising_in_its_code_is_reported_as_its_plugins_fault(tmp_path, monkeypatch, capsys):
    """Installed as a distribution, so the message names it and its version."""
    install_distribution(tmp_path / "site", monkeypatch, "ftcore-exploding", "0.4.2",
                         {"ftcore_exploding.py": EXPLODING}, {"exploding": "ftcore_exploding"})
    recipe = classifier_recipe(tmp_path, "accuracy, exploding")
    monkeypatch.chdir(tmp_path)
    status = run_cli(monkeypatch, [], "run", recipe.name, "--out", "run")
    err = capsys.readouterr().err
    assert status == 5 and "Traceback" not in err, err
    compare_golden("raises_at_run_time", err[err.index(f"{recipe.name}:"):])


def test_every_golden_file_here_has_a_test():
    used = {"impl_misspelled", "raises_at_run_time"}
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == sorted(used)
    assert all(f'compare_golden("{name}"' in Path(__file__).read_text() for name in used)
