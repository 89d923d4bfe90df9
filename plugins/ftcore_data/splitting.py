"""Assigning row indices to train/eval/test: random (seeded, optionally stratified) or by hash.

Pure functions over index lists, so they are tested without any dataset, and the two built-in
split methods on the :class:`ftcore.api.SplitMethod` contract (:class:`RandomSplit`,
:class:`HashSplit`) that the split stage reaches through the registry.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from typing import Any, Mapping, Optional, Sequence

from ftcore.api import RunError, SplitMethod

SPLITS = ("train", "eval", "test")


def _counts(n: int, shares: dict) -> dict[str, int]:
    """Rows per split for ``n`` rows; train takes the rest when not given (or when shares add to 100%)."""
    out = {}
    for name in ("eval", "test"):
        share = shares.get(name)
        if isinstance(share, dict):
            out[name] = round(n * share["fraction"]) if "fraction" in share else int(share["count"])
    train = shares.get("train")
    rest = n - sum(out.values())
    if isinstance(train, dict) and "count" in train:
        out["train"] = min(int(train["count"]), rest)
    else:
        out["train"] = rest  # fractions adding to 100% (checked) or train left out: the rest
    if rest < 0:
        raise ValueError(f"the split asks for {sum(out.values()) - out['train']} held-out rows but there are {n}")
    return out


def random_split(n: int, shares: dict, seed: int, strata: Optional[Sequence[str]] = None) -> dict[str, list[int]]:
    """Shuffle ``range(n)`` with ``seed`` and cut it; with ``strata``, cut every stratum in proportion."""
    rng = random.Random(seed)
    if not strata:
        order = list(range(n))
        rng.shuffle(order)
        counts = _counts(n, shares)
        out, start = {}, 0
        for name in ("eval", "test", "train"):
            if name in counts:
                out[name] = sorted(order[start:start + counts[name]])
                start += counts[name]
        return out
    groups: dict[str, list[int]] = defaultdict(list)
    for i, value in enumerate(strata):
        groups[value].append(i)
    totals = _counts(n, shares)
    out = {name: [] for name in totals}
    # Largest-remainder allocation of each split's total over the strata, so totals stay exact.
    remaining = {g: len(idx) for g, idx in groups.items()}
    taken: set[int] = set()
    for name in ("eval", "test"):
        if name not in totals:
            continue
        exact = {g: totals[name] * len(idx) / n for g, idx in groups.items()}
        take = {g: min(int(exact[g]), remaining[g]) for g in groups}
        left = totals[name] - sum(take.values())
        for g in sorted(groups, key=lambda g: (exact[g] - int(exact[g]), g), reverse=True):
            if left <= 0:
                break
            if take[g] < remaining[g]:
                take[g] += 1
                left -= 1
        for g, idx in sorted(groups.items()):
            pool = [i for i in idx if i not in taken]
            rng.shuffle(pool)
            out[name].extend(pool[:take[g]])
            taken.update(pool[:take[g]])
            remaining[g] -= take[g]
    rest = [i for i in range(n) if i not in taken]
    if "count" in (shares.get("train") or {}):
        rng.shuffle(rest)
        rest = rest[: totals["train"]]
    out["train"] = rest
    return {k: sorted(v) for k, v in out.items()}


def hash_bucket(value: str, seed: int) -> float:
    """A number in [0, 1) fixed by ``value`` and ``seed``: the same row always lands in the same split."""
    digest = hashlib.sha256(f"{seed}\0{value}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def hash_split(values: Sequence[str], shares: dict, seed: int) -> dict[str, list[int]]:
    """Assign each row by the hash of its value: eval takes [0, e), test [e, e + t), train the rest."""
    bounds, start = [], 0.0
    for name in ("eval", "test"):
        share = shares.get(name)
        if isinstance(share, dict):
            bounds.append((name, start, start + share["fraction"]))
            start += share["fraction"]
    out = {"train": [], **{name: [] for name, _, _ in bounds}}
    for i, value in enumerate(values):
        u = hash_bucket(value, seed)
        for name, lo, hi in bounds:
            if lo <= u < hi:
                out[name].append(i)
                break
        else:
            out["train"].append(i)
    return out


def reweight(indices: list[int], sources: Sequence[int], weights: Sequence[float], seed: int) -> list[int]:
    """Repeat each row ``weight`` times (the fractional part: a seeded sample), then shuffle with ``seed``."""
    if all(w == 1.0 for w in weights):
        return indices
    rng = random.Random(seed + 1)
    out: list[int] = []
    by_source: dict[int, list[int]] = defaultdict(list)
    for i in indices:
        by_source[sources[i]].append(i)
    for src, rows in sorted(by_source.items()):
        w = weights[src]
        whole, frac = int(w), w - int(w)
        out.extend(rows * whole)
        if frac:
            out.extend(rng.sample(rows, round(len(rows) * frac)))
    rng.shuffle(out)
    return out


class RandomSplit(SplitMethod):
    """``random``: shuffle with the recipe's seed, then cut (each stratum in proportion with ``stratify``)."""

    def assign(self, n: int, shares: Mapping[str, Any], seed: int, args: Mapping[str, Any],
               values: Optional[Sequence[str]] = None) -> dict[str, list[int]]:
        """Row indices per split; ``values`` are the stratify field's values, or None."""
        try:
            return random_split(n, dict(shares), seed, values)
        except ValueError as exc:
            raise RunError(f"cannot split: {exc}", "lower the counts, or give shares as percentages") from None


class HashSplit(SplitMethod):
    """``hash("id")``: each row by a hash of its field, so a row keeps its split when the data set grows."""

    takes_stratify = False
    takes_counts = False

    def assign(self, n: int, shares: Mapping[str, Any], seed: int, args: Mapping[str, Any],
               values: Optional[Sequence[str]] = None) -> dict[str, list[int]]:
        """Row indices per split; ``values`` are the ``field`` argument's values."""
        return hash_split(list(values or []), dict(shares), seed)
