"""The stage of the ``data_audit`` block."""

import json
from collections import Counter
from pathlib import Path

from ftcore.api import RunError


class DataAuditStage:
    """Counts the training rows per label; stops the run before training when one label dominates.

    Not cached (no ``load``): it is cheap and writes into each run's own directory.
    """

    def run(self, stage, inputs, ctx):
        """Write ``data_audit.json``; raise :class:`RunError` when a label's share exceeds ``max_share``."""
        names = inputs["info"].get("label_names") or []
        if not names:
            raise RunError("data_audit needs a classification data set (its rows have labels)",
                           "remove the data_audit block, or audit a data block with a classification format")
        counts = Counter(names[i] for i in inputs["train"]["labels"])
        total = sum(counts.values())
        shares = {label: counts[label] / total for label in names}
        folder = Path(ctx.run_dir or ctx.output_dir)
        (folder / "data_audit.json").write_text(json.dumps({"rows": total, "per_label": dict(counts)}, indent=2))
        top, share = max(shares.items(), key=lambda kv: kv[1])
        ctx.log(f"largest label {top}: {share:.0%} of {total} training rows")
        if share > stage.params["max_share"]:
            raise RunError(f'label "{top}" is {share:.0%} of the training split, more than max_share '
                           f'{stage.params["max_share"]:.0%}', "rebalance the data, or raise max_share")
        return {}
