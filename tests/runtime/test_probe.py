"""The probe a pre-flight runs on each node: its real output read back, and the commands that carry it."""

from __future__ import annotations

import subprocess
import sys

from ftcore.runtime.probe import parse_answer, remote_shell_command, transport_command


def run_here(workdir, python, request):
    """Run the probe's remote command in a local shell, as ssh would run it on a node."""
    done = subprocess.run(["sh", "-c", remote_shell_command(str(workdir), python, request)], capture_output=True,
                          text=True, timeout=60)
    return parse_answer("here", done.returncode, done.stdout, done.stderr)


def test_probe_reports_versions_and_which_markers_it_sees(tmp_path):
    seen = tmp_path / "marker-a"
    seen.write_text("tok")
    other = tmp_path / "marker-b"
    other.write_text("someone else's")
    request = {"dists": ["ftcore", "no-such-distribution-xyz"],
               "markers": {str(seen): "tok", str(other): "tok", str(tmp_path / "missing"): "tok"}}
    result = run_here(tmp_path, sys.executable, request)
    assert result.failure is None, result.detail
    from importlib.metadata import version

    assert result.versions == {"ftcore": version("ftcore"), "no-such-distribution-xyz": None}
    assert result.markers == {str(seen): "same", str(other): "other", str(tmp_path / "missing"): "missing"}
    assert result.hostname


def test_probe_names_a_missing_folder_or_python(tmp_path):
    request = {"dists": [], "markers": {}}
    assert run_here(tmp_path / "absent", sys.executable, request).failure == "no-folder"
    assert run_here(tmp_path, str(tmp_path / "bin" / "python"), request).failure == "no-python"


def test_ssh_failures_are_unreachable_others_broken():
    assert parse_answer("h", 255, "", "ssh: Could not resolve hostname h\n").failure == "unreachable"
    broken = parse_answer("h", 1, "", "Traceback\nImportError: boom\n")
    assert (broken.failure, broken.detail) == ("broken", "ImportError: boom")


def test_transports_match_the_launchers():
    pdsh = transport_command("pdsh", "n1", "true", {"PDSH_SSH_ARGS_APPEND": "-F /etc/cluster_ssh -p 2222"})
    assert pdsh[0] == "ssh" and pdsh[-2:] == ["n1", "true"]
    assert "BatchMode=yes" in pdsh and pdsh[pdsh.index("-F") + 1] == "/etc/cluster_ssh" and "-l" in pdsh
    mpi = transport_command("openmpi", "n1", "true", {"PDSH_SSH_ARGS_APPEND": "-F x"})
    assert "-F" not in mpi and "-l" not in mpi
    agent = transport_command("openmpi", "n1", "true", {"OMPI_MCA_plm_rsh_agent": "ssh -F /etc/mpi_ssh : rsh"})
    assert agent[:3] == ["ssh", "-F", "/etc/mpi_ssh"] and agent[-2:] == ["n1", "true"]
    assert transport_command("slurm", "n1", "true") == ["srun", "--nodes=1", "--ntasks=1", "--nodelist=n1", "sh",
                                                         "-c", "true"]
