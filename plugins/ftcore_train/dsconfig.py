"""The DeepSpeed config: generated from the recipe, merged with ``deepspeed_extra``, checked against it.

Pure Python, no DeepSpeed import: ``ftcore check`` plans and checks the config before anything runs,
and the run checks it again once the number of processes is known.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Optional

# Top-level keys DeepSpeed understands (a misspelt one would be ignored silently by DeepSpeed).
KNOWN_KEYS = (
    "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "optimizer", "scheduler",
    "fp16", "bf16", "amp", "gradient_clipping", "prescale_gradients", "gradient_predivide_factor",
    "zero_optimization", "zero_allow_untested_optimizer", "zero_force_ds_cpu_optimizer", "steps_per_print",
    "wall_clock_breakdown", "dump_state", "activation_checkpointing", "flops_profiler", "comms_logger",
    "communication_data_type", "sparse_gradients", "data_types", "monitor_config", "tensorboard", "wandb",
    "csv_monitor", "memory_breakdown", "aio", "compression_training", "checkpoint", "elasticity",
    "seq_parallel_communication_data_type", "torch_autocast", "compile", "data_efficiency", "autotuning",
    "pipeline", "load_universal_checkpoint", "use_node_local_storage", "graph_harvesting", "timers",
)


@dataclass(frozen=True)
class Settings:
    """What the recipe says about the things DeepSpeed also controls."""

    zero: int = 0
    offload: str = "none"  # none | optimizer | parameters | both
    batch: int = 8
    accumulate: int = 1
    clip: Optional[float] = None
    precision: str = "fp32"
    lr: float = 5e-5  # the peak learning rate: the optimizer section's params.lr
    weight_decay: float = 0.0
    optimizer: Optional[dict] = None  # the recipe's optimizer's DeepSpeed section (Optimizer.deepspeed_section)

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON data."""
        return copy.deepcopy(dict(self.__dict__))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Settings":
        """Inverse of :meth:`to_json`."""
        return cls(**data)

    @property
    def optimizer_section(self) -> dict[str, Any]:
        """The ``optimizer`` section of the config: the recipe's optimizer component's; settings made in
        code without one train with DeepSpeed's AdamW at :attr:`lr`."""
        if self.optimizer is not None:
            return copy.deepcopy(self.optimizer)
        params: dict[str, Any] = {"lr": self.lr, "weight_decay": self.weight_decay}
        if not self.offload_optimizer:
            from ftcore_train.optim import TORCH_FUSED_ADAM

            params.update(TORCH_FUSED_ADAM)
        return {"type": "AdamW", "params": params}

    @property
    def offload_optimizer(self) -> bool:
        """True when optimizer states live on the CPU."""
        return self.offload in ("optimizer", "both")

    @property
    def offload_parameters(self) -> bool:
        """True when parameters live on the CPU (ZeRO-3 only)."""
        return self.offload in ("parameters", "both")


def generate(s: Settings) -> dict[str, Any]:
    """The DeepSpeed config for ``s`` (``train_batch_size`` is added once the world size is known)."""
    zero: dict[str, Any] = {"stage": s.zero}
    if s.offload_optimizer:
        zero["offload_optimizer"] = {"device": "cpu", "pin_memory": False}
    if s.offload_parameters:
        zero["offload_param"] = {"device": "cpu", "pin_memory": False}
    return {
        "train_micro_batch_size_per_gpu": s.batch,
        "gradient_accumulation_steps": s.accumulate,
        "gradient_clipping": float(s.clip) if s.clip else 0.0,
        "zero_optimization": zero,
        "bf16": {"enabled": s.precision == "bf16"},
        "fp16": {"enabled": s.precision == "fp16", "loss_scale": 0, "initial_scale_power": 16,
                 "loss_scale_window": 1000, "hysteresis": 2, "min_loss_scale": 1},
        "optimizer": s.optimizer_section,
        "zero_allow_untested_optimizer": True,
        "steps_per_print": 2**31 - 1,
        "wall_clock_breakdown": False,
    }


class ExtraError(ValueError):
    """A ``deepspeed_extra`` entry that is not ``dotted.key=value``."""


def parse_extra(entry: str) -> tuple[list[str], Any]:
    """Split ``"zero_optimization.overlap_comm=true"`` into its key path and JSON value (else the text)."""
    key, sep, raw = entry.partition("=")
    parts = [p.strip() for p in key.strip().split(".")]
    if not sep or not all(parts):
        raise ExtraError(f'"{entry}" is not a setting: write "dotted.key=value"')
    raw = raw.strip()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return parts, value


def merge_extra(config: dict[str, Any], entries: list[str]) -> dict[str, Any]:
    """A copy of ``config`` with each ``deepspeed_extra`` entry set (raises :class:`ExtraError`)."""
    out = copy.deepcopy(config)
    for entry in entries:
        parts, value = parse_extra(entry)
        node = out
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return out


@dataclass(frozen=True)
class Mismatch:
    """One DeepSpeed setting that contradicts the recipe, and how to fix it."""

    key: str
    found: Any
    expected: Any
    recipe: str  # where the recipe says it (``train.batch``)
    fix: str

    @property
    def message(self) -> str:
        """The mismatch in words."""
        return (f"DeepSpeed setting {self.key} = {json.dumps(self.found)} contradicts the recipe "
                f"({self.recipe} gives {json.dumps(self.expected)})")


def _get(config: dict[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _device(section: Any) -> str:
    return (section or {}).get("device", "none") if isinstance(section, dict) else "none"


def check(config: dict[str, Any], s: Settings, world_size: Optional[int] = None) -> list[Mismatch]:
    """Every way ``config`` disagrees with the recipe's settings ``s`` (and with itself)."""
    out: list[Mismatch] = []

    def expect(key: str, want: Any, recipe: str, fix: str, found: Any = None, same=None) -> None:
        have = _get(config, key) if found is None else found
        ok = same(have, want) if same else have == want
        if not ok:
            out.append(Mismatch(key, have, want, recipe, fix))

    drop = "or remove {key} from deepspeed_extra"
    expect("train_micro_batch_size_per_gpu", s.batch, "train.batch",
           f"set `batch {_get(config, 'train_micro_batch_size_per_gpu')}` in the train block, "
           + drop.format(key="train_micro_batch_size_per_gpu"))
    expect("gradient_accumulation_steps", s.accumulate, "train.accumulate",
           f"set `accumulate {_get(config, 'gradient_accumulation_steps')}` in the train block, "
           + drop.format(key="gradient_accumulation_steps"))
    tbs = _get(config, "train_batch_size")
    if tbs is not None:
        per_step = s.batch * s.accumulate
        if world_size is not None and tbs != per_step * world_size:
            out.append(Mismatch("train_batch_size", tbs, per_step * world_size, "train.batch × train.accumulate × "
                                f"{world_size} processes", "remove train_batch_size from deepspeed_extra: ftcore "
                                "computes it"))
        elif world_size is None and (not isinstance(tbs, int) or tbs % per_step):
            out.append(Mismatch("train_batch_size", tbs, f"a multiple of {per_step}", "train.batch × train.accumulate",
                                "remove train_batch_size from deepspeed_extra: ftcore computes it"))
    clip = float(s.clip) if s.clip else 0.0
    expect("gradient_clipping", clip, "regularize.clip",
           "set `clip` in the regularize block instead, " + drop.format(key="gradient_clipping"),
           found=float(_get(config, "gradient_clipping", 0.0) or 0.0))
    expect("zero_optimization.stage", s.zero, "train.engine deepspeed(zero: ...)",
           f"write engine deepspeed(zero: {_get(config, 'zero_optimization.stage')}) in the train block, "
           + drop.format(key="zero_optimization.stage"))
    opt_dev = _device(_get(config, "zero_optimization.offload_optimizer"))
    par_dev = _device(_get(config, "zero_optimization.offload_param"))
    expect("zero_optimization.offload_optimizer.device", "cpu" if s.offload_optimizer else "none",
           "train.engine deepspeed(offload: ...)", "choose offload in deepspeed(...): \"optimizer\", \"parameters\", "
           "\"both\" or \"none\", " + drop.format(key="offload_optimizer"), found=opt_dev,
           same=lambda have, want: (have != "none") == (want != "none"))
    expect("zero_optimization.offload_param.device", "cpu" if s.offload_parameters else "none",
           "train.engine deepspeed(offload: ...)", "choose offload in deepspeed(...), " + drop.format(key="offload_param"),
           found=par_dev, same=lambda have, want: (have != "none") == (want != "none"))
    expect("bf16.enabled", s.precision == "bf16", "train.precision",
           "set `precision` in the train block, " + drop.format(key="bf16"),
           found=bool(_get(config, "bf16.enabled", False)))
    expect("fp16.enabled", s.precision == "fp16", "train.precision",
           "set `precision` in the train block, " + drop.format(key="fp16"),
           found=bool(_get(config, "fp16.enabled", False)))
    opt_type = str(_get(config, "optimizer.type", "")).lower()
    expect("optimizer.type", str(s.optimizer_section.get("type")), "train.optimizer",
           "choose the optimizer with `optimizer` in the train block, " + drop.format(key="optimizer.type"),
           found=_get(config, "optimizer.type"), same=lambda have, want: opt_type == want.lower())
    expect("optimizer.params.lr", s.lr, "train.optimizer lr", "set lr in the train block's optimizer, "
           + drop.format(key="optimizer.params.lr"))
    expect("optimizer.params.weight_decay", s.weight_decay, "regularize.weight_decay",
           "set `weight_decay` in the regularize block, " + drop.format(key="optimizer.params.weight_decay"))
    if _get(config, "scheduler") is not None:
        out.append(Mismatch("scheduler", _get(config, "scheduler"), None, "train.schedule",
                            "remove scheduler from deepspeed_extra: ftcore drives the learning rate from `schedule`"))
    stage = _get(config, "zero_optimization.stage", 0)
    if par_dev != "none" and stage != 3:
        out.append(Mismatch("zero_optimization.offload_param", {"device": par_dev}, "ZeRO stage 3",
                            "train.engine", "offload parameters only with deepspeed(zero: 3)"))
    if opt_dev != "none" and stage == 0:
        out.append(Mismatch("zero_optimization.offload_optimizer", {"device": opt_dev}, "ZeRO stage 1, 2 or 3",
                            "train.engine", "offload the optimizer only with deepspeed(zero: 1), 2 or 3"))
    from ftcore_train.dsfiles import file_settings

    out += file_settings(config)  # settings that would read or write files outside the run folder
    return out


def unknown_keys(config: dict[str, Any]) -> list[str]:
    """Top-level keys DeepSpeed does not know (DeepSpeed would ignore them without a word)."""
    return [k for k in config if k not in KNOWN_KEYS]


def size_buckets(config: dict[str, Any], hidden: Optional[int]) -> dict[str, Any]:
    """A copy of ``config`` with ZeRO's communication buckets sized to the model (``hidden`` is its hidden size).

    DeepSpeed's defaults are sized for billion-parameter models on GPUs: a reduce bucket of 5·10⁸
    values (2 GB in fp32), which on a smaller model fills up to the size of all its gradients, a
    whole extra copy of them (kept for the whole run under ZeRO 3). Like the Hugging Face Trainer's
    ``"auto"`` values, the bucket holds hidden² values (ZeRO 1-3), ZeRO 3 prefetches 0.9·hidden²
    and keeps parameters of at most 10·hidden values whole on every process. A bucket the
    config already sets (``deepspeed_extra``) is kept; an unknown hidden size changes nothing.
    """
    out = copy.deepcopy(config)
    zero = out.get("zero_optimization")
    if not hidden or not isinstance(zero, dict) or int(zero.get("stage", 0) or 0) < 1:
        return out
    hidden = int(hidden)
    zero.setdefault("reduce_bucket_size", hidden * hidden)
    if int(zero["stage"]) == 3:
        zero.setdefault("stage3_prefetch_bucket_size", int(0.9 * hidden * hidden))
        zero.setdefault("stage3_param_persistence_threshold", 10 * hidden)
    return out


def finalize(config: dict[str, Any], s: Settings, world_size: int) -> dict[str, Any]:
    """The config for ``world_size`` processes: ``train_batch_size`` filled in. Raises ValueError on mismatch."""
    out = copy.deepcopy(config)
    out.setdefault("train_batch_size", s.batch * s.accumulate * world_size)
    problems = check(out, s, world_size)
    if problems:
        raise ValueError("\n".join(f"{m.message}; fix: {m.fix}" for m in problems))
    return out
