"""``ftcore run`` end to end: on resume damaged checkpoints fall back, tampered ones never run code, changes
refuse; a run reports the rows it leaves out, and refuses a recipe with nothing to run."""

from __future__ import annotations

import json
import shutil

import pytest

from tiny_recipes import train_losses, write_recipe

pytest.importorskip("deepspeed")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run(recipe, out, log, *args, **kwargs) -> int:
    from rich.console import Console

    from ftcore.runtime.run import run_command

    with open(log, "a") as f:
        return run_command(str(recipe), out=str(out), console=Console(file=f, width=200), **kwargs)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished tiny classifier run with checkpoints after steps 16, 18 and 19."""
    import torch

    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("project")
    recipe = write_recipe(folder, "classification", train="checkpoint_every 2  keep 3")
    with open(folder / "cls.jsonl", "a") as f:
        f.write('{"text": "half a row", "label": \n')  # one bad row: skipped, and said so
    assert run(recipe, folder / "run", folder / "first.log") == 0
    return folder


def test_run_prints_the_data_summary_with_the_rows_it_left_out(finished):
    log = (finished / "first.log").read_text()
    assert "validate  97 → 96 rows" in log and "cls.jsonl:97: invalid JSON: Expecting value at column 33" in log


@pytest.fixture
def project(finished, tmp_path):
    """A copy of the finished project (recipe, data, cache and run) to damage."""
    dest = tmp_path / "project"
    shutil.copytree(finished, dest, symlinks=True)
    return dest


def newest(project):
    return sorted((project / "run" / "checkpoints").glob("step-*"))[-1]


def test_a_checkpoint_cut_in_half_falls_back_and_ends_with_the_same_losses(project):
    """Also: the project folder was copied elsewhere, and resumes (content is compared, not paths)."""
    before = train_losses(project / "run")
    shard = newest(project) / "mp_rank_00_model_states.pt"
    size = shard.stat().st_size
    shard.write_bytes(shard.read_bytes()[: size // 2])
    assert run(project / "classification.ftr", project / "run", project / "log", resume=True) == 0
    log = (project / "log").read_text()
    assert f"checkpoint step-0000019 is damaged, skipping it: mp_rank_00_model_states.pt has {size // 2} bytes, " \
           f"{size} were written" in log
    assert "resumed from step-0000018" in log and "internal error" not in log
    assert train_losses(project / "run") == before


def test_a_planted_payload_is_refused_through_the_command(project, tmp_path):
    import torch

    from ftcore_train.integrity import write_checksums

    marker = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"module": Payload()}, newest(project) / "mp_rank_00_model_states.pt")
    write_checksums(newest(project))
    assert run(project / "classification.ftr", project / "run", project / "log", resume=True) == 1
    log = (project / "log").read_text()
    assert "refused to load checkpoint" in log and "(it names io.open); nothing from it was executed" in log
    assert not marker.exists()


def test_a_changed_batch_or_cut_data_refuses_and_leaves_the_manifest(project):
    manifest = (project / "run" / "manifest.json").read_bytes()
    assert run(project / "classification.ftr", project / "run", project / "log", resume=True,
               overrides=["train.batch=8"]) == 1
    data = project / "cls.jsonl"
    data.write_text("".join(data.read_text().splitlines(keepends=True)[:-30]))
    assert run(project / "classification.ftr", project / "run", project / "log", resume=True) == 1
    log = (project / "log").read_text()
    assert "settings.batch was 4, is now 8" in log and "--set: (none) then, train.batch=8 now" in log
    assert f"data file {data} changed (" in log and "--allow-changes" in log
    assert (project / "run" / "manifest.json").read_bytes() == manifest


def test_allowed_changes_are_recorded_and_history_kept(project):
    first = json.loads((project / "run" / "manifest.json").read_text())
    assert run(project / "classification.ftr", project / "run", project / "log", resume=True, allow_changes=True,
               overrides=["train.optimizer=adamw(lr: 5e-4)"]) == 0
    now = json.loads((project / "run" / "manifest.json").read_text())
    assert now["history"] == [first]
    assert any("settings.lr was 0.001, is now 0.0005" in line for line in now["changes_allowed"])
    assert "resuming with" in (project / "log").read_text()


def test_a_run_of_a_recipe_without_stages_is_a_recipe_error(tmp_path):
    recipe = tmp_path / "r.ftr"
    recipe.write_text('recipe "nothing" { seed 1 }\n')
    assert run(recipe, tmp_path / "run", tmp_path / "log") == 2
    assert "the recipe has no stage to run" in (tmp_path / "log").read_text()
    assert not (tmp_path / "run").exists()
