"""The DeepSpeed engine: process group setup, engine construction (the ``deepspeed`` engine component) and teardown."""

from __future__ import annotations

import copy
import os
import socket
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from ftcore.api import Engine, PluginError, component_object
from ftcore.plugins.components import call_component, entry_name


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SET_BY_US: list[str] = []


def single_process_env() -> None:
    """Set the variables torch.distributed needs for a one-process group (when no launcher set them).

    :func:`shutdown` removes them again, so that processes started later (a launcher, a test's
    subprocess) do not inherit a port that belonged to this process's group.
    """
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:
        return
    values = dict(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
    for key, value in values.items():
        if key not in os.environ:
            os.environ[key] = value
            _SET_BY_US.append(key)


def backend() -> str:
    """nccl when GPUs are present, gloo on CPUs."""
    import torch

    return "nccl" if torch.cuda.is_available() else "gloo"


def skip_shared_memory_op() -> None:
    """Keep DeepSpeed from compiling its shared-memory all-reduce op (``deepspeed_shm_comm``).

    DeepSpeed's torch backend compiles that C++ op whenever a process group starts on CPUs, yet
    only its inference all-reduce uses it; training never calls it. Compiling took minutes on a
    busy two-core machine (docs/benchmarks.md), on every first run and again whenever another Python
    environment sharing the extension cache had built it with its own paths. An op marked
    incompatible is skipped, and the backend's all-reduce stays the process group's.
    """
    try:
        import deepspeed.ops

        deepspeed.ops.__compatible_ops__["deepspeed_shm_comm"] = False
    except (ImportError, AttributeError, TypeError):  # a DeepSpeed without the op or the table
        pass


def init_distributed() -> tuple[int, int]:
    """Join (or create) the process group; returns ``(rank, world size)``."""
    import deepspeed
    import torch.distributed as dist

    single_process_env()
    skip_shared_memory_op()
    if not dist.is_initialized():
        deepspeed.init_distributed(dist_backend=backend(), verbose=False)
    if backend() == "nccl":
        import torch

        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return dist.get_rank(), dist.get_world_size()


def zero_stage(config: Mapping[str, Any]) -> int:
    """The ZeRO stage a DeepSpeed config asks for (0 when it has no ``zero_optimization`` section)."""
    return int(((config or {}).get("zero_optimization") or {}).get("stage", 0) or 0)


@contextmanager
def partitioned_construction(config: Mapping[str, Any]) -> Iterator[bool]:
    """Under ZeRO 3, build the model inside this block so that no process ever holds all of its weights.

    Parameters created here are partitioned across the processes as each module is constructed
    (``deepspeed.zero.Init`` with the run's config, which also gives them the run's precision),
    and transformers' ``from_pretrained`` and ``from_config`` see the ZeRO-3 config
    (``HfDeepSpeedConfig``, what ``is_deepspeed_zero3_enabled`` reads), so they initialise
    and load weights one gathered module at a time. Without it, every process would build the
    whole model before ``deepspeed.initialize`` partitions it: the full weights once per process,
    memory the allocator does not all hand back. The block yields True when it partitions; for
    other stages it does nothing and yields False. The process group must exist first
    (:func:`init_distributed`).

    Only the model source's construction belongs inside: code that initialises new parameters
    in place after construction (peft's LoRA layers) must run after the block; DeepSpeed
    partitions such parameters itself when the engine is built. Transformers' ZeRO-3 switch is
    turned off again on leaving, so models built later in the process (the plain copy the export
    loads the gathered weights into) are ordinary ones.
    """
    if zero_stage(config) != 3:
        yield False
        return
    import deepspeed
    import torch._dynamo  # noqa: F401  (imported inside zero.Init, it rejects the patched Tensor.__new__)
    from transformers.integrations.deepspeed import HfDeepSpeedConfig, unset_hf_deepspeed_config

    seen_by_transformers = HfDeepSpeedConfig(copy.deepcopy(dict(config)))  # a weak reference: kept alive here
    try:
        with deepspeed.zero.Init(config_dict_or_path=copy.deepcopy(dict(config))):
            yield True
    finally:
        unset_hf_deepspeed_config()
        del seen_by_transformers


def build_engine(model, config: dict[str, Any], param_groups: list[dict[str, Any]], lr_lambda: Callable[[int], float]):
    """``deepspeed.initialize`` with ftcore's config, parameter groups and a LambdaLR schedule."""
    import deepspeed
    from torch.optim.lr_scheduler import LambdaLR

    engine, _, _, _ = deepspeed.initialize(model=model, model_parameters=param_groups, config=config,
                                           lr_scheduler=lambda opt: LambdaLR(opt, lr_lambda))
    if zero_stage(config) == 0 and engine.dp_world_size == 1:
        # Alone, DeepSpeed's all-reduce copies every gradient into flat buffers, "reduces" them over one
        # process, divides by 1 and copies them back: the same gradients, 5% of a MiniLM step on a CPU.
        engine.enable_backward_allreduce = False
    return engine


class DeepSpeedEngine(Engine):
    """``deepspeed(zero, offload)``: the built-in engine; ZeRO settings reach it through the generated config."""

    def build(self, model, config: dict[str, Any], param_groups: list[dict[str, Any]],
              lr_lambda: Callable[[int], float], args: Mapping[str, Any]):
        """:func:`build_engine`: ``deepspeed.initialize``."""
        return build_engine(model, config, param_groups, lr_lambda)


def build_engine_from_entry(entry: Mapping[str, Any], model, config: dict[str, Any],
                            param_groups: list[dict[str, Any]], lr_lambda: Callable[[int], float]):
    """The engine the recipe's ``engine`` component builds, through its impl (an :class:`ftcore.api.Engine`)."""
    impl = component_object(entry, Engine)
    engine = call_component(entry, impl.build, model, config, param_groups, lr_lambda, dict(entry.get("args") or {}))
    if engine is None:
        raise PluginError(entry.get("plugin") or "?", f'engine "{entry_name(entry)[1]}"',
                          "its build() returned None instead of an engine", dist=entry.get("dist", "?"),
                          version=entry.get("version", "?"))
    return engine


def shutdown(engine) -> None:
    """Release the engine and the process group (ZeRO-3 with several processes may abort otherwise)."""
    import deepspeed
    import torch.distributed as dist

    if engine is not None and hasattr(engine, "destroy"):
        engine.destroy()
    if dist.is_initialized():
        deepspeed.comm.destroy_process_group()
    while _SET_BY_US:
        os.environ.pop(_SET_BY_US.pop(), None)
