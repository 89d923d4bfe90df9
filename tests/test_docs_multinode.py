"""docs/multinode.md says what the code does: its hostfile parses, its messages are the ones printed, its flags exist."""

from __future__ import annotations

import re
from pathlib import Path

from ftcore.runtime.hostfile import parse_hostfile_text
from ftcore.runtime.liveness import WorkerStatus
from ftcore.runtime.preflight import Preflight

DOC = (Path(__file__).resolve().parents[1] / "docs" / "multinode.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```\n(.*?)```", DOC, re.S)


def block_starting(text: str) -> str:
    return next(b for b in BLOCKS if b.startswith(text))


def test_the_hostfile_example_parses():
    hosts, problems = parse_hostfile_text(block_starting("# hosts.txt"), "hosts.txt")
    assert problems == [] and [(h.name, h.slots) for h in hosts] == [("gpu-node-01", 8), ("gpu-node-02", 8)]


def test_the_preflight_example_is_what_ftcore_prints():
    from ftcore.runtime.hostfile import Host
    from ftcore.runtime.preflight import _node_problems
    from ftcore.runtime.probe import ProbeResult

    class NoMarkers:
        paths: dict = {}

    report = Preflight("hosts.txt")
    unreachable = ProbeResult("gpu-node-02", "unreachable",
                              "ssh: connect to host gpu-node-02 port 22: Connection refused")
    report.problems += _node_problems(Host("gpu-node-02", 8, 2), "hosts.txt:2", unreachable, {}, NoMarkers(),
                                      "/w", "/py", "pdsh")
    old = ProbeResult("gpu-node-03", versions={"ftcore": "0.1.0", "torch": "2.4.0"})
    report.problems += _node_problems(Host("gpu-node-03", 8, 3), "hosts.txt:3", old,
                                      {"ftcore": "0.1.0", "torch": "2.13.0"}, NoMarkers(), "/w", "/py", "pdsh")
    assert report.render() + "\n" == block_starting("error: 2 problems")


def test_the_lost_node_example_is_what_ftcore_prints():
    from ftcore.runtime.launch import LaunchOutcome, failure_error

    lost = [WorkerStatus(r, "gpu-node-02", "running", 3, "", 0) for r in range(8, 16)]
    outcome = LaunchOutcome(1, started=True, lost=lost, several_machines=True)
    assert failure_error(outcome, Path("/shared/runs/try1")).render() + "\n" == block_starting("error: lost node")


def test_every_flag_the_page_names_exists():
    from ftcore.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    known = {opt for name in ("run", "check") for a in sub.choices[name]._actions for opt in a.option_strings}
    named = set(re.findall(r"`(--[a-z-]+)", DOC)) | set(re.findall(r"ftcore (?:run|check) [^\n`]*?(--[a-z-]+)", DOC))
    assert named and named <= known, named - known
