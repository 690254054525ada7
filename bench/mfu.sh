#!/usr/bin/env bash
# Where the medium variant's GPU training step spends its time (issue #5's MFU target), one knob at a time:
#   OUT=bench/results/mfu bash bench/mfu.sh
# Each line is bench/train.py on medium with bf16 + torch.compile, 120 frames (60 tokens), no padding;
# torch.profiler kernel tables for the first (prof_*.txt).
set -uo pipefail
export PYTHONPATH="$(dirname "$0")/../src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
OUT=${OUT:-bench/results/mfu}
b=$(dirname "$0")
mkdir -p "$OUT"
nvidia-smi -L || true
t() { # NAME ARGS...
  local name=$1; shift
  echo "== $name $(date +%T)"
  timeout "${LIMIT:-80}" python3 "$b/train.py" --bf16 --compile --frames 120 --steps 10 \
    --out "$OUT/$name.json" "$@" | grep -v '^->' || echo "FAILED: $name"
}
# measured in run 2 (bench/results/mfu/run2_rotary_buffers/; --sdpa flash or math changed nothing)
t medium_b1024 --variants medium --batch-size 1024 --profile "$OUT/prof_b1024.txt"
t medium_b1024_nodrop --variants medium --batch-size 1024 --dropout 0
t medium_b4096_nodrop --variants medium --batch-size 4096 --dropout 0
# next: 64-wide heads (6 for medium: same parameters, the attention kernels' native tile)
t medium_b4096_nodrop_6heads --variants medium --batch-size 4096 --dropout 0 --n-heads 6 --profile "$OUT/prof_6heads.txt"
# next: the loss inside the compiled graph
t medium_b4096_nodrop_6heads_cl --variants medium --batch-size 4096 --dropout 0 --n-heads 6 --compile-loss
echo "== done $(date +%T)"
