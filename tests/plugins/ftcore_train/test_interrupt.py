"""SIGINT and SIGTERM finish the step (or evaluation), save a checkpoint, say how to resume; resume is exact."""

from __future__ import annotations

import os
import signal

import pytest

from ftcore.plugins import hookimpl
from ftcore_train.interrupt import Interrupted, StopRequest

pytest.importorskip("deepspeed")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class SignalAt:
    """A plugin that sends this process a real signal at the end of one step."""

    def __init__(self, signum, step):
        self.signum, self.step = signum, step

    @hookimpl
    def ftcore_train_step_end(self, step, total, metrics):
        if step == self.step:
            os.kill(os.getpid(), self.signum)


def host_with(plugin):
    from ftcore.plugins.manager import load_host

    return load_host(only=["train"], extra=[("signal", plugin)])


def test_a_signal_at_a_step_saves_it_and_resume_matches_the_uninterrupted_run(tmp_path):
    from test_train_loop import losses, params, train, weights

    whole = train(tmp_path, "whole", params(epochs=2), n=24)
    with pytest.raises(Interrupted) as err:
        train(tmp_path, "cut", params(epochs=2), hook=host_with(SignalAt(signal.SIGTERM, step=4)).hook, n=24)
    assert err.value.message == "interrupted by SIGTERM at step 4; checkpoint step-0000004 saved"
    assert err.value.hint.startswith("continue with: ftcore run ") and err.value.hint.endswith(" --resume")
    assert err.value.signum == signal.SIGTERM
    assert sorted(p.name for p in (tmp_path / "cut" / "checkpoints").iterdir()) == ["step-0000004"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers given back
    resumed = train(tmp_path, "cut", params(epochs=2), resume=True, n=24)
    assert resumed["steps"] == whole["steps"] == 12
    assert losses(tmp_path / "cut") == losses(tmp_path / "whole")
    a, b = weights(tmp_path / "cut"), weights(tmp_path / "whole")
    assert all(bool((a[k] == b[k]).all()) for k in a)


def test_a_signal_during_evaluation_lets_it_finish_then_saves(tmp_path, monkeypatch):
    from ftcore_train.loop import Trainer
    from test_train_loop import params, train

    real = Trainer.evaluate
    seen = []

    def evaluate_and_get_interrupted(self):
        os.kill(os.getpid(), signal.SIGINT)  # arrives while the evaluation is under way
        metrics = real(self)
        seen.append(self.state.step)
        return metrics

    monkeypatch.setattr(Trainer, "evaluate", evaluate_and_get_interrupted)
    with pytest.raises(Interrupted) as err:
        train(tmp_path, "run", params(eval_every=2), n=24)
    assert seen == [2] and err.value.step == 2
    assert err.value.message == "interrupted by SIGINT at step 2; checkpoint step-0000002 saved"
    metrics = (tmp_path / "run" / "metrics.jsonl").read_text()
    assert '"split": "eval", "step": 2' in metrics  # the evaluation was recorded, not lost


def test_a_second_ctrl_c_aborts_at_once():
    said = []
    stop = StopRequest(said.append).install()
    try:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.signum == signal.SIGINT and "Ctrl-C again to abort at once" in said[0]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        stop.restore()


def test_every_process_stops_when_any_one_was_signalled():
    """The decision is summed over the processes, so a signal seen by one rank stops all at the same step."""
    quiet, signalled = StopRequest(), StopRequest()
    signalled.signum = signal.SIGTERM

    def sum_with(other):
        def all_reduce(tensor):
            tensor += float(other.signum or 0)
        return all_reduce

    assert quiet.agreed(sum_with(signalled)) == signal.SIGTERM
    assert signalled.agreed(sum_with(quiet)) == signal.SIGTERM
    assert quiet.agreed(sum_with(StopRequest())) is None
