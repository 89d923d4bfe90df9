"""Rank, world size and node of a worker, whichever launcher started it."""

from __future__ import annotations

from ftcore.runtime.ranks import adopt_launcher_env, node_name, parse_nodes


def test_openmpi_and_slurm_ranks_become_torch_variables():
    env = {"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_RANK": "1"}
    assert adopt_launcher_env(env) == "OMPI_COMM_WORLD_RANK"
    assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"]) == ("3", "4", "1")
    env = {"SLURM_PROCID": "5", "SLURM_NTASKS": "8", "SLURM_LOCALID": "1"}
    adopt_launcher_env(env)
    assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"]) == ("5", "8", "1")


def test_ranks_set_by_deepspeeds_launch_script_are_kept():
    env = {"RANK": "1", "WORLD_SIZE": "2", "SLURM_PROCID": "0", "SLURM_NTASKS": "1"}
    assert adopt_launcher_env(env) is None and env["RANK"] == "1"


def test_node_of_a_rank_follows_the_hostfile_order():
    env = {"FTCORE_NODES": "nodea:2,nodeb:1,bad,nodec:x"}
    assert parse_nodes(env["FTCORE_NODES"]) == [("nodea", 2), ("nodeb", 1)]
    assert [node_name(r, env) for r in (0, 1, 2)] == ["nodea", "nodea", "nodeb"]
