"""The executor: run order, cache hits and misses, atomic cache entries, hooks, worker loading."""

import types

import pytest

import stages_for_tests as st
from ftcore.compiler.graph import RunGraph
from ftcore.plugins import hookimpl
from ftcore.plugins.manager import load_host
from ftcore.runtime.cache import StageCache, default_cache_dir
from ftcore.runtime.errors import StageFailed
from ftcore.runtime.executor import Executor, load_stage_outputs, needed_stages
from ftcore.runtime.hashing import file_hash


def make_graph(data_file, suffix="!"):
    g = RunGraph("t")
    g.add_stage("a.load", "load", "t", outputs={"text": "text"}, impl="stages_for_tests:Source",
                content_inputs=[str(data_file)])
    g.add_stage("a.upper", "upper", "t", params={"suffix": suffix}, inputs={"text": "a.load.text"},
                outputs={"text": "text"}, impl="stages_for_tests:Upper")
    g.add_stage("b.other", "other", "t", outputs={"value": "int"}, impl="stages_for_tests:Uncached")
    g.compute_fingerprints({})
    return g


@pytest.fixture(autouse=True)
def clear_calls():
    st.CALLS.clear()


def test_runs_in_order_then_hits_the_cache(tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("hi")
    out = Executor(make_graph(data), tmp_path / "c").run()
    assert out["a.upper"]["text"] == "HI!"
    assert st.CALLS == ["a.load", "a.upper", "b.other"]
    st.CALLS.clear()
    ex = Executor(make_graph(data), tmp_path / "c")
    out = ex.run()
    assert out["a.upper"]["text"] == "HI!"
    assert st.CALLS == ["b.other"]  # the uncacheable stage always runs; nothing else does
    assert ex.cache_hits == ["a.load", "a.upper"]
    ex = Executor(make_graph(data), tmp_path / "c")
    ex.run(["a.upper"])
    assert ex.cache_hits == ["a.upper"]  # a cached target does not even load its upstream


def test_content_change_reruns_exactly_the_affected_stages(tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("hi")
    Executor(make_graph(data), tmp_path / "c").run(["a.upper"])
    st.CALLS.clear()
    data.write_text("ho")  # same size, maybe same mtime: the bytes decide
    out = Executor(make_graph(data), tmp_path / "c").run(["a.upper"])
    assert st.CALLS == ["a.load", "a.upper"] and out["a.upper"]["text"] == "HO!"
    st.CALLS.clear()
    ex = Executor(make_graph(data, suffix="?"), tmp_path / "c")  # a parameter of the second stage only
    out = ex.run(["a.upper"])
    assert st.CALLS == ["a.upper"] and ex.cache_hits == ["a.load"] and out["a.upper"]["text"] == "HO?"


def test_a_failing_stage_leaves_no_cache_entry(tmp_path):
    g = RunGraph("t")
    g.add_stage("x.fail", "fail", "t", outputs={"v": "v"}, impl="stages_for_tests:Fails")
    g.compute_fingerprints({})
    ex = Executor(g, tmp_path / "c")
    with pytest.raises(StageFailed) as err:
        ex.run()
    assert err.value.message == "stage x.fail: data.jsonl:3: broken" and err.value.hint == "fix line 3"
    assert not StageCache(tmp_path / "c").is_complete(g["x.fail"])
    assert list((tmp_path / "c" / "x.fail").iterdir()) == []  # the temporary folder is gone


def test_needed_stages_follows_inputs(tmp_path):
    g = make_graph(tmp_path / "d.txt")
    assert [s.id for s in needed_stages(g, ["a.upper"])] == ["a.load", "a.upper"]
    assert len(needed_stages(g)) == 3


def test_stage_hooks_fire_around_each_stage(tmp_path):
    seen = []
    plugin = types.ModuleType("watcher")
    plugin.ftcore_stage_start = hookimpl(lambda stage, ctx: seen.append(("start", stage.id)))
    plugin.ftcore_stage_end = hookimpl(lambda stage, outputs, cached: seen.append(("end", stage.id, cached)))
    host = load_host(only=[], extra=[("watcher", plugin)])
    data = tmp_path / "d.txt"
    data.write_text("x")
    Executor(make_graph(data), tmp_path / "c", hook=host.hook).run(["a.upper"])
    Executor(make_graph(data), tmp_path / "c", hook=host.hook).run(["a.upper"])
    assert seen == [("start", "a.load"), ("end", "a.load", False), ("start", "a.upper"),
                    ("end", "a.upper", False), ("start", "a.upper"), ("end", "a.upper", True)]


def test_a_worker_loads_prepared_outputs(tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("hi")
    g = make_graph(data)
    with pytest.raises(Exception, match="no prepared output"):
        load_stage_outputs(make_graph(data), "a.upper", tmp_path / "c", hash_content=True)
    Executor(g, tmp_path / "c").run(["a.upper"])
    st.CALLS.clear()
    assert load_stage_outputs(make_graph(data), "a.upper", tmp_path / "c", hash_content=True) == {"text": "HI!"}
    assert st.CALLS == []


def test_file_hash_follows_content(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    h = file_hash(f)
    f.write_bytes(b"abc")
    assert file_hash(f) == h
    f.write_bytes(b"abd")
    assert file_hash(f) != h
    d = tmp_path / "dir"
    d.mkdir()
    (d / "1.txt").write_text("a")
    hd = file_hash(d)
    (d / "2.txt").write_text("b")
    assert file_hash(d) != hd
    assert file_hash(tmp_path / "nope") == "missing"


def test_default_cache_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("FTCORE_CACHE_DIR", raising=False)
    assert default_cache_dir(tmp_path / "r.ftr") == tmp_path.resolve() / ".ftcore-cache"
    monkeypatch.setenv("FTCORE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir(tmp_path / "r.ftr") == (tmp_path / "elsewhere").resolve()
