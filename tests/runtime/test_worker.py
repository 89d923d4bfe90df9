"""A worker on a node that cannot read the prepared data stops at once, says why, and records it for ``ftcore run``."""

from __future__ import annotations

import json

from tiny_recipes import write_recipe


def test_a_worker_without_the_prepared_cache_fails_fast_and_says_so(tmp_path, capsys, monkeypatch):
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.runtime import worker
    from ftcore.runtime.hashing import fingerprint_with_content
    from ftcore.runtime.liveness import read_statuses

    recipe = write_recipe(tmp_path, "classification")
    monkeypatch.chdir(tmp_path)
    _, graph = compile_recipe(recipe.name, [])
    fingerprint_with_content(graph)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "manifest.json").write_text(json.dumps({"seed": 3, "graph": graph.to_json()}))
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.setenv(key, "0")  # recorded, so the values the worker sets are removed after the test
        monkeypatch.delenv(key)
    monkeypatch.setenv("SLURM_PROCID", "1")  # as Slurm would start it: rank 1 of 2, on the second node
    monkeypatch.setenv("SLURM_NTASKS", "2")
    monkeypatch.setenv("FTCORE_NODES", "nodea:1,nodeb:1")
    code = worker.main_with_status(["--recipe", recipe.name, "--run-dir", str(run_dir),
                                    "--cache", str(tmp_path / "empty-cache")])
    assert code == 1
    printed = "".join(capsys.readouterr())
    assert "[rank 1]" in printed and "has no prepared output" in printed and "Traceback" not in printed
    status = read_statuses(run_dir)[1]
    assert (status.node, status.state, status.message) == ("nodeb", "failed", "exit status 1")
