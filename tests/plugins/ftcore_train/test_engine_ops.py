"""Starting a training process group compiles nothing: DeepSpeed's shared-memory op is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_process_group_on_cpu_builds_no_extension(tmp_path):
    """A fresh extension cache stays empty after init_distributed, and the group works (an all-reduce)."""
    extensions = tmp_path / "torch_extensions"
    code = textwrap.dedent("""
        import torch, torch.distributed as dist
        from ftcore_train.engine import init_distributed, shutdown
        rank, world = init_distributed()
        t = torch.ones(2)
        dist.all_reduce(t)
        print("group", rank, world, t.tolist())
        shutdown(None)
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                            "MASTER_PORT")}
    env.update(TORCH_EXTENSIONS_DIR=str(extensions), OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT / "plugins"), str(ROOT)]))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "group 0 1 [1.0, 1.0]" in out.stdout
    assert "built successfully" not in out.stdout + out.stderr
    assert not (extensions.exists() and any(extensions.rglob("*.so"))), sorted(extensions.rglob("*"))
