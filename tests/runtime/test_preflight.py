"""Pre-flight of ``--hostfile`` runs: every problem of every node at once, pinned by golden files.

The nodes' answers come from a fake prober here (what the probe prints on a node is tested in
test_probe and, over a real sshd, in test_multinode). Rewrite the golden files after a
deliberate change with ``FTCORE_UPDATE_GOLDEN=1 python -m pytest tests/runtime/test_preflight.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftcore.runtime.preflight import CORE_DISTS, EXIT_HOSTFILE, EXIT_NODES, local_versions, preflight
from ftcore.runtime.probe import ProbeResult

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "preflight"
HERE = local_versions(CORE_DISTS)


def healthy(host: str, request: dict) -> ProbeResult:
    """A node that has everything and shares every folder."""
    return ProbeResult(host, versions=dict(HERE), markers={m: "same" for m in request["markers"]},
                       addresses=["10.0.0.%d" % (ord(host[-1]) % 250)], hostname=host)


def nodes(**special):
    """A prober: healthy nodes, except those named in ``special`` (host -> function of the healthy answer)."""
    def ask(host, request):
        result = healthy(host, request)
        return special[host](result, request) if host in special else result
    return ask


def unreachable(result, request):
    return ProbeResult(result.host, "unreachable", "ssh: connect to host 10.0.0.2 port 22: Connection refused")


def no_ftcore(result, request):
    result.versions["ftcore"] = None
    return result


def older(result, request):
    result.versions.update(torch="2.1.0", deepspeed=None)
    return result


def unshared_cache(result, request):
    for marker in request["markers"]:
        if "cache" in marker:
            result.markers[marker] = "missing"
    return result


def run_preflight(tmp_path, hosts_text, prober, **kw):
    (tmp_path / "work").mkdir(exist_ok=True)
    (tmp_path / "cache").mkdir(exist_ok=True)
    (tmp_path / "hosts.txt").write_text(hosts_text)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        kw.setdefault("launcher", "openmpi")  # its binary may be missing here: golden cases use a fake "which"
        return preflight("hosts.txt", run_dir=tmp_path / "work" / "runs", cache_dir=tmp_path / "cache",
                         prober=prober, workdir=str(tmp_path / "work"), python="/opt/env/bin/python", **kw)
    finally:
        os.chdir(old)


def normalized(report, tmp_path) -> str:
    text = report.render().replace(str(tmp_path), "<tmp>")
    for name, version in HERE.items():
        if version:
            text = text.replace(f"{name} {version}", f"{name} <{name}>").replace(f"here {version}", f"here <{name}>")
            text = text.replace(f"{name}=={version}", f"{name}==<{name}>")
    return text + "\n"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name.removeprefix('preflight_')}.txt"
    if os.environ.get("FTCORE_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"golden file {path.name} differs"


@pytest.fixture(autouse=True)
def launcher_installed(monkeypatch):
    import ftcore.runtime.preflight as pf

    monkeypatch.setattr(pf.shutil, "which", lambda name: f"/usr/bin/{name}")


CASES = {
    "preflight_unreachable_host": ("a slots=1\nb slots=1\n", {"b": unreachable}),
    "preflight_missing_ftcore": ("a slots=1\nb slots=1\n", {"b": no_ftcore}),
    "preflight_version_mismatch": ("a slots=1\nb slots=1\n", {"b": older}),
    "preflight_unshared_cache": ("a slots=1\nb slots=1\n", {"b": unshared_cache}),
    "preflight_every_problem_at_once": ("a slots=1\nb slots=1\nc slots=2\nd slots=1\nc slots=1\ne slots=\n",
                                        {"a": unshared_cache, "b": unreachable, "c": older, "d": no_ftcore}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_preflight_messages(tmp_path, name):
    hosts_text, special = CASES[name]
    report = run_preflight(tmp_path, hosts_text, nodes(**special))
    assert not report.ok
    check_golden(name, normalized(report, tmp_path))
    expected = EXIT_HOSTFILE if name == "preflight_every_problem_at_once" else EXIT_NODES
    assert report.exit_status == expected


def test_healthy_nodes_pass_and_name_the_first_node_as_master(tmp_path):
    report = run_preflight(tmp_path, "nodea slots=2\nnodeb slots=2\n", nodes())
    assert report.ok, report.render()
    assert report.master_addr == healthy("nodea", {"markers": {}}).addresses[0]
    assert [h.name for h in report.hosts] == ["nodea", "nodeb"]
    assert not list((tmp_path / "work").glob(".ftcore-preflight-*")), "marker files must be removed"


def test_each_shared_folder_is_probed_and_a_given_master_address_wins(tmp_path):
    seen = {}

    def ask(host, request):
        seen.update(request["markers"])
        return healthy(host, request)

    report = run_preflight(tmp_path, "a slots=1\nb slots=1\n", ask, master_addr="10.9.9.9")
    assert report.master_addr == "10.9.9.9"
    assert {Path(m).parent for m in seen} == {tmp_path / "work", tmp_path / "cache"}
    assert len(set(seen.values())) == 1


def test_one_local_host_needs_no_ssh(tmp_path):
    def refuse(host, request):
        raise AssertionError("a local-only hostfile must not be probed over ssh")

    report = run_preflight(tmp_path, "localhost slots=2\n", refuse)
    assert report.ok and report.local_only and report.master_addr == "127.0.0.1"


def test_nproc_beyond_slots_and_a_missing_launcher(tmp_path, monkeypatch):
    import ftcore.runtime.preflight as pf

    monkeypatch.setattr(pf.shutil, "which", lambda name: None)
    report = run_preflight(tmp_path, "a slots=1\nb slots=2\n", nodes(), nproc=2, launcher="pdsh")
    text = report.render()
    assert 'hosts.txt:1: host "a": --nproc 2 asks for more processes than its 1 slot' in text
    assert "the pdsh launcher needs `pdsh`, which is not installed here" in text
    assert "apt-get install pdsh" in text
    assert report.exit_status == EXIT_HOSTFILE


def test_the_versions_compared_include_every_plugin_the_recipe_uses():
    from types import SimpleNamespace

    from ftcore.runtime.preflight import recipe_distributions

    graph = SimpleNamespace(order=lambda: [SimpleNamespace(plugin="data"), SimpleNamespace(plugin="acme")])
    plugins = [SimpleNamespace(name="data", dist="ftcore"), SimpleNamespace(name="acme", dist="ftcore-acme"),
               SimpleNamespace(name="unused", dist="ftcore-unused")]
    assert recipe_distributions(graph, plugins) == [*CORE_DISTS, "ftcore-acme"]


def test_check_with_a_hostfile_runs_the_preflight(tmp_path, monkeypatch, capsys):
    from ftcore.cli import main
    from tiny_recipes import write_recipe

    recipe = write_recipe(tmp_path, "classification")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "local.txt").write_text("localhost slots=2\n")
    assert main(["check", recipe.name, "--hostfile", "local.txt"]) == 0
    assert "pre-flight: local.txt: this machine ready, 2 processes" in capsys.readouterr().err
    (tmp_path / "bad.txt").write_text("localhost\n")
    assert main(["check", recipe.name, "--hostfile", "bad.txt"]) == EXIT_HOSTFILE
    assert 'bad.txt:1: host "localhost" has no slot count' in capsys.readouterr().err
