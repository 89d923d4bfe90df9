"""Checkpoints never run code, are verified against their checksums, and damaged ones are skipped."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest

from ftcore.plugins import hookimpl
from ftcore.runtime.errors import RunError
from ftcore_train import checkpoints, dsconfig
from ftcore_train.integrity import CHECKSUMS, verify, write_checksums
from ftcore_train.safe_load import UnsafeCheckpoint

pytest.importorskip("deepspeed")


class Payload:
    """Unpickling this object creates ``marker``: proof that code from a checkpoint ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A ZeRO-1 run of two steps with a checkpoint after each (so optimizer shards exist too)."""
    import torch

    torch.set_num_threads(1)
    from test_train_loop import params, train

    s = dsconfig.Settings(zero=1, batch=4, lr=1e-3, clip=1.0)
    p = params(max_steps=2, checkpoint_every=1, keep=3)
    p["settings"], p["deepspeed"] = s.to_json(), dsconfig.generate(s)
    root = tmp_path_factory.mktemp("trained")
    train(root, "run", p, n=16)
    return root / "run", p


@pytest.fixture
def engine(trained, tmp_path_factory):
    """A fresh engine of the same shape, to load checkpoints into."""
    from ftcore_hf.byte_tokenizer import byte_tokenizer
    from ftcore_train.loop import Trainer
    from test_train_loop import rows

    _, p = trained
    tok = byte_tokenizer(32)
    info = {"task": "classification", "label_names": ["billing", "tech", "account"], "pad_token_id": 0}
    t = Trainer(p, rows(tok, 16), None, info, tok, tmp_path_factory.mktemp("fresh"))
    t._setup()
    yield t.engine
    t.close()


def copy_run(trained, tmp_path):
    run, _ = trained
    dest = tmp_path / "copy"
    shutil.copytree(run / "checkpoints", dest)
    return dest


def test_a_checkpoint_records_checksums_of_every_file_last(trained):
    run, _ = trained
    newest = checkpoints.complete(run / "checkpoints")[-1]
    listed = json.loads((newest / CHECKSUMS).read_text())["files"]
    on_disk = {p.name for p in newest.iterdir()} - {CHECKSUMS}
    assert set(listed) == on_disk and "zero_pp_rank_0_mp_rank_00_optim_states.pt" in on_disk
    assert verify(newest) == []


def test_the_planted_payload_is_real(tmp_path):
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.exists()


@pytest.mark.parametrize("rewrite_checksums", [False, True], ids=["checksums-kept", "checksums-rewritten"])
def test_a_payload_planted_in_any_checkpoint_file_never_runs(trained, engine, tmp_path, rewrite_checksums):
    import torch

    run, _ = trained
    names = sorted(p.name for p in checkpoints.complete(run / "checkpoints")[-1].iterdir())
    for name in names:
        root = tmp_path / name
        shutil.copytree(run / "checkpoints", root)
        newest = checkpoints.complete(root)[-1]
        marker = tmp_path / f"ran-{name}"
        torch.save({"module": Payload(marker), "step": 2}, newest / name)
        if rewrite_checksums and name != CHECKSUMS:
            write_checksums(newest)
        said = []
        try:
            found = checkpoints.load_newest_intact(engine, root, 0, said.append)
        except UnsafeCheckpoint as exc:
            assert name.endswith(".pt") and rewrite_checksums and "not tensors" in exc.detail
        else:
            # the tampered checkpoint was skipped as damaged and the older one loaded
            assert found[0].name == "step-0000001", name
            assert said and newest.name in said[0] and "damaged" in said[0]
        assert not marker.exists(), f"code planted in {name} ran"


def test_a_checkpoint_cut_in_half_falls_back_to_the_older_intact_one(trained, engine, tmp_path):
    root = copy_run(trained, tmp_path)
    newest = checkpoints.complete(root)[-1]
    shard = newest / "mp_rank_00_model_states.pt"
    full = shard.stat().st_size
    shard.write_bytes(shard.read_bytes()[: full // 2])
    said = []
    path, state, _ = checkpoints.load_newest_intact(engine, root, 0, said.append)
    assert path.name == "step-0000001" and state["step"] == 1
    assert said == [f"checkpoint {newest.name} is damaged, skipping it: mp_rank_00_model_states.pt has "
                    f"{full // 2} bytes, {full} were written"]


def test_an_empty_trainer_state_is_damage_not_a_json_error(trained, engine, tmp_path):
    root = copy_run(trained, tmp_path)
    newest = checkpoints.complete(root)[-1]
    (newest / "trainer_state.json").write_text("")
    said = []
    path, _, _ = checkpoints.load_newest_intact(engine, root, 0, said.append)
    assert path.name == "step-0000001" and "trainer_state.json has 0 bytes" in said[0]


def test_a_missing_trainer_state_or_checksum_file_is_reported(trained, engine, tmp_path):
    root = copy_run(trained, tmp_path)
    newest = checkpoints.complete(root)[-1]
    (newest / CHECKSUMS).unlink()
    said = []
    path, _, _ = checkpoints.load_newest_intact(engine, root, 0, said.append)
    assert path.name == "step-0000001" and f"{CHECKSUMS} is missing" in said[0]


def test_when_no_checkpoint_is_intact_the_newest_is_named(trained, engine, tmp_path):
    root = copy_run(trained, tmp_path)
    for ckpt in checkpoints.complete(root):
        (ckpt / "extra.bin").write_bytes(b"x")
    with pytest.raises(checkpoints.DamagedCheckpoint) as err:
        checkpoints.load_newest_intact(engine, root, 0, lambda m: None)
    assert err.value.path.name == "step-0000002" and err.value.problems == ["extra.bin was not written by ftcore"]


def test_resume_refuses_a_tampered_checkpoint_with_a_message(trained, tmp_path):
    """Through the trainer: the refusal is a RunError the command line prints, not a traceback."""
    import torch

    from test_train_loop import train

    run, p = trained
    dest = tmp_path / "resumed"
    shutil.copytree(run, dest)
    newest = checkpoints.complete(dest / "checkpoints")[-1]
    marker = tmp_path / "ran"
    torch.save({"module": Payload(marker)}, newest / "mp_rank_00_model_states.pt")
    write_checksums(newest)
    with pytest.raises(RunError) as err:
        train(tmp_path, "resumed", p, resume=True, n=16)
    assert "refused to load checkpoint" in err.value.message and "(it names io.open)" in err.value.message
    assert not marker.exists()


def test_a_half_written_metrics_line_is_removed_on_resume(tmp_path):
    from ftcore_train.progress import MetricsLog

    log = MetricsLog(tmp_path / "metrics.jsonl")
    log.path.write_text('{"step": 1, "loss": 1.0}\n{"step": 2, "loss": 0.9}\n{"step": 3, "lo')
    assert log.truncate_after(2) == [3]
    assert [json.loads(l)["step"] for l in log.path.read_text().splitlines()] == [1, 2]


def test_the_checkpoint_engine_deepspeed_reads_through_refuses_objects(tmp_path, engine):
    """Layer one: DeepSpeed's own reads (model states, optimizer states, ZeRO shards) go through it."""
    import torch

    from ftcore_train.safe_load import SafeCheckpointEngine, install

    install(engine)
    assert isinstance(engine.checkpoint_engine, SafeCheckpointEngine)
    path = tmp_path / "evil.pt"
    torch.save({"x": Payload(tmp_path / "ran")}, path)
    with pytest.raises(UnsafeCheckpoint) as err:
        engine.checkpoint_engine.load(str(path))
    assert err.value.path == str(path) and err.value.detail == "holds pickled objects that are not tensors (it names io.open)"
    assert not (tmp_path / "ran").exists()


def test_inside_safe_unpickling_even_weights_only_false_refuses_objects(tmp_path):
    """Layer two: any other torch.load during a checkpoint load (weights_only=False or not) is tensors-only."""
    import torch

    from ftcore_train.safe_load import safe_unpickling

    path = tmp_path / "evil.pt"
    torch.save({"x": Payload(tmp_path / "ran"), "w": torch.ones(2)}, path)
    with safe_unpickling(), pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=False)
    assert not (tmp_path / "ran").exists()
    torch.save({"w": torch.ones(2)}, path)
    with safe_unpickling():
        assert torch.load(path, weights_only=False)["w"].sum() == 2


def test_resume_drops_evaluations_after_training_so_they_are_not_written_twice(tmp_path):
    from ftcore_train.progress import MetricsLog

    log = MetricsLog(tmp_path / "metrics.jsonl")
    log.path.write_text('{"step": 1, "loss": 1.0}\n{"split": "eval", "step": 1, "loss": 0.9}\n'
                        '{"split": "d.test", "examples": 10, "accuracy": 0.5}\n')
    assert log.truncate_after(1) == []
    assert [json.loads(l).get("split") for l in log.path.read_text().splitlines()] == [None, "eval"]


@pytest.mark.parametrize("zero,precision", [(3, "fp32"), (2, "bf16")])
def test_every_zero_stage_resumes_through_the_tensors_only_loader(tmp_path, zero, precision):
    """The allow-list covers what ZeRO-2 (bf16) and ZeRO-3 optimizer and model shards hold."""
    from test_train_loop import params, train

    s = dsconfig.Settings(zero=zero, precision=precision, batch=4, lr=1e-3, clip=1.0)
    p = params(max_steps=2, checkpoint_every=1, keep=3)
    p["settings"], p["deepspeed"] = s.to_json(), dsconfig.generate(s)
    train(tmp_path, "run", p, n=16)
    newest = checkpoints.complete(tmp_path / "run" / "checkpoints")[-1]
    assert any("optim_states" in x.name for x in newest.glob("*.pt"))
    from ftcore_hf.byte_tokenizer import byte_tokenizer
    from ftcore_train.loop import Trainer
    from test_train_loop import rows

    tok = byte_tokenizer(32)
    info = {"task": "classification", "label_names": ["billing", "tech", "account"], "pad_token_id": 0}
    fresh = Trainer(p, rows(tok, 16), None, info, tok, tmp_path / "fresh")
    fresh._setup()
    try:
        path, state, _ = checkpoints.load_newest_intact(fresh.engine, tmp_path / "run" / "checkpoints", 0, print)
    finally:
        fresh.close()
    assert path == newest and state["step"] == 2


class DamageBest:
    """A plugin that cuts the best checkpoint in half once training has moved past it."""

    def __init__(self, root):
        self.root = root

    @hookimpl
    def ftcore_checkpoint_saved(self, path, step):
        if step == 3:
            shard = self.root / "step-0000001" / "mp_rank_00_model_states.pt"
            shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])


def test_a_damaged_best_checkpoint_is_not_restored_silently(tmp_path):
    from ftcore.plugins.manager import load_host
    from test_train_loop import params, train

    early = {"patience": 2, "metric": "loss", "mode": "min", "min_delta": 10.0}  # the best stays at step 1
    host = load_host(only=["train"], extra=[("damage", DamageBest(tmp_path / "run" / "checkpoints"))])
    with pytest.raises(RunError) as err:
        train(tmp_path, "run", params(eval_every=1, epochs=5, early_stop=early), hook=host.hook)
    assert err.value.message.startswith("cannot restore the best checkpoint: step-0000001: "
                                        "mp_rank_00_model_states.pt has ")
    assert not (tmp_path / "run" / "model").exists()  # no final model from the wrong weights
