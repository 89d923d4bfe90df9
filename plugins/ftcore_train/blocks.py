"""Declarations of the ``regularize`` and ``train`` blocks and their components (no heavy imports)."""

from __future__ import annotations

from ftcore.api import (KIND_CONTRACTS, AttrSpec, BlockSpec, BoundComponent, Choice, Component, Float, Integer,
                        ListOf, Param, Portion, PortionType, Reference, String)

REGULARIZE_BLOCK = BlockSpec(
    name="regularize",
    help="What keeps the model from over-fitting: dropout, weight decay, label smoothing, clipping, early stopping.",
    attrs=(
        AttrSpec.single("dropout", Float(min=0, max=1, max_open=True), None,
                        "Dropout for the model's hidden, attention and classifier layers (default: the model's own)."),
        AttrSpec.single("weight_decay", Float(min=0), 0.0,
                        "Decoupled weight decay on weights; never on biases and normalisation layers."),
        AttrSpec.single("label_smoothing", Float(min=0, max=1, max_open=True), 0.0,
                        "Share of the target probability spread over the other classes or tokens."),
        AttrSpec.single("clip", Float(min=0, min_open=True), None,
                        "Clip the global gradient norm to this value (default: no clipping)."),
        AttrSpec("early_stop", (
            Param("patience", Integer(min=1), help="Evaluations without improvement before stopping."),
            Param("on", Reference("a metric such as eval.loss"), None, "The metric watched (default eval.loss)."),
            Param("mode", Choice("auto", "min", "max"), "auto",
                  "Whether lower or higher is better; auto: lower for loss and perplexity, else higher."),
            Param("min_delta", Float(min=0), 0.0, "Smallest change that counts as an improvement."),
        ), "Stop when the watched metric stops improving, then restore the best checkpoint."),
    ),
    example="regularize { dropout 0.1  weight_decay 0.01  early_stop(patience: 2, on: eval.loss) }",
)

DEFAULT_OPTIMIZER = BoundComponent("optimizer", "adamw", {"lr": 5e-5, "betas": [0.9, 0.999], "eps": 1e-8}, "train")
DEFAULT_SCHEDULE = BoundComponent("schedule", "constant", {"warmup": Portion(count=0)}, "train")
DEFAULT_ENGINE = BoundComponent("engine", "deepspeed", {"zero": 0, "offload": "none"}, "train")
DEFAULT_OBJECTIVE = BoundComponent("objective", "supervised", {}, "train")

TRAIN_BLOCK = BlockSpec(
    name="train",
    help="How the model is trained: length, batch, optimizer, schedule, precision, engine, evaluation, checkpoints.",
    attrs=(
        AttrSpec.single("data", Reference("a data block's label", block="data"), None,
                        "The data block to train on (default: the recipe's only data block)."),
        AttrSpec.single("epochs", Integer(min=1), 1, "Passes over the training split."),
        AttrSpec.single("max_steps", Integer(min=1), None, "Stop after this many optimizer steps (overrides epochs)."),
        AttrSpec.single("batch", Integer(min=1), 8, "Micro-batch: examples per process per forward pass."),
        AttrSpec.single("accumulate", Integer(min=1), 1,
                        "Micro-batches per optimizer step; the step sees batch × accumulate × processes examples."),
        AttrSpec.single("optimizer", Component("optimizer"), DEFAULT_OPTIMIZER, "The optimizer and its learning rate."),
        AttrSpec.single("schedule", Component("schedule"), DEFAULT_SCHEDULE, "How the learning rate changes over the run."),
        AttrSpec.single("precision", Choice("fp32", "bf16", "fp16"), "fp32",
                        "Number format for training: fp32, bf16, or fp16 with dynamic loss scaling (GPU)."),
        AttrSpec.single("engine", Component("engine"), DEFAULT_ENGINE, "The training engine (DeepSpeed ZeRO)."),
        AttrSpec.single("objective", Component("objective"), DEFAULT_OBJECTIVE,
                        "What training minimises (default: supervised, the task's cross-entropy)."),
        AttrSpec.single("eval_every", Integer(min=1), None,
                        "Evaluate on the eval split every N optimizer steps (default: after every epoch)."),
        AttrSpec.single("checkpoint_every", Integer(min=1), None,
                        "Save a checkpoint every N optimizer steps (default: after every epoch)."),
        AttrSpec.single("keep", Integer(min=1), 2, "Checkpoints kept besides the best one."),
        AttrSpec.single("log_every", Integer(min=1), 10,
                        "Print a progress line every N steps when the output is not a terminal or with --plain "
                        "(metrics.jsonl gets every step)."),
        AttrSpec.many("deepspeed_extra", String(),
                      "Extra DeepSpeed settings as \"dotted.key=JSON value\", checked against the recipe: "
                      "\"zero_optimization.overlap_comm=true\"."),
    ),
    example="train { epochs 3  batch 32  optimizer adamw(lr: 5e-5)  schedule linear(warmup: 10%) }",
)

OPTIM = "ftcore_train.optim"  # the built-in optimizers and schedules (ftcore.api contracts)

WARMUP = Param("warmup", PortionType(), Portion(count=0), "Warm-up: optimizer steps (100) or a share of the run (10%).")


def register_components(register) -> None:
    """Declare the blocks and the optimizer, schedule and engine components."""
    register.block(REGULARIZE_BLOCK)
    register.block(TRAIN_BLOCK)
    register.kind("optimizer", "The algorithm that updates the weights.", contract=KIND_CONTRACTS["optimizer"])
    lr = Param("lr", Float(min=0, min_open=True), 5e-5, "Peak learning rate.")
    register.component("optimizer", "adamw", (lr, Param("betas", _betas(), [0.9, 0.999], "Adam's beta1 and beta2."),
                                              Param("eps", Float(min=0, min_open=True), 1e-8, "Adam's epsilon.")),
                       "AdamW with decoupled weight decay (the usual choice).", impl=f"{OPTIM}:AdamWOptimizer")
    register.component("optimizer", "adam", (lr, Param("betas", _betas(), [0.9, 0.999], "Adam's beta1 and beta2."),
                                             Param("eps", Float(min=0, min_open=True), 1e-8, "Adam's epsilon.")),
                       "Adam; weight decay is added to the gradient (L2), not decoupled.",
                       impl=f"{OPTIM}:AdamOptimizer")
    register.component("optimizer", "sgd", (lr, Param("momentum", Float(min=0, max=1), 0.0, "Momentum.")),
                       "Stochastic gradient descent with optional momentum.", impl=f"{OPTIM}:SGDOptimizer")
    register.kind("schedule", "How the learning rate changes from step to step.", contract=KIND_CONTRACTS["schedule"])
    register.component("schedule", "constant", (WARMUP,), "Warm up linearly, then hold the learning rate.",
                       impl=f"{OPTIM}:ConstantSchedule")
    register.component("schedule", "linear", (WARMUP, Param("end", Float(min=0, max=1), 0.0,
                                                            "Final learning rate as a share of the peak.")),
                       "Warm up linearly, then decay linearly to end × lr.", impl=f"{OPTIM}:LinearSchedule")
    register.component("schedule", "cosine", (WARMUP, Param("end", Float(min=0, max=1), 0.0,
                                                            "Final learning rate as a share of the peak.")),
                       "Warm up linearly, then follow half a cosine down to end × lr.", impl=f"{OPTIM}:CosineSchedule")
    register.kind("engine", "What runs the training loop.", contract=KIND_CONTRACTS["engine"])
    register.component(
        "engine", "deepspeed",
        (Param("zero", Integer(min=0, max=3), 0, "ZeRO stage: 0 off, 1 optimizer states, 2 + gradients, "
               "3 + parameters sharded across processes."),
         Param("offload", Choice("none", "optimizer", "parameters", "both"), "none",
               "Move optimizer states (ZeRO 1-3) and/or parameters (ZeRO 3) to CPU memory.")),
        "DeepSpeed: one process without a launcher, several through `ftcore run --nproc N`.",
        impl="ftcore_train.engine:DeepSpeedEngine",
    )
    register.kind("objective", "What training minimises on each batch.", contract=KIND_CONTRACTS["objective"])
    register.component("objective", "supervised", (), "The task's cross-entropy on the labelled tokens or classes.",
                       impl="ftcore_train.objectives:Supervised")


def _betas():
    return ListOf(Float(min=0, max=1, max_open=True), min_items=2)
