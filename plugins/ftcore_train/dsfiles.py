"""DeepSpeed settings that read or write files of their own, refused in ``deepspeed_extra``.

A run writes only into its run folder and the stage cache, and reads checkpoints only through
ftcore's checked path. These DeepSpeed settings would write logs, profiles, swap files or
checkpoints elsewhere, or load a checkpoint with DeepSpeed's unchecked ``torch.load``; ``ftcore
check`` reports them at the ``deepspeed_extra`` line instead of letting the run do it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# dotted key (or top-level section) -> what it would do
FILE_SETTINGS = {
    "tensorboard": "writes TensorBoard event files (metrics.jsonl in the run folder has every step)",
    "wandb": "sends the run to Weights & Biases and writes a local wandb folder",
    "csv_monitor": "writes CSV files of its own (metrics.jsonl in the run folder has every step)",
    "comet": "sends the run to Comet and writes files of its own",
    "monitor_config": "writes monitor logs of its own",
    "flops_profiler.output_file": "writes a profile to a file of its own",
    "autotuning": "writes experiments and results folders and launches runs of its own",
    "checkpoint": "changes how checkpoints are written (ftcore writes and checks them itself)",
    "load_universal_checkpoint": "loads a universal checkpoint with torch.load(weights_only=False), which can run "
                                 "code from the files",
    "use_node_local_storage": "changes where checkpoints are written",
    "zero_optimization.offload_optimizer.nvme_path": "writes optimizer swap files to a folder of its own",
    "zero_optimization.offload_param.nvme_path": "writes parameter swap files to a folder of its own",
    "data_efficiency": "reads and writes data index files of its own",
}


@dataclass(frozen=True)
class FileSetting:
    """A ``deepspeed_extra`` setting that would read or write files outside ftcore's control."""

    key: str
    found: Any
    does: str

    @property
    def message(self) -> str:
        """The problem in words."""
        return f"deepspeed_extra: {self.key} = {json.dumps(self.found)} is not allowed: DeepSpeed {self.does}"

    @property
    def fix(self) -> str:
        """How to fix it."""
        return (f"remove {self.key} from deepspeed_extra: a run writes only into its run folder and reads "
                "checkpoints only through ftcore's checks")


def file_settings(config: dict[str, Any]) -> list[FileSetting]:
    """Every setting of :data:`FILE_SETTINGS` present in ``config`` (the generated config has none of them)."""
    found = []
    for dotted, does in FILE_SETTINGS.items():
        node: Any = config
        for part in dotted.split("."):
            node = node.get(part, None) if isinstance(node, dict) else None
        if node is not None:
            found.append(FileSetting(dotted, node, does))
    return found
