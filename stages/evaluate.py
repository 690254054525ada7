"""DVC stage `evaluate@<variant>-<phase>`: the metrics report of a trained model on held-out data.

Writes `metrics.json` (docs/metrics.md: the checklist's selection metrics and score, the HumanML3D
protocol with our evaluator, physical plausibility, the real test motions' reference row) and a plots
folder with GIF previews of the fixed prompt list and the phase's loss curves.
"""

import argparse
import hashlib
from pathlib import Path

from stickgen.core.device import set_cpu_threads
from stickgen.entry import run_stage, stage_params
from stickgen.evaluate.adversarial import read_safe_ratio
from stickgen.evaluate.evaluator import load_evaluator
from stickgen.evaluate.previews import write_loss_curves, write_previews
from stickgen.evaluate.prompts import preview_prompts
from stickgen.evaluate.report import evaluate, load_generator, write_report
from stickgen.wiring import generation, refinement, sampling_from


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--val-data", type=Path, required=True)
    ap.add_argument("--test-data", type=Path, required=True)
    ap.add_argument("--evaluator", type=Path, required=True, help="the evaluator stage's evaluator.pth")
    ap.add_argument("--prompt-table", type=Path, required=True, help="the evaluator stage's prompts.pt")
    ap.add_argument("--adversarial", type=Path, required=True, help="this model's adversarial report")
    ap.add_argument("--live-dir", type=Path, required=True, help="the training phase's DVCLive folder")
    ap.add_argument("--out", type=Path, required=True, help="metrics.json to write")
    ap.add_argument(
        "--candidate",
        type=Path,
        required=True,
        help="the same report in the folder the select stage reads (it cannot depend on eval_results/)",
    )
    ap.add_argument("--plots-dir", type=Path, required=True, help="folder for previews and loss curves")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "evaluate")
    set_cpu_threads(p.evaluate.cpu_threads)
    seed = p.base.seed + p.evaluate.seed_offset
    robustness = read_safe_ratio(args.adversarial)  # a bad report stops the stage before the evaluation
    gen = load_generator(
        args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps, args.prompt_table
    )
    report = evaluate(
        gen,
        load_evaluator(args.evaluator),
        args.val_data,
        args.test_data,
        p.evaluate,
        p.select,
        seed,
        robustness,
        refinement(p),
    )
    write_report(report, args.out)
    previews = write_previews(gen, preview_prompts(), args.plots_dir, seed)
    # the candidate names the previews' bytes: `select` puts the first one on the model card, and depends on
    # eval_results/candidates only, so a changed preview must change the candidate
    hashes = {f.name: hashlib.md5(f.read_bytes()).hexdigest() for f in previews}
    write_report({**report, "previews": hashes}, args.candidate)
    write_loss_curves(args.live_dir, args.plots_dir / "loss_curves.png", f"{gen.variant}/{gen.phase} loss")
    s = report["selection"]
    print(
        f"evaluate: {gen.variant}/{gen.phase} selection_score {s['selection_score']:.3f} (val_loss "
        f"{s['val_loss']:.4f}, motion_mse {s['motion_mse']:.4f}, robustness {s['robustness']:.3f}) "
        f"-> {args.out}"
    )


if __name__ == "__main__":
    run_stage(main, "evaluate")
