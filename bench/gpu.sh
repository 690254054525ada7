#!/usr/bin/env bash
# The GPU benchmarks of issues #5 and #7 in one run (a GPU box with PyTorch; no stickgen install needed):
#   OUT=bench/results bash bench/gpu.sh
# Training: tokens/s, peak memory and MFU per variant with bf16 autocast + torch.compile (batch 1024 x 120
# frames, the pretrain crop, no padding); medium again at its best measured setting (batch 4096, dropout 0);
# inference: the latency of one 10 s animation per variant with and without diffusion. About 5 minutes
# (mostly compilation). Where the time goes, one knob at a time: bench/mfu.sh.
set -uo pipefail
export PYTHONPATH="$(dirname "$0")/../src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
OUT=${OUT:-bench/results}
b=$(dirname "$0")
mkdir -p "$OUT"
nvidia-smi -L || true
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
t() { python3 "$b/train.py" --bf16 --compile --frames 120 --steps 20 "$@" || echo "FAILED: train.py $*"; }
t --batch-size 1024 --out "$OUT/train_cuda.json"
t --variants medium --batch-size 4096 --dropout 0 --out "$OUT/train_cuda_medium_b4096_nodrop.json"
python3 "$b/inference.py" --device cuda --repeats 10 --out "$OUT/inference_cuda.json" || echo "FAILED: inference"
