"""Item 3: useful (non-padding) tokens per second and the padding share, packed against padded.

Two ``ftcore run`` processes per repetition, alternating: the same tiny Llama, data with
log-normal lengths, batch and steps, once with ``pack true`` in the data block and once without.
The trace (:mod:`bench.trace_ftcore`) leaves each run's training rows and micro-batches behind;
a batch's useful tokens are its rows' lengths (packed rows hold several samples, padding is added
only when the batch is collated), its padded size is rows × the longest row. Throughput counts
the steps after the first, timed from the end of the step before.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from bench.stats import summary
from bench.training import run_variant
from bench.workloads import Workload, packing_lm, tiny_lm


def useful_and_padded(dump: Path) -> list[tuple[int, int]]:
    """Per micro-batch: (tokens that are not padding, tokens after padding to the longest row)."""
    rows = json.loads((dump / "rows.json").read_text())
    batches = json.loads((dump / "batches.json").read_text())
    out = []
    for indices in batches:
        lengths = [len(rows[i]["input_ids"]) for i in indices]
        out.append((sum(lengths), len(lengths) * max(lengths)))
    return out


def one_run(workload: Workload, folder: Path, rep: int) -> dict[str, Any]:
    """One traced ftcore run: useful tokens per second and padding share."""
    recipe = workload.write(folder)
    dump = folder / f"dump-{rep}"
    record = run_variant("ftcore", recipe, folder, rep, dump)
    sizes = useful_and_padded(dump)
    steps = record["steps"]
    span = steps[-1]["end"] - steps[0]["end"]
    useful = sum(u for u, _ in sizes[1:len(steps)])
    return {"useful_tokens_per_s": useful / span if span > 0 else None,
            "padding_share": 1 - sum(u for u, _ in sizes) / sum(p for _, p in sizes)}


def benchmark(folder: Path, reps: int, steps: int, say, base: Workload | None = None) -> dict[str, Any]:
    """Packed and padded runs of ``base`` (default :func:`~bench.workloads.tiny_lm`), alternating; medians and
    the per-repetition ratio."""
    base = base or tiny_lm(False)
    padded = dataclasses.replace(base, name="padded", steps=steps)
    packed = dataclasses.replace(base, name="packed", steps=steps, data=base.data + "\n  pack true")
    results: dict[str, list[dict[str, Any]]] = {"packed": [], "padded": []}
    for rep in range(reps):
        pair = [("packed", packed), ("padded", padded)]
        for name, workload in (pair if rep % 2 == 0 else pair[::-1]):
            say(f"  packing repetition {rep + 1}/{reps}: {name}")
            results[name].append(one_run(workload, folder / name, rep))
    ratio = [a["useful_tokens_per_s"] / b["useful_tokens_per_s"] for a, b in zip(results["packed"], results["padded"])]
    return {"describe": base.describe, "batch": base.batch, "steps": steps, "reps": reps, "goal": 1.5,
            "packed": {k: summary([r[k] for r in results["packed"]]) for k in ("useful_tokens_per_s", "padding_share")},
            "padded": {k: summary([r[k] for r in results["padded"]]) for k in ("useful_tokens_per_s", "padding_share")},
            "ratio": summary(ratio), "raw": results}
