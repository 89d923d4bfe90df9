"""The data order: a pure function of the seed, the epoch, the process's rank and the world size.

Every process sees the same permutation of the training split for an epoch and takes every
``world``-th example from its rank on, so a resumed run replays exactly the batches the
uninterrupted one would have seen. Trailing examples that do not fill an optimizer step are
left for the next epoch's shuffle.
"""

from __future__ import annotations

import random


def permutation(n: int, seed: int, epoch: int) -> list[int]:
    """A permutation of ``range(n)`` decided only by ``seed`` and ``epoch``."""
    order = list(range(n))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return order


def steps_per_epoch(n: int, batch: int, accumulate: int, world: int) -> int:
    """Optimizer steps in one epoch of ``n`` examples."""
    return n // (batch * accumulate * world)


def micro_batches(n: int, seed: int, epoch: int, batch: int, accumulate: int, rank: int, world: int) -> list[list[int]]:
    """This rank's micro-batches (lists of example indices) for ``epoch``, whole optimizer steps only."""
    order = permutation(n, seed, epoch)
    per_step = batch * accumulate * world
    used = order[: (n // per_step) * per_step]
    mine = used[rank::world]
    return [mine[i:i + batch] for i in range(0, len(mine), batch)]


def eval_shards(n: int, batch: int, rank: int, world: int) -> list[tuple[list[int], list[bool]]]:
    """This rank's evaluation batches, padded so every rank runs as many (ZeRO-3 needs that).

    Each batch comes with a mask: padding examples (repeats of index 0) are False and not counted.
    """
    mine = list(range(rank, n, world))
    longest = -(-n // world)
    valid = [True] * len(mine) + [False] * (longest - len(mine))
    mine = mine + [0] * (longest - len(mine))
    return [(mine[i:i + batch], valid[i:i + batch]) for i in range(0, longest, batch)]
