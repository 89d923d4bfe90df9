"""Resume compares the whole run with the one it continues: what differs is named, history is kept."""

from __future__ import annotations

import json

import pytest

from ftcore.runtime.errors import RunError
from ftcore.runtime.resume_check import check_resume, differences, resumed_manifest, summarize, training_stages


def manifest(lr=0.001, batch=4, data="aaaa", nproc=1, overrides=(), seed=3, torch="2.13.0", metrics=("accuracy",)):
    stages = [
        {"id": "data.d.load", "kind": "load", "plugin": "data==0.1.0", "inputs": {}, "params": {"path": "d.jsonl"},
         "fingerprint": "f-load-" + data, "source": "r.ftr:2:1", "content_inputs": ["/x/d.jsonl"]},
        {"id": "data.d.split", "kind": "split", "plugin": "data==0.1.0", "inputs": {"rows": "data.d.load.rows"},
         "params": {"train": 0.8}, "fingerprint": "f-split-" + data},
        {"id": "train", "kind": "train", "plugin": "train==0.1.0", "inputs": {"train": "data.d.split.train"},
         "params": {"settings": {"lr": lr, "batch": batch}}, "fingerprint": f"f-train-{lr}-{batch}-{data}",
         "source": "base.ftr:5:1"},
        {"id": "evaluate.d.test", "kind": "evaluate", "plugin": "metrics==0.1.0", "inputs": {"model": "train.model"},
         "params": {"metrics": list(metrics)}, "fingerprint": "f-eval-" + "-".join(metrics)},
    ]
    return {"graph": {"stages": stages}, "seed": seed, "started": "2026-01-01T00:00:00",
            "command": {"nproc": nproc, "hostfile": None, "overrides": list(overrides)},
            "libraries": {"torch": torch, "deepspeed": "0.19.0"},
            "data_files": {"/x/d.jsonl": {"sha256": data, "bytes": len(data)}}}


def test_the_same_run_has_no_differences():
    assert differences(manifest(), manifest()) == []


def test_training_stages_are_train_and_what_it_reads():
    assert training_stages(manifest()["graph"]) == ["data.d.load", "data.d.split", "train"]


def test_a_changed_learning_rate_in_an_imported_file_is_named_with_its_place():
    assert differences(manifest(), manifest(lr=0.0005)) == [
        "train (base.ftr:5:1): settings.lr was 0.001, is now 0.0005"]


def test_a_set_override_is_named_with_the_change_it_made():
    assert differences(manifest(), manifest(batch=8, overrides=["train.batch=8"])) == [
        "train (base.ftr:5:1): settings.batch was 4, is now 8", "--set: (none) then, train.batch=8 now"]


def test_cut_data_world_size_seed_and_library_versions_are_differences():
    assert differences(manifest(), manifest(data="aab")) == ["data file /x/d.jsonl changed (4 bytes then, 3 now)"]
    assert differences(manifest(), manifest(nproc=2)) == ["training processes: 1 then, 2 now (--nproc)"]
    assert differences(manifest(), manifest(seed=4)) == ["seed: 3 then, 4 now"]
    assert differences(manifest(), manifest(torch="2.14.0")) == ["torch 2.13.0 then, 2.14.0 now"]


def test_a_change_after_training_is_not_a_difference():
    assert differences(manifest(), manifest(metrics=("accuracy", "f1"))) == []


def test_a_data_change_known_only_by_fingerprint_is_still_reported():
    old, new = manifest(), manifest(data="bbbb")
    del old["data_files"]
    assert differences(old, new) == [
        "the fingerprint of data.d.load, data.d.split, train changed (the bytes of a data file they read)"]


def test_a_moved_project_folder_compares_by_content_not_place():
    def placed(folder, data="aaaa"):
        m = manifest(data=data)
        m["recipe"] = {"path": f"{folder}/r.ftr"}
        m["graph"]["stages"][0]["params"] = {"sources": [{"path": f"{folder}/d.jsonl"}]}
        m["graph"]["stages"][0]["fingerprint"] = f"f-load-{folder}"
        m["data_files"] = {f"{folder}/d.jsonl": {"sha256": data, "bytes": len(data)}}
        return m

    assert differences(placed("/old"), placed("/new")) == []
    assert differences(placed("/old"), placed("/new", data="bbbb")) == ["data file /new/d.jsonl changed"]
    other = placed("/new")
    other["graph"]["stages"][0]["params"]["sources"][0]["path"] = "/elsewhere/d.jsonl"
    assert differences(placed("/old"), other) == [
        "data.d.load (r.ftr:2:1): sources[0].path was '/new/d.jsonl', is now '/elsewhere/d.jsonl'"]


def test_long_lists_are_cut():
    assert summarize([str(i) for i in range(20)])[-1] == "... and 8 more" and len(summarize(list("abc"))) == 3


def test_check_resume_refuses_and_names_every_difference(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps(manifest()))
    with pytest.raises(RunError) as err:
        check_resume(tmp_path, manifest(lr=0.01, nproc=2), allow_changes=False, say=print)
    assert err.value.message.endswith("would not reproduce the run; 2 difference(s) from when it started:")
    assert err.value.details == ["train (base.ftr:5:1): settings.lr was 0.001, is now 0.01",
                                 "training processes: 1 then, 2 now (--nproc)"]
    assert "--allow-changes" in err.value.hint


def test_allowed_changes_are_said_and_recorded_and_history_is_kept(tmp_path):
    first = manifest()
    (tmp_path / "manifest.json").write_text(json.dumps(first))
    said = []
    second = check_resume(tmp_path, manifest(lr=0.01), allow_changes=True, say=said.append)
    assert said == ["resuming with 1 change(s) (--allow-changes):",
                    "  train (base.ftr:5:1): settings.lr was 0.001, is now 0.01"]
    assert second["changes_allowed"] == ["train (base.ftr:5:1): settings.lr was 0.001, is now 0.01"]
    assert second["history"] == [first] and second["started"] == first["started"] and second["resumed"]
    third = resumed_manifest(second, manifest(lr=0.01), [])
    assert third["history"][0] == first and third["history"][1]["changes_allowed"] == second["changes_allowed"]
    assert "history" not in third["history"][1]


def test_an_unreadable_earlier_manifest_is_a_message(tmp_path):
    (tmp_path / "manifest.json").write_text("")
    with pytest.raises(RunError, match="cannot be read"):
        check_resume(tmp_path, manifest(), allow_changes=False, say=print)
