"""Which process a worker is: rank, world size and node, whichever launcher started it.

DeepSpeed's pdsh path (and ``--nproc``) sets ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` itself; its
OpenMPI and Slurm runners start the worker directly, so the rank comes from the launcher's own
variables and the rendezvous address from ``MASTER_ADDR``/``MASTER_PORT``, which ``ftcore run``
exports to every node (``launch.env``).
"""

from __future__ import annotations

import os
import socket
from typing import MutableMapping, Optional

# (rank, world size, local rank) variables of each launcher, in the order they are tried.
LAUNCHER_VARS = (
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),  # OpenMPI
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"),  # srun
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID"),  # MPICH / Intel MPI
)


def adopt_launcher_env(environ: Optional[MutableMapping[str, str]] = None) -> Optional[str]:
    """Set ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` from the launcher's variables when they are missing.

    Returns the name of the variable the rank came from (``None`` when ``RANK`` was already set or
    no launcher variable was found).
    """
    env = os.environ if environ is None else environ
    if "RANK" in env and "WORLD_SIZE" in env:
        return None
    for rank, size, local in LAUNCHER_VARS:
        if rank in env and size in env:
            env["RANK"], env["WORLD_SIZE"] = env[rank], env[size]
            env.setdefault("LOCAL_RANK", env.get(local, "0"))
            return rank
    return None


def parse_nodes(text: str) -> list[tuple[str, int]]:
    """``"a:2,b:2"`` (``FTCORE_NODES``) as ``[("a", 2), ("b", 2)]``; malformed entries are skipped."""
    out = []
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, _, slots = item.rpartition(":")
        if name and slots.isdigit():
            out.append((name, int(slots)))
    return out


def node_name(rank: int, environ: Optional[MutableMapping[str, str]] = None) -> str:
    """The hostfile name of the node running ``rank`` (ranks fill hosts in order), else this machine's name."""
    env = os.environ if environ is None else environ
    remaining = rank
    for name, slots in parse_nodes(env.get("FTCORE_NODES", "")):
        if remaining < slots:
            return name
        remaining -= slots
    return socket.gethostname()
