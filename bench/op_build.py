"""What starting a training process group costs, with and without DeepSpeed's shared-memory op.

    python -m bench.op_build

Two fresh processes, each with an empty ``TORCH_EXTENSIONS_DIR`` (as on a new machine, or after
another Python environment rebuilt the op into a shared cache), time
``ftcore_train.engine.init_distributed()``: once as ftcore runs it (the op skipped), once with
:func:`ftcore_train.engine.skip_shared_memory_op` made a no-op (DeepSpeed's default: it compiles
``deepspeed_shm_comm`` with the system's C++ compiler). Prints both times and whether anything was
compiled; writes the JSON under bench/results/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import machine

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import sys, time
import ftcore_train.engine as engine
if sys.argv[1] == "default":
    engine.skip_shared_memory_op = lambda: None
import deepspeed  # noqa: F401  (imported before the clock starts, as in a run)
start = time.perf_counter()
engine.init_distributed()
print(f"SECONDS {time.perf_counter() - start:.3f}")
engine.shutdown(None)
"""


def one(mode: str) -> dict:
    """Time init_distributed in a fresh process with an empty extension cache."""
    with tempfile.TemporaryDirectory(prefix="ftcore-ext-") as ext:
        env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR",
                                                                "MASTER_PORT")}
        env.update(TORCH_EXTENSIONS_DIR=ext, OMP_NUM_THREADS=env.get("OMP_NUM_THREADS", "1"),
                   PYTHONPATH=os.pathsep.join([str(ROOT / "plugins"), str(ROOT)]))
        out = subprocess.run([sys.executable, "-c", CHILD, mode], env=env, capture_output=True, text=True, check=True)
        seconds = float(out.stdout.split("SECONDS")[1].split()[0])
        built = any(Path(ext).rglob("*.so"))
    return {"mode": mode, "seconds": seconds, "compiled": built}


def main() -> int:
    """Both measurements, ftcore's first."""
    result = {"machine": machine.describe(), "runs": [one("ftcore"), one("default")]}
    result["machine"]["load_at_end"] = machine.load_average()
    for r in result["runs"]:
        print(f"{r['mode']}: init_distributed {r['seconds']:.2f} s, compiled an op: {r['compiled']}")
    path = ROOT / "bench" / "results" / f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-op-build.json"
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
