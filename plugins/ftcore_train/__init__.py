"""Training for ftcore: the ``regularize`` and ``train`` blocks, the DeepSpeed plan and the training loop."""
