"""The Hugging Face model card (README.md with YAML front matter) of a published stickgen model.

Every number comes from the checkpoint or from its evaluation report (`eval_results/<variant>/<phase>/
metrics.json`); a card is never written with a missing value or a placeholder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

LICENSE = "mit"
TAGS = ("text-to-motion", "motion-generation", "stick-figure", "animation", "stickgen")
# metric leaf names of docs/metrics.md with their display names, in the card's order
METRIC_NAMES: dict[str, str] = {
    "selection_score": "Selection score",
    "val_loss": "Validation loss",
    "motion_mse": "Motion MSE (m^2)",
    "temporal_consistency": "Temporal consistency",
    "action_accuracy": "Action accuracy",
    "physics_consistency": "Physics consistency",
    "robustness": "Robustness (adversarial safe ratio)",
    "r_precision_top1": "R-precision top-1",
    "r_precision_top2": "R-precision top-2",
    "r_precision_top3": "R-precision top-3",
    "fid": "FID",
    "mm_dist": "MM-Dist",
    "diversity": "Diversity",
    "multimodality": "Multimodality",
    "foot_skating_ratio": "Foot skating ratio",
}
PLACEHOLDERS = ("TBD", "TODO", "N/A")


def metrics_path(eval_results: Path, variant: str, phase: str) -> Path:
    return Path(eval_results) / variant / phase / "metrics.json"


def flatten_metrics(report: dict, prefix: str = "") -> dict[str, float]:
    """Finite numeric leaves of a (nested) metrics report, keyed by leaf name (`a.b` when names repeat)."""
    out: dict[str, float] = {}
    for key, value in report.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            for k, v in flatten_metrics(value, f"{name}.").items():
                out[k] = v
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[name] = float(value)
    return out


def load_metrics(eval_results: Path, variant: str, phase: str) -> dict[str, float]:
    """The evaluation metrics of (variant, phase); an error that says how to make them when absent."""
    path = metrics_path(eval_results, variant, phase)
    if not path.is_file():
        raise FileNotFoundError(
            f"no evaluation results for {variant}/{phase} at {path}: run "
            f"`dvc repro evaluate@{variant}-{phase}` (or pass --eval-results DIR); a model card is never "
            "published without its metrics"
        )
    flat = flatten_metrics(json.loads(path.read_text()))
    short = {k.rsplit(".", 1)[-1]: v for k, v in flat.items()}
    if len(short) == len(flat):  # leaf names are unique: use them
        flat = short
    if not flat:
        raise ValueError(f"{path}: holds no numeric metric")
    return flat


def _ordered(metrics: dict[str, float]) -> list[tuple[str, float]]:
    known = [(k, metrics[k]) for k in METRIC_NAMES if k in metrics]
    return known + sorted((k, v) for k, v in metrics.items() if k not in METRIC_NAMES)


def front_matter(repo_name: str, datasets: list[str], metrics: dict[str, float]) -> dict[str, Any]:
    ordered = _ordered(metrics)
    return {
        "license": LICENSE,
        "library_name": "stickgen",
        "tags": list(TAGS),
        "datasets": list(datasets),
        "metrics": [k for k, _ in ordered],
        "model-index": [
            {
                "name": repo_name,
                "results": [
                    {
                        "task": {"type": "text-to-motion", "name": "Text-to-motion generation"},
                        "dataset": {"type": datasets[0], "name": "held-out test split", "split": "test"},
                        "metrics": [
                            {"type": k, "name": METRIC_NAMES.get(k, k), "value": round(v, 6)}
                            for k, v in ordered
                        ],
                    }
                ],
            }
        ],
    }


def model_card(repo_id: str, config: dict[str, Any], metrics: dict[str, float], datasets: list[str]) -> str:
    """README.md text: YAML front matter (licence, datasets, metrics) and a human-readable card.

    Args:
        repo_id: `owner/name` on the Hub.
        config: the published config.json (see `stickgen.inference.publish.published_config`).
        metrics: flat metric name -> value (`load_metrics`).
        datasets: training datasets by name (params `datasets`, plus `synthetic`).
    """
    if not datasets:
        raise ValueError("a model card needs the training datasets (at least one name)")
    if not metrics:
        raise ValueError("a model card needs evaluation metrics")
    name = repo_id.rsplit("/", 1)[-1]
    model, refiner, enc = config["model"], config["refiner"], config["text_encoder"]
    training = config["training"]
    lines = [
        "---",
        yaml.safe_dump(front_matter(name, datasets, metrics), sort_keys=False).rstrip(),
        "---",
        "",
        f"# {name}",
        "",
        f"A text-to-stick-figure animation model ({config['variant']} variant, {config['phase']} phase) "
        "trained with the stickgen pipeline: a text-conditioned transformer generates the whole motion at "
        "once, and a diffusion refiner, saved in the same weights, refines it in a few DDIM steps.",
        "",
        "## Usage",
        "",
        "With the stickgen package installed (it reads this folder as it is):",
        "",
        "```bash",
        f"hf download {repo_id} --local-dir {name}",
        f'stickgen generate "a person waves with the right hand" --checkpoint {name} --out wave.gif '
        "--seconds 4",
        "```",
        "",
        "The output is 22 SMPL body joints per actor in metres (Y up, floor at y = 0), "
        f"{config['fps']:g} frames per second, up to {model['max_actors']} actors and "
        f"{model['max_frames']} frames. Each bone keeps one length over a clip, and planted feet are held in "
        "place by two-bone leg IK (`--no-lock-feet` shows the motion as the model generated it).",
        "",
        "## Model",
        "",
        "| | |",
        "|---|---|",
        f"| parameters | {config['parameters']:,} (transformer {config['parameters_transformer']:,}, "
        f"refiner {config['parameters_refiner']:,}) |",
        f"| transformer | d_model {model['d_model']}, {model['n_layers']} layers, {model['n_heads']} heads, "
        f"SwiGLU {model['ffn_hidden']} |",
        f"| refiner | d_model {refiner['d_model']}, {refiner['n_layers']} layers, default "
        f"{config['sampling']['steps']} DDIM steps, guidance {config['sampling']['guidance_scale']:g} |",
        f"| text encoder | `{enc['name']}` ({enc['dim']}-d); prompts must be embedded with it |",
        f"| training | phase `{config['phase']}`, {training['step']} optimizer steps, best validation loss "
        f"{training['best_val_loss']:.4f} |",
        f"| datasets | {', '.join(datasets)} |",
    ]
    if config.get("lora"):
        lo = config["lora"]
        lines.append(
            f"| LoRA | rank {lo['rank']}, alpha {lo['alpha']:g}, targets {', '.join(lo['target_modules'])}; "
            "merged into `model.safetensors`, adapters alone in `adapter_model.safetensors` |"
        )
    lines += [
        "",
        "## Evaluation",
        "",
        "Measured on generated motion (never teacher-forced) for the held-out test split; definitions in the "
        "project's `docs/metrics.md`.",
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {METRIC_NAMES.get(k, k)} | {v:.4g} |" for k, v in _ordered(metrics)),
        "",
        "## Files",
        "",
        "- `model.safetensors`: the weights (transformer `transformer.*` and refiner `refiner.*`)",
        "- `config.json`: architecture, feature statistics, text encoder, frame rate and sampling defaults",
        "",
        "## Limitations",
        "",
        "Stick figures only (no hands, faces or meshes); motions are at most "
        f"{model['max_frames'] / config['fps']:g} s long; prompts outside the training captions' range give "
        "plausible but generic motion. A safety critic screens generated motion for physically implausible "
        "output. The transformer samples a motion from seeded noise (a diffusion model): a seed picks one of "
        "many motions, and samples of a short training run can miss what the caption asks (the evaluation "
        "report's `behaviour` section measures how often, per action) or glide their feet (the foot-skating "
        "ratio measures it).",
        "",
        "## License",
        "",
        "MIT.",
        "",
    ]
    text = "\n".join(lines)
    bad = [p for p in PLACEHOLDERS if p in text]
    if bad:
        raise ValueError(f"the model card would contain placeholder text {bad}")
    return text
