"""`stickgen info` and `stickgen publish`: describe a checkpoint or a fresh variant, upload a model.

stickgen info CKPT [--json]          # a checkpoint: variant, phase, parameters, text encoder, metrics
stickgen info --variant small        # a fresh model of params.yaml: architecture and parameter count
stickgen publish CKPT --repo-id GesturaAI/stick-gen-{variant} [--dry-run --out DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from stickgen.cli.generate import fail
from stickgen.entry import command_params


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register info and publish on the `stickgen` parser's subparsers."""
    i = sub.add_parser("info", help="describe a checkpoint, or a fresh model of a params.yaml variant")
    i.add_argument(
        "checkpoint", type=Path, nargs="?", default=None, help="a .pth checkpoint or a published folder"
    )
    i.add_argument("--variant", default=None, help="describe a fresh model of this variant instead")
    i.add_argument("--json", action="store_true", help="print one JSON object")
    i.add_argument(
        "--eval-results", type=Path, default=Path("eval_results"), help="where metrics.json files are"
    )
    i.add_argument("--params", type=Path, default=Path("params.yaml"), help="for --variant")
    i.add_argument(
        "--text-dim", type=int, default=None, help="for --variant (default: the embed.model's dim)"
    )
    i.set_defaults(func=cmd_info)

    _add_publish(sub)


def _add_publish(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="upload a checkpoint to the Hugging Face Hub (weights, config, card)")
    p.add_argument("checkpoint", type=Path)
    p.add_argument(
        "--repo-id", default="GesturaAI/stick-gen-{variant}", help="owner/name; {variant} is filled in"
    )
    p.add_argument(
        "--eval-results", type=Path, default=Path("eval_results"), help="where metrics.json files are"
    )
    p.add_argument(
        "--training-data",
        type=Path,
        nargs="+",
        default=None,
        metavar="FILE",
        help="embedded sets to find the checkpoint's training data among (default: data/embedded/*.pt)",
    )
    p.add_argument(
        "--canonical-dir",
        type=Path,
        default=Path("data/canonical"),
        help="canonical reports: which sources the samples stage generated (default data/canonical)",
    )
    p.add_argument(
        "--base-model",
        default="GesturaAI/stick-gen-{variant}-{phase}",
        help="Hub id of an SFT / LoRA checkpoint's base; {variant}, {phase}: the base's",
    )
    p.add_argument(
        "--length-estimator",
        type=Path,
        default=None,
        metavar="FILE",
        help="ship this length estimator (the length stage's models/length/length.json) as length.json",
    )
    p.add_argument("--dry-run", action="store_true", help="write the folder only; upload nothing")
    p.add_argument(
        "--out", type=Path, default=None, help="the folder to write (dry run default: publish-OWNER--NAME)"
    )
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--endpoint", default=None, help="Hub URL (default: HF_ENDPOINT or huggingface.co)")
    p.add_argument("--params", type=Path, help="fps and sampling defaults (default: params.yaml, if present)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_publish)


def checkpoint_info(path: Path, eval_results: Path) -> dict[str, Any]:
    """Variant, phase, parameters, text encoder, training state and evaluation metrics of a checkpoint."""
    from stickgen.generate.published import checkpoint_from_folder
    from stickgen.release.model_card import flatten_metrics, metrics_path
    from stickgen.train.checkpoint import load_checkpoint, model_from_checkpoint

    ckpt = checkpoint_from_folder(path) if path.is_dir() else load_checkpoint(path)
    config = ckpt["config"]
    model = model_from_checkpoint(ckpt)
    variant, phase = config.get("variant", "?"), config.get("phase", "?")
    mpath = metrics_path(eval_results, variant, phase)
    metrics = flatten_metrics(json.loads(mpath.read_text())) if mpath.is_file() else {}
    return {
        "checkpoint": str(path),
        "variant": variant,
        "phase": phase,
        "parameters": sum(p.numel() for p in model.parameters()),
        "parameters_transformer": model.transformer.num_parameters(),
        "parameters_refiner": model.refiner.num_parameters(),
        "model": config["model"],
        "refiner": config["refiner"],
        "lora": config.get("lora"),
        "text_encoder": ckpt["text_encoder"],
        "epoch": int(ckpt["epoch"]),
        "step": int(ckpt["step"]),
        "best_val_loss": ckpt.get("best_val_loss"),
        "metrics": metrics,
        "metrics_file": str(mpath) if mpath.is_file() else None,
    }


def variant_info(params_path: Path, variant: str, text_dim: int | None) -> dict[str, Any]:
    """A fresh model of `variant` as params.yaml defines it: architecture and parameter counts."""
    from stickgen.entry import read_params
    from stickgen.model.motion_model import StickFigureModel
    from stickgen.wiring import model_configs

    if not params_path.is_file():
        raise FileNotFoundError(
            f"params file not found: {params_path} (run inside the repository or pass --params)"
        )
    p = read_params(params_path)
    if text_dim is None:
        from stickgen.core.text import encoder_info

        text_dim = encoder_info(p.embed.model).dim
    model_cfg, refiner_cfg = model_configs(p, variant, text_dim)
    model = StickFigureModel(model_cfg, refiner_cfg)
    return {
        "variant": variant,
        "parameters": sum(q.numel() for q in model.parameters()),
        "parameters_transformer": model.transformer.num_parameters(),
        "parameters_refiner": model.refiner.num_parameters(),
        "model": model_cfg.to_dict(),
        "refiner": refiner_cfg.to_dict(),
        "text_encoder": {"name": p.embed.model, "dim": text_dim},
    }


def cmd_info(args: argparse.Namespace) -> int:
    if (args.checkpoint is None) == (args.variant is None):
        from stickgen.generate.batch import UsageError  # a bad argument: exit 2

        return fail("info", UsageError("give a checkpoint (CKPT) or --variant NAME, not both, not neither"))
    try:
        if args.checkpoint is not None:
            info = checkpoint_info(args.checkpoint, args.eval_results)
        else:
            info = variant_info(args.params, args.variant, args.text_dim)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        return fail("info", exc)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    m = info["model"]
    print(f"variant     {info['variant']}" + (f" ({info['phase']})" if "phase" in info else " (fresh model)"))
    print(
        f"parameters  {info['parameters']:,} (transformer {info['parameters_transformer']:,}, "
        f"refiner {info['parameters_refiner']:,})"
    )
    print(
        f"transformer d_model {m['d_model']}, {m['n_layers']} layers, {m['n_heads']} heads, "
        f"ffn {m['ffn_hidden']}"
    )
    print(f"text enc.   {info['text_encoder']['name']} ({info['text_encoder']['dim']}-d)")
    if "step" in info:
        print(
            f"training    step {info['step']}, epoch {info['epoch']}, best val loss {info['best_val_loss']}"
        )
        if info["lora"]:
            print(f"lora        rank {info['lora']['rank']}, targets {info['lora']['target_modules']}")
        if info["metrics"]:
            print(f"metrics     ({info['metrics_file']})")
            for k, v in info["metrics"].items():
                print(f"  {k:<28} {v:.6g}")
        else:
            print(
                f"metrics     none under {args.eval_results} "
                f"(dvc repro evaluate@{info['variant']}-{info['phase']})"
            )
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from stickgen.release.publish import PublishError, publish
    from stickgen.release.training_data import training_data_of
    from stickgen.wiring import generation, refinement

    try:
        p = command_params(args.params, required=False)
        candidates = args.training_data or sorted(Path("data/embedded").glob("*.pt"))
        if not candidates:
            raise ValueError(
                "no embedded training sets to name the model's training data from: pass --training-data "
                "FILE... (the pipeline's data/embedded/*.pt)"
            )
        training = training_data_of(args.checkpoint, candidates, args.canonical_dir)
        sampling = refinement(p) if p is not None else None
        result = publish(
            args.checkpoint,
            args.repo_id,
            args.eval_results,
            training,
            dry_run=args.dry_run,
            out_dir=args.out,
            private=args.private,
            endpoint=args.endpoint,
            fps=p.canonical.fps if p is not None else None,
            sampling=sampling,
            base_repo_id=args.base_model,
            length_estimator=args.length_estimator,
            generation=generation(p) if p is not None else None,
        )
    except (ValueError, FileNotFoundError, RuntimeError, PublishError) as exc:
        return fail("publish", exc)
    except Exception as exc:  # the Hub client's HTTP errors: report them without a traceback
        if type(exc).__module__.startswith(("huggingface_hub", "httpx")):
            return fail("publish", exc)
        raise
    licence, _ = training.licence()
    if args.json:
        print(
            json.dumps(
                {
                    "repo_id": result.repo_id,
                    "dry_run": result.url is None,
                    "folder": None if result.folder is None else str(result.folder),
                    "files": result.files,
                    "url": result.url,
                    "license": licence,
                    "training_sources": [s.name for s in training.sources],
                },
                indent=2,
            )
        )
    elif result.url is None:
        print(
            f"dry run: {len(result.files)} files for {result.repo_id} in {result.folder}: "
            f"{', '.join(result.files)}; licence {licence}"
        )
    else:
        print(f"published {', '.join(result.files)} to {result.repo_id}: {result.url}; licence {licence}")
    return 0
