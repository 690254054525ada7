#!/usr/bin/env bash
# The GPU benchmarks of issues #5 and #7 in one run (a GPU box with PyTorch; no stickgen install needed):
#   OUT=bench/results bash bench/gpu.sh
# Training: tokens/s, peak memory and MFU per variant with bf16 autocast + torch.compile (batch 256 x 120
# frames, the pretrain crop), and medium at batch 64 and 1024 to show how MFU scales with the batch;
# inference: the latency of one 10 s animation per variant with and without diffusion.
set -uo pipefail
export PYTHONPATH="$(dirname "$0")/../src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
nvidia-smi -L || true
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
b=$(dirname "$0")
python3 "$b/train.py" --bf16 --compile --batch-size 256 --frames 120 --steps 20 --out "$OUT/train_cuda.json" || echo "FAILED: train bench"
for bs in 64 1024; do
  python3 "$b/train.py" --variants medium --bf16 --compile --batch-size $bs --frames 120 --steps 20 \
    --out "$OUT/train_cuda_medium_b$bs.json" || echo "FAILED: medium b$bs"
done
python3 "$b/inference.py" --device cuda --repeats 10 --out "$OUT/inference_cuda.json" || echo "FAILED: inference bench"
