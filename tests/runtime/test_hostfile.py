"""Hostfiles: every host and every mistake, each at its line."""

from __future__ import annotations

from ftcore.runtime.hostfile import Host, is_this_machine, parse_hostfile_text, read_hostfile


def test_hosts_in_order_with_comments_and_blank_lines():
    text = "# cluster\nworker-0 slots=4\n\nworker-1   slots=2   # the small one\n"
    hosts, problems = parse_hostfile_text(text, "h.txt")
    assert problems == []
    assert hosts == [Host("worker-0", 4, 2), Host("worker-1", 2, 4)]


def test_every_mistake_is_reported_with_its_line():
    text = "a slots=1\nb\nc slots=0\nd slots=x\na slots=2\ne gpus=2\nslots=3\n"
    hosts, problems = parse_hostfile_text(text, "h.txt")
    assert [h.name for h in hosts] == ["a"]
    assert [(p.where, p.message) for p in problems] == [
        ("h.txt:2", 'host "b" has no slot count'),
        ("h.txt:3", 'host "c": slots must be a whole number of at least 1, not "0"'),
        ("h.txt:4", 'host "d": slots must be a whole number of at least 1, not "x"'),
        ("h.txt:5", 'host "a" is listed again (first on line 1)'),
        ("h.txt:6", 'cannot read "gpus=2" after host "e"'),
        ("h.txt:7", '"slots=3" names no host'),
    ]
    assert all(p.hint for p in problems)


def test_an_empty_or_missing_hostfile_is_one_problem(tmp_path):
    _, problems = parse_hostfile_text("# nothing\n\n", "h.txt")
    assert [(p.where, p.message) for p in problems] == [("h.txt", "the hostfile lists no hosts")]
    _, problems = read_hostfile(str(tmp_path / "nope.txt"))
    assert problems[0].message == "no such hostfile" and "--hostfile" in problems[0].hint


def test_local_names():
    assert is_this_machine("localhost") and is_this_machine("127.0.0.1")
    assert not is_this_machine("worker-17.example.org")
