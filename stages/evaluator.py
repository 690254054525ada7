"""DVC stage `evaluator`: train the text-motion encoders and the action recogniser on the train split.

Writes the evaluator (`evaluator.pth`, rebuilt by `stickgen.evaluate.evaluator.load_evaluator` from the file
alone), its report on real train and val motion (R-precision with own vs shuffled captions, action
accuracy, a `timestamp` as every eval_results report has), and the embeddings of the evaluation's fixed
prompts (`prompts.pt`, same text encoder as the embedded data) so the per-model stages need not load the
text encoder.
"""

import argparse
from pathlib import Path

from stickgen.core.device import set_cpu_threads
from stickgen.entry import run_stage, stage_params, write_metrics
from stickgen.evaluate.evaluator import save_evaluator
from stickgen.evaluate.evaluator_train import build_evaluator
from stickgen.evaluate.prompts import embed_prompt_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-data", type=Path, required=True, help="embedded train split")
    ap.add_argument("--val-data", type=Path, required=True, help="embedded val split")
    ap.add_argument("--out", type=Path, required=True, help="evaluator.pth to write")
    ap.add_argument(
        "--prompt-table", type=Path, required=True, help="prompts.pt to write (fixed prompt sets)"
    )
    ap.add_argument("--metrics", type=Path, required=True, help="report JSON to write")
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "evaluator")
    set_cpu_threads(p.evaluate.cpu_threads)
    ev, report = build_evaluator(
        args.train_data,
        args.val_data,
        p.evaluator,
        p.canonical.max_actors,
        p.base.seed,
        p.evaluate.r_precision_batch,
    )
    save_evaluator(ev, args.out)
    embed_prompt_table(ev.text_encoder["name"], args.prompt_table)
    write_metrics(args.metrics, report)
    v = report["val"]
    print(
        f"evaluator: val R-precision top-1/3 {v['r_precision_top1']:.3f}/{v['r_precision_top3']:.3f} "
        f"(shuffled {v['shuffled_r_precision_top3']:.3f}), action accuracy {v['action_accuracy']:.3f} "
        f"-> {args.out}"
    )


if __name__ == "__main__":
    run_stage(main, "evaluator")
