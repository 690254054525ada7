"""DVC stages `pretrain@<variant>`, `sft@<variant>` and `lora@<variant>`: train one phase of one variant.

python stages/train.py --phase pretrain --variant small --train-data ... --out-dir models/small/pretrain
torchrun --standalone --nproc-per-node=8 stages/train.py ...      # DDP (params `train.launcher`)
"""

import argparse
import os
from pathlib import Path

from stickgen.core.device import set_cpu_threads
from stickgen.embed.dataset import load_embedded
from stickgen.entry import run_stage, stage_params
from stickgen.train.loop import PHASES, RunSpec, train
from stickgen.wiring import memory_settings, model_configs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phase", required=True, choices=PHASES)
    ap.add_argument("--variant", required=True)
    ap.add_argument("--train-data", type=Path, required=True)
    ap.add_argument("--val-data", type=Path, required=True)
    ap.add_argument("--stats", type=Path, required=True)
    ap.add_argument("--out-dir", type=Path, required=True, help="checkpoints and training_verbose.log")
    ap.add_argument("--live-dir", type=Path, required=True, help="DVCLive folder")
    ap.add_argument("--resume_from", default=None, help="checkpoint to resume (beats env and params)")
    ap.add_argument("--init_from", default=None, help="weights-only initialisation (sft and lora: required)")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "train")
    set_cpu_threads(p.train.cpu_threads)
    if p.train.launcher.startswith("torchrun") and "WORLD_SIZE" not in os.environ:
        raise SystemExit(
            f"train.launcher is {p.train.launcher!r} but this process was not started by torchrun"
        )
    if args.variant not in p.model.variants:
        raise SystemExit(f"unknown variant [{args.variant}]; params has {sorted(p.model.variants)}")
    text_dim = load_embedded(args.train_data).data["text_encoder"]["dim"]
    model_cfg, refiner_cfg = model_configs(p, args.variant, text_dim)
    spec = RunSpec(
        phase=args.phase,
        variant=args.variant,
        train_data=args.train_data,
        val_data=args.val_data,
        stats_path=args.stats,
        out_dir=args.out_dir,
        live_dir=args.live_dir,
        seed=p.base.seed,
    )
    summary = train(
        spec,
        getattr(p.train, args.phase),
        model_cfg,
        refiner_cfg,
        p.diffusion,
        args.resume_from,
        args.init_from,
        memory_settings(p),
        p.train.data_workers,
    )
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"{args.phase}@{args.variant}: {summary}")


if __name__ == "__main__":
    run_stage(main, "train")
