"""Run ``ftcore run`` in this process with timers around its phases (the benchmark's view of ftcore).

    python -m bench.trace_ftcore RECORD.json DUMP_DIR -- run recipe.ftr --out DIR ...

Nothing in ftcore changes: the timers wrap its functions from outside (compile, every stage, model
build, DeepSpeed set-up, each optimizer step, evaluation, checkpoints, the saved model). The record
holds the phases in seconds from the moment the parent started this process (``BENCH_SPAWN``, a
``time.time()``), every step's end time, tokens and loss, the top-level imports of the heavy
libraries with where they happened, and the peak resident memory. ``DUMP_DIR`` receives what the
baselines need to train exactly the same thing: the training rows, the micro-batches in order, the
initial weights and the DeepSpeed config. Writing those is timed and left out of the phases.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import time
from pathlib import Path

from bench.probe import Recorder

HEAVY = ("torch", "transformers", "deepspeed", "datasets", "pyarrow", "numpy", "peft", "pandas", "accelerate",
         "safetensors", "tokenizers", "scipy", "sklearn", "evaluate")


def watch_imports(rec: Recorder) -> None:
    """Time the first import of each heavy library (outermost import only, so nothing counts twice)."""
    original = builtins.__import__
    depth = [0]

    def timed_import(name, globals=None, locals=None, fromlist=(), level=0):
        top = name.partition(".")[0]
        if level or top not in HEAVY or top in sys.modules or depth[0]:
            return original(name, globals, locals, fromlist, level)
        depth[0] += 1
        start = rec.now()
        try:
            return original(name, globals, locals, fromlist, level)
        finally:
            depth[0] -= 1
            rec.imports.append({"name": top, "seconds": rec.now() - start, "during": rec.current()})

    builtins.__import__ = timed_import


def wrap(owner, attr: str, phase: str, rec: Recorder, after=None) -> None:
    """Replace ``owner.attr`` by a version that records ``phase`` around each call."""
    original = getattr(owner, attr)

    def timed(*args, **kwargs):
        with rec.phase(phase):
            result = original(*args, **kwargs)
        if after is not None:
            after(result, *args, **kwargs)
        return result

    setattr(owner, attr, timed)


def install(rec: Recorder, dump: Path) -> None:
    """Put the timers in place; see the module docstring."""
    import ftcore.compiler.pipeline as pipeline
    import ftcore.runtime.executor as executor
    import ftcore_hf.build as build
    import ftcore_train.engine as engine
    import ftcore_train.export as export
    import ftcore_train.loop as loop

    wrap(pipeline, "compile_recipe", "compile", rec)
    run_stage = executor.Executor.run_stage

    def timed_stage(self, stage, inputs):
        with rec.phase(f"stage {stage.id}"):
            out = run_stage(self, stage, inputs)
        rec.stages.append({"id": stage.id, "cached": stage.id in self.cache_hits})
        return out

    executor.Executor.run_stage = timed_stage

    def dump_model(model, *args, **kwargs):
        with rec.excluded():
            import torch

            rec.info["params"] = sum(p.numel() for p in model.parameters())
            if torch.cuda.is_available():
                rec.info["gpu"] = torch.cuda.get_device_name()
            model.save_pretrained(dump / "init", safe_serialization=True)

    wrap(build, "build_model", "model build", rec, after=dump_model)
    wrap(engine, "init_distributed", "process group", rec)
    wrap(engine, "build_engine_from_entry", "deepspeed init", rec)
    wrap(export, "save_final_model", "save model/", rec)
    wrap(loop.Trainer, "evaluate", "evaluation", rec)
    wrap(loop.Trainer, "checkpoint", "checkpoint", rec)
    setup = loop.Trainer._setup

    def traced_setup(self):
        with rec.phase("train setup"):
            setup(self)
        with rec.excluded():
            (dump / "ds_config.json").write_text(json.dumps(self.config), encoding="utf-8")
            rows = [{k: v for k, v in r.items() if k in ("input_ids", "attention_mask", "labels")}
                    for r in self.train_rows.rows]
            (dump / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
            (dump / "meta.json").write_text(json.dumps({"task": self.task, "seed": self.p["seed"],
                                                        "pad_token_id": self.tokenizer.pad_token_id}))

    loop.Trainer._setup = traced_setup
    step = loop.Trainer._train_step
    batches: list[list[int]] = []

    def traced_step(self, micro):
        batches.extend(micro)
        with rec.phase("steps"):
            loss, tokens = step(self, micro)
        rec.steps.append({"end": rec.now(), "tokens": tokens, "loss": loss})
        with rec.excluded():
            (dump / "batches.json").write_text(json.dumps(batches), encoding="utf-8")
        return loss, tokens

    loop.Trainer._train_step = traced_step


def main(argv: list[str]) -> int:
    """Trace one ``ftcore`` command; see the module docstring."""
    record, dump, rest = Path(argv[0]), Path(argv[1]), argv[argv.index("--") + 1:]
    dump.mkdir(parents=True, exist_ok=True)
    rec = Recorder()
    watch_imports(rec)
    with rec.phase("import ftcore"):
        from ftcore.cli import main as ftcore_main
    install(rec, dump)
    code = ftcore_main(rest)
    rec.mark("exit")
    rec.write(record, code=code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
