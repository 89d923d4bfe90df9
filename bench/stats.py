"""Summaries of repeated measurements: median and spread, ratios taken within one repetition."""

from __future__ import annotations

import statistics
from typing import Optional, Sequence


def summary(values: Sequence[float]) -> dict[str, Optional[float]]:
    """``{"runs", "median", "min", "max", "spread"}``; spread is (max - min) / median."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return {"runs": 0, "median": None, "min": None, "max": None, "spread": None}
    med = statistics.median(vals)
    return {"runs": len(vals), "median": med, "min": min(vals), "max": max(vals),
            "spread": (max(vals) - min(vals)) / med if med else None}


def throughput(steps: Sequence[dict], warmup: int) -> dict[str, Optional[float]]:
    """Tokens per second and seconds per step over the steps after ``warmup``, from their end times.

    Each step's time runs from the end of the one before, so whatever a loop does between steps
    counts. With fewer than two steps after the warm-up, every step but the first counts.
    """
    if len(steps) < 2:
        return {"tokens_per_s": None, "step_s": None}
    first = min(warmup, len(steps) - 2)
    span = steps[-1]["end"] - steps[first]["end"]
    tokens = sum(s["tokens"] for s in steps[first + 1:])
    intervals = [b["end"] - a["end"] for a, b in zip(steps[first:], steps[first + 1:])]
    return {"tokens_per_s": tokens / span if span > 0 else None, "step_s": statistics.median(intervals)}
