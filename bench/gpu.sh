#!/usr/bin/env bash
# Benchmarks on a GPU machine, unattended, in under 10 minutes:
#
#   bash bench/gpu.sh
#
# 1. Training throughput: a Llama-shaped model of 1.0B parameters built from its config (random
#    weights, nothing downloaded) in bf16, batch 8 of up to 1024 tokens, 30 steps, through ftcore run,
#    the hand-written DeepSpeed loop, a plain PyTorch loop and the Hugging Face Trainer; tokens per
#    second, peak GPU memory and model FLOPs utilisation (python -m bench --gpu).
# 2. ZeRO memory: the same model under ZeRO 0-3 with two processes (one when the machine has one
#    GPU), measured against the plan ftcore check prints (python -m bench.zero_memory).
#
# Each part runs under its own time limit, so the script ends in time even if a part hangs; results
# go to bench/results/ and the GPU tables of docs/benchmarks.md; the log to bench/results/gpu-*.log.
set -uo pipefail
cd "$(dirname "$0")/.."
export TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}"
mkdir -p bench/results
log="bench/results/gpu-$(date -u +%Y%m%d-%H%M%S).log"
exec > >(tee -a "$log") 2>&1

gpus=$(python -c "import torch; print(torch.cuda.device_count())")
if [ "${gpus:-0}" -lt 1 ]; then
  echo "bench/gpu.sh: torch sees no GPU on this machine; nothing was measured" >&2
  exit 2
fi
nproc=$(( gpus >= 2 ? 2 : 1 ))
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
status=0

echo "== training throughput (limit 330 s)"
timeout 330 python -m bench --gpu --only training --reps 1 --docs || { echo "training part failed or timed out ($?)"; status=1; }

echo "== ZeRO memory, $nproc process(es) (limit 210 s)"
timeout 210 python -m bench.zero_memory --layers 20 --hidden 2048 --precision bf16 --nproc "$nproc" \
  || { echo "ZeRO part failed or timed out ($?)"; status=1; }

echo "log: $log"
exit $status
