"""The training loop on a DeepSpeed engine: steps, evaluation, checkpoints, early stopping, exact resume."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from ftcore.runtime.errors import RunError
from ftcore_train import checkpoints, dsconfig
from ftcore_train.batching import Rows, make_collator
from ftcore_train.evaluation import evaluate
from ftcore_train.optim import lr_lambda, param_groups
from ftcore_train.ordering import micro_batches, steps_per_epoch
from ftcore_train.display import Display
from ftcore_train.progress import MetricsLog
from ftcore_train.interrupt import Interrupted, StopRequest
from ftcore_train.safe_load import UnsafeCheckpoint
from ftcore_train.seeding import rng_state, seed_everything, set_rng_state


@dataclass
class LoopState:
    """Where the loop is: saved in every checkpoint, so a resumed run continues exactly here."""

    step: int = 0
    epoch: int = 0
    micro: int = 0  # index of the next micro-batch within the epoch
    best: Optional[float] = None
    best_tag: Optional[str] = None
    bad_evals: int = 0
    stopped_early: bool = False
    last_eval: dict = field(default_factory=dict)


def hidden_size(model) -> Optional[int]:
    """The model's hidden size (transformers configs name it ``hidden_size`` whatever their own field); None if it has none."""
    value = getattr(getattr(model, "config", None), "hidden_size", None)
    return int(value) if isinstance(value, int) and value > 0 else None


def improved(value: float, best: Optional[float], mode: str, min_delta: float) -> bool:
    """Whether ``value`` beats ``best`` by more than ``min_delta`` (lower is better when ``mode`` is min)."""
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


class Trainer:
    """Trains the model the train stage's parameters describe; see :meth:`run`."""

    def __init__(self, params: dict[str, Any], train, eval_split, info: dict[str, Any], tokenizer, run_dir: Path,
                 *, hook=None, console=None, resume: bool = False, objective_inputs: Optional[dict] = None):
        self.p = params
        self.objective_inputs = dict(objective_inputs or {})
        self.train_rows = Rows(train)
        self.eval_rows = Rows(eval_split) if eval_split is not None else None
        self.info = dict(info or {})
        self.tokenizer = tokenizer
        self.run_dir = Path(run_dir)
        self.hook = hook
        self.console = console
        self.resume = resume
        self.task = params["model"]["task"]
        self.settings = dsconfig.Settings.from_json(params["settings"])
        import torch

        self.mask_dtype = torch.bfloat16 if self.settings.precision == "bf16" else (
            torch.float16 if self.settings.precision == "fp16" else None)
        self.collate = make_collator(self.info, tokenizer, self.mask_dtype)
        self.engine = None

    # ------------------------------------------------------------------ setup

    def _labels(self) -> list[str]:
        return [str(x) for x in (self.info.get("label_names") or [])]

    def _setup(self) -> None:
        import torch

        from ftcore_hf.build import build_model
        from ftcore_train.engine import init_distributed, partitioned_construction

        s, p = self.settings, self.p
        if s.precision == "fp16" and not torch.cuda.is_available():
            raise RunError("precision fp16 needs a GPU (DeepSpeed's loss scaling runs there)",
                           "on CPUs use precision bf16 or fp32")
        self.rank, self.world = init_distributed()
        try:
            config = dsconfig.finalize(p["deepspeed"], s, self.world)
        except ValueError as exc:
            raise RunError(f"the DeepSpeed config contradicts the recipe: {exc}") from exc
        self.per_epoch = steps_per_epoch(len(self.train_rows), s.batch, s.accumulate, self.world)
        if self.per_epoch == 0:
            need = s.batch * s.accumulate * self.world
            raise RunError(f"the train split has {len(self.train_rows)} examples, fewer than one optimizer step "
                           f"needs ({s.batch} × {s.accumulate} × {self.world} processes = {need})",
                           "lower train.batch or train.accumulate, or add data")
        self.total = int(p["max_steps"]) if p.get("max_steps") else int(p["epochs"]) * self.per_epoch
        seed_everything(p["seed"])  # identical initial weights on every process
        # Under ZeRO 3 each process builds only its partition of the weights (see partitioned_construction).
        model = build_model(p["model"], tokenizer=self.tokenizer, labels=self._labels(), dropout=p.get("dropout"),
                            construction=partitioned_construction(config))
        if s.precision == "bf16":
            model = model.to(torch.bfloat16)
        if self.info.get("packing"):
            from ftcore_train.packed_attention import use_packed_attention

            if use_packed_attention(model):  # attention sample by sample, not through the dense block mask
                self.collate = make_collator(self.info, self.tokenizer, self.mask_dtype, seq_lens=True)
        config = dsconfig.size_buckets(config, hidden_size(model))
        groups, self.group_names = param_groups(model, s.weight_decay)
        fn = lr_lambda(p["schedule"], self.total)
        engine = None
        if self.hook is not None:
            engine = self.hook.ftcore_build_engine(model=model, config=config, param_groups=groups, lr_lambda=fn)
        # No plugin took over: the recipe's engine component builds it, through its impl.
        if engine is None:
            from ftcore_train.engine import build_engine_from_entry

            engine = build_engine_from_entry(p["engine"], model, config, groups, fn)
        self.engine = engine
        self.config = config
        self._load_objective()
        seed_everything(p["seed"] + self.rank)  # dropout masks differ between processes
        self.ckpt_root = self.run_dir / "checkpoints"
        self.metrics = MetricsLog(self.run_dir / "metrics.jsonl")
        self.state = LoopState()
        if self.resume:
            self._restore()

    def _load_objective(self) -> None:
        """The recipe's objective, through its contract (the built-in ``supervised`` when the recipe names none)."""
        from ftcore.api import Objective, call_component, component_object

        entry = self.p.get("objective") or {"component": "objective:supervised", "args": {},
                                            "impl": "ftcore_train.objectives:Supervised", "plugin": "train"}
        self.objective_entry = entry
        self.objective = component_object(entry, Objective)
        problem = call_component(entry, self.objective.check_data, self.info, dict(entry["args"]))
        if problem:
            raise RunError(f'the objective "{entry["component"].partition(":")[2]}" cannot train on this data: '
                           f"{problem}")
        call_component(entry, self.objective.setup, dict(entry["args"]), self.objective_inputs)

    def _objective_loss(self, batch, split: str, indices, training: bool):
        from ftcore.api import ObjectiveStep, call_component

        step = ObjectiveStep(task=self.task, split=split, indices=tuple(indices),
                             label_smoothing=float(self.p.get("label_smoothing") or 0.0), training=training)
        return call_component(self.objective_entry, self.objective.loss, self.engine, batch,
                              dict(self.objective_entry["args"]), step)

    def _restore(self) -> None:
        try:
            found = checkpoints.load_newest_intact(self.engine, self.ckpt_root, self.rank, self._say)
        except checkpoints.DamagedCheckpoint as exc:
            raise RunError(f"no checkpoint in {self.ckpt_root} is intact; the newest, {exc}",
                           "start a new run with another --out folder (nothing here can be resumed)") from None
        except UnsafeCheckpoint as exc:
            raise RunError(f"refused to load checkpoint {exc.path}: {exc.detail}; nothing from it was executed",
                           "the checkpoint was changed after ftcore wrote it (its checksums too): do not use this "
                           "run folder; delete that checkpoint to resume from an older one") from None
        if found is None:
            self._say("no complete checkpoint to resume from: starting at step 0")
            return
        found, state, rng = found
        self.state = LoopState(**state)
        if rng is not None:
            set_rng_state(rng)
        if self.rank == 0:
            torn = self.metrics.truncate_after(self.state.step)
            if torn:
                self._say(f"{self.metrics.path.name}: removed {len(torn)} line(s) that were not complete JSON "
                          f"(line {', '.join(map(str, torn))}; a write was cut off)")
        self._say(f"resumed from {found.name} (epoch {self.state.epoch}, step {self.state.step})")

    # ------------------------------------------------------------------ helpers

    def _say(self, text: str) -> None:
        if getattr(self, "display", None) is not None:
            self.display.message(text)
        elif self.rank == 0 and self.console is not None:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def _barrier(self) -> None:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.barrier()

    def _all_reduce(self, tensor) -> None:
        import torch.distributed as dist

        if dist.is_initialized() and self.world > 1:
            dist.all_reduce(tensor)

    def _to_device(self, batch: dict[str, Any]) -> dict[str, Any]:
        device = getattr(self.engine, "device", None)
        if device is None:
            return batch
        return {k: v.to(device) if hasattr(v, "to") else v for k, v in batch.items()}

    def _fire(self, name: str, **kwargs) -> None:
        if self.hook is not None and self.rank == 0:
            getattr(self.hook, name)(**kwargs)

    # ------------------------------------------------------------------ evaluation and checkpoints

    def evaluate(self) -> dict[str, float]:
        """Metrics of the current weights on the eval split (every process takes part)."""
        self.engine.eval()
        from ftcore.api import MetricInfo
        from ftcore_train.metric_set import MetricSet, torch_all_gather

        values = {}
        if self.objective.task_metrics:
            metrics = MetricSet(self.p["metrics"], MetricInfo(task=self.task, label_names=tuple(self._labels()),
                                                              split="eval"))
            values = evaluate(self.engine, self.eval_rows, self.collate, metrics, task=self.task,
                              batch=self.settings.batch, tokenizer=self.tokenizer, rank=self.rank,
                              world=self.world, device=getattr(self.engine, "device", None),
                              all_gather=torch_all_gather(self.world))
        if self.objective.statistics or not self.objective.task_metrics:
            values.update(self._objective_statistics(with_loss=not self.objective.task_metrics))
        self.engine.train()
        return values

    def _objective_statistics(self, with_loss: bool) -> dict[str, float]:
        """The objective's statistics (and its loss) averaged over the eval split's rows.

        Every process makes the same number of passes (ZeRO-3 gathers parameters in each).
        """
        import torch

        names = (["loss"] if with_loss else []) + list(self.objective.statistics)
        mine = list(range(self.rank, len(self.eval_rows), self.world))
        size = self.settings.batch
        passes = -(-len(range(0, len(self.eval_rows), self.world)) // size)  # rank 0 holds the most rows
        sums = torch.zeros(len(names) + 1, dtype=torch.float64)
        with torch.no_grad():
            for k in range(passes):
                indices = mine[k * size:(k + 1) * size]
                weight = len(indices)
                indices = indices or mine[:size] or [0]  # an extra pass that counts for nothing (ZeRO-3 gathers)
                b = self._to_device(self.collate(self.eval_rows.take(indices)))
                loss, stats = self._objective_loss(b, "eval", indices, training=False)
                stats = {"loss": float(loss), **stats}
                sums[:-1] += torch.tensor([float(stats.get(n, float("nan"))) for n in names],
                                          dtype=torch.float64) * weight
                sums[-1] += weight
        self._all_reduce(sums)
        count = max(float(sums[-1]), 1.0)
        return {n: float(v) / count for n, v in zip(names, sums[:-1].tolist())}

    def _after_eval(self, metrics: dict[str, float]) -> bool:
        """Record an evaluation; update early stopping. Returns True when this is a new best."""
        st = self.state
        st.last_eval = dict(metrics)
        self._eval_step = st.step
        record = {"split": "eval", "step": st.step, "epoch": st.epoch, **{k: round(v, 6) for k, v in metrics.items()}}
        if self.rank == 0:
            self.metrics.write(record)
        if getattr(self, "display", None) is not None:
            self.display.evaluation(st.step, metrics)
        self._fire("ftcore_evaluation_end", step=st.step, split="eval", metrics=dict(metrics), run_dir=self.run_dir)
        early = self.p.get("early_stop")
        if not early:
            return False
        value = metrics[early["metric"]]
        if improved(value, st.best, early["mode"], early["min_delta"]):
            st.best, st.bad_evals = value, 0
            st.best_tag = checkpoints.tag(st.step)
            return True
        st.bad_evals += 1
        if st.bad_evals >= early["patience"]:
            st.stopped_early = True
            self._say(f"early stop: eval.{early['metric']} has not improved for {st.bad_evals} evaluations "
                      f"(best {st.best:.4f} at {st.best_tag})")
        return False

    def checkpoint(self) -> Path:
        """Save a complete checkpoint of the current step, then keep only the newest ones and the best."""
        path = checkpoints.save(self.engine, self.ckpt_root, self.state.step, asdict(self.state), rng_state(),
                                self.rank, self._barrier)
        if self.rank == 0:
            checkpoints.prune(self.ckpt_root, int(self.p["keep"]), self.state.best_tag)
        self._barrier()
        self._last_ckpt = self.state.step
        self._fire("ftcore_checkpoint_saved", path=path, step=self.state.step, run_dir=self.run_dir)
        return path

    # ------------------------------------------------------------------ the loop

    def _train_step(self, batches: list[list[int]]) -> tuple[float, int]:
        import torch

        total_loss, tokens, stats = torch.zeros(()), 0, {}
        for indices in batches:
            b = self._to_device(self.collate(self.train_rows.take(indices)))
            loss, batch_stats = self._objective_loss(b, "train", indices, training=True)
            self.engine.backward(loss)
            self.engine.step()
            total_loss += loss.detach().float().cpu()
            for name, value in (batch_stats or {}).items():
                stats[name] = stats.get(name, 0.0) + float(value)
            mask = b.get("attention_mask")
            tokens += int(mask.sum()) if mask is not None and mask.dim() == 2 else int(b["input_ids"].numel())
        names = sorted(stats)
        mean = torch.cat([total_loss.reshape(1), torch.tensor([stats[n] for n in names])]) / len(batches)
        self._all_reduce(mean)
        mean = (mean / self.world).tolist()
        self.step_stats = dict(zip(names, mean[1:]))
        return float(mean[0]), tokens

    def _due(self, every: Optional[int], end_of_epoch: bool) -> bool:
        return (end_of_epoch if every is None else self.state.step % int(every) == 0)

    def run(self) -> dict[str, Any]:
        """Train to the end (or an early stop), restore the best weights if early stopping, return a summary."""
        self._setup()
        st, s = self.state, self.settings
        self.display = Display(self.total, self.console, int(self.p.get("log_every") or 10), enabled=self.rank == 0,
                               start_step=st.step)
        self._say(f"train: {self.total} optimizer steps ({self.per_epoch} per epoch), batch {s.batch} × accumulate "
                  f"{s.accumulate} × {self.world} process(es)" + (f", from step {st.step}" if st.step else ""))
        self._last_ckpt = st.step if self.resume and st.step else -1
        self._eval_step = st.step if self.resume and st.step else -1
        start = time.perf_counter()
        has_eval = self.eval_rows is not None and len(self.eval_rows) > 0
        self.stop = StopRequest(self._say).install()
        try:
            while st.step < self.total and not st.stopped_early:
                mbs = micro_batches(len(self.train_rows), self.p["seed"], st.epoch, s.batch, s.accumulate,
                                    self.rank, self.world)
                while st.micro + s.accumulate <= len(mbs) and st.step < self.total and not st.stopped_early:
                    loss, tokens = self._train_step(mbs[st.micro:st.micro + s.accumulate])
                    st.micro += s.accumulate
                    st.step += 1
                    lr = self.engine.get_lr()[0] if hasattr(self.engine, "get_lr") else float("nan")
                    if self.rank == 0:
                        self.metrics.write({"step": st.step, "epoch": st.epoch, "loss": loss, "lr": lr,
                                            **self.step_stats})
                    self.display.step(st.step, loss, lr, tokens * self.world)
                    self._fire("ftcore_train_step_end", step=st.step, total=self.total,
                               metrics={"loss": loss, "lr": lr}, run_dir=self.run_dir)
                    if not math.isfinite(loss):
                        raise RunError(f"the loss became {loss} at step {st.step}",
                                       "lower the learning rate, add clipping (regularize { clip 1.0 }) or use fp32")
                    self._maybe_eval_and_save(end_of_epoch=False, has_eval=has_eval)
                    self._stop_if_asked()
                if st.micro + s.accumulate > len(mbs):
                    st.epoch += 1
                    st.micro = 0
                    if not st.stopped_early:
                        self._maybe_eval_and_save(end_of_epoch=True, has_eval=has_eval)
                        self._stop_if_asked()
            if has_eval and self._eval_step != st.step and not st.stopped_early:
                self._after_eval(self.evaluate())
            if self._last_ckpt != st.step:
                self.checkpoint()
            restored = None
            if self.p.get("early_stop") and st.best_tag and st.best_tag != checkpoints.tag(st.step):
                best = self.ckpt_root / st.best_tag
                try:
                    checkpoints.load(self.engine, best, self.rank, module_only=True)
                except (checkpoints.DamagedCheckpoint, UnsafeCheckpoint) as exc:
                    raise RunError(f"cannot restore the best checkpoint: {exc}",
                                   "the final weights were not exported; delete the damaged checkpoint and rerun "
                                   "with --resume") from None
                restored = st.best_tag
                self._say(f"restored the best checkpoint {st.best_tag} (eval.{self.p['early_stop']['metric']} "
                          f"{st.best:.4f})")
            from ftcore_train.export import save_final_model

            model_dir = save_final_model(self.engine, self.p, self.tokenizer, self.info, self.run_dir, self.rank,
                                         self.settings.zero)
            self._barrier()
        finally:
            self.stop.restore()
            self.display.close()
        summary = {"steps": st.step, "total_steps": self.total, "epochs_started": st.epoch, "world_size": self.world,
                   "stopped_early": st.stopped_early, "best": st.best, "best_checkpoint": st.best_tag,
                   "restored": restored, "last_eval": st.last_eval, "seconds": round(time.perf_counter() - start, 2),
                   "model_dir": str(model_dir), "zero": self._zero_that_ran()}
        if self.rank == 0:
            (self.run_dir / "train_summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        return summary

    def _zero_that_ran(self) -> int:
        """The ZeRO stage the engine ran with (asked of the engine; the recipe's for an engine that cannot say)."""
        stage = getattr(self.engine, "zero_optimization_stage", None)
        return int(stage()) if callable(stage) else int(self.settings.zero)

    def _stop_if_asked(self) -> None:
        """After a step: if any process got SIGINT or SIGTERM, save a checkpoint here and end the run."""
        signum = self.stop.agreed(self._all_reduce)
        if signum is None:
            return
        path = self.checkpoint() if self._last_ckpt != self.state.step else self.ckpt_root / \
            checkpoints.tag(self.state.step)
        raise Interrupted(signum, self.state.step, path, self.run_dir)

    def _maybe_eval_and_save(self, end_of_epoch: bool, has_eval: bool) -> None:
        st = self.state
        new_best = False
        if has_eval and self._eval_step != st.step and self._due(self.p.get("eval_every"), end_of_epoch):
            new_best = self._after_eval(self.evaluate())
        if self._due(self.p.get("checkpoint_every"), end_of_epoch) or new_best:
            if self._last_ckpt != st.step:
                self.checkpoint()

    def close(self) -> None:
        """Release the engine and the process group."""
        from ftcore_train.engine import shutdown

        shutdown(self.engine)
        self.engine = None
