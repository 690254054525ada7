"""DVC stages `pretrain@<variant>` (and later `sft@` / `lora@`): train one phase of one variant."""

import argparse
from pathlib import Path

from stickgen.config import load_params
from stickgen.dataset import load_embedded
from stickgen.model.transformer import TransformerConfig
from stickgen.train.loop import RunSpec, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--phase", required=True, choices=["pretrain"])
    ap.add_argument("--variant", required=True)
    ap.add_argument("--train-data", type=Path, required=True)
    ap.add_argument("--val-data", type=Path, required=True)
    ap.add_argument("--stats", type=Path, required=True)
    ap.add_argument("--out-dir", type=Path, required=True, help="checkpoints and training_verbose.log")
    ap.add_argument("--live-dir", type=Path, required=True, help="DVCLive folder")
    ap.add_argument("--resume_from", default=None, help="checkpoint to resume (beats env and params)")
    ap.add_argument("--init_from", default=None, help="weights-only initialisation (SFT / LoRA)")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = load_params(args.params)
    if args.variant not in p.model.variants:
        raise SystemExit(f"unknown variant [{args.variant}]; params has {sorted(p.model.variants)}")
    v = p.model.variants[args.variant]
    text_dim = load_embedded(args.train_data).data["text_encoder"]["dim"]
    model_cfg = TransformerConfig(
        text_dim=text_dim, max_frames=p.model.max_frames, max_actors=p.canonical.max_actors,
        d_model=v.d_model, n_layers=v.n_layers, n_heads=v.n_heads, ffn_hidden=v.ffn_hidden, dropout=v.dropout,
    )
    spec = RunSpec(phase=args.phase, variant=args.variant, train_data=args.train_data, val_data=args.val_data,
                   stats_path=args.stats, out_dir=args.out_dir, live_dir=args.live_dir, seed=p.base.seed)
    summary = train(spec, getattr(p.train, args.phase), model_cfg, args.resume_from, args.init_from)
    print(f"{args.phase}@{args.variant}: {summary}")


if __name__ == "__main__":
    main()
