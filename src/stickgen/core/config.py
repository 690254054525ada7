"""Typed, strict configuration: one frozen dataclass per `params.yaml` section.

`load_params(path)` returns a `Params`; an unknown or missing key, or a value of the wrong type, is a
`ConfigError` whose message names the key path (for example `train.pretrain.lr`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

T = TypeVar("T")
# bounds of the DDIM samplers (params `sampling.*`, `stickgen.model.diffusion.Generation`, the CLI's
# `--steps`): more steps than this only burn time, and a larger guidance scale only extrapolates into noise
MAX_DDIM_STEPS = 1000
MAX_GUIDANCE_SCALE = 20.0


class ConfigError(ValueError):
    """A params.yaml problem; the message starts with the key path."""


# Validation in __post_init__ names keys relative to its own section; `build` prefixes the path.


def _check(cond: bool, path: str, msg: str) -> None:
    if not cond:
        raise ConfigError(f"{path}: {msg}")


@dataclass(frozen=True)
class BaseConfig:
    seed: int

    def __post_init__(self) -> None:
        _check(0 <= self.seed < 2**63, "seed", f"must be >= 0 and < 2**63, got {self.seed}")


@dataclass(frozen=True)
class CanonicalConfig:
    fps: float
    max_actors: int
    window_s: float
    stride_s: float

    def __post_init__(self) -> None:
        _check(self.fps > 0, "fps", f"must be > 0, got {self.fps}")
        _check(1 <= self.max_actors <= 8, "max_actors", f"must be 1..8, got {self.max_actors}")
        _check(self.window_s > 0, "window_s", f"must be > 0, got {self.window_s}")
        _check(
            0 < self.stride_s <= self.window_s,
            "stride_s",
            f"must be in (0, window_s], got {self.stride_s}",
        )

    @property
    def window_frames(self) -> int:
        return int(round(self.window_s * self.fps))

    @property
    def stride_frames(self) -> int:
        return int(round(self.stride_s * self.fps))


@dataclass(frozen=True)
class SamplesConfig:
    takes_per_dataset: int
    min_s: float
    max_s: float

    def __post_init__(self) -> None:
        _check(self.takes_per_dataset >= 1, "takes_per_dataset", "must be >= 1")
        _check(0 < self.min_s <= self.max_s, "min_s", "need 0 < min_s <= max_s")


@dataclass(frozen=True)
class ConvertConfig:
    workers: int
    max_reject_fraction: float
    # folder of user-supplied SMPL-family body models (smplx layout: smpl/, smplh/, smplx/); "" = the
    # built-in template skeleton (see stickgen.sources.bodymodel and docs/datasets.md)
    body_models: str = ""

    def __post_init__(self) -> None:
        _check(self.workers >= 1, "workers", f"must be >= 1, got {self.workers}")
        _check(
            0.0 <= self.max_reject_fraction <= 1.0,
            "max_reject_fraction",
            f"must be in [0, 1], got {self.max_reject_fraction}",
        )


@dataclass(frozen=True)
class SynthesizeConfig:
    clips: int
    min_s: float
    max_s: float
    two_actor_fraction: float
    chain_fraction: float

    def __post_init__(self) -> None:
        _check(self.clips >= 1, "clips", f"must be >= 1, got {self.clips}")
        _check(0 < self.min_s <= self.max_s, "min_s", "need 0 < min_s <= max_s")
        for name in ("two_actor_fraction", "chain_fraction"):
            v = getattr(self, name)
            _check(0.0 <= v <= 1.0, f"{name}", f"must be in [0, 1], got {v}")


@dataclass(frozen=True)
class CurateConfig:
    """Curation rules (docs/curation.md): filters, de-duplication, caps, quality bars, splits, mirroring."""

    min_s: float
    max_s: float
    frozen_max_motion_m: float
    val_fraction: float
    test_fraction: float
    max_source_fraction: float
    dedup_max_dist_m: float
    min_quality_pretrain: float
    min_quality_sft: float
    balance_max_fraction: float
    mirror: bool
    max_reject_fraction: float

    def __post_init__(self) -> None:
        _check(0 < self.min_s <= self.max_s, "min_s", "need 0 < min_s <= max_s")
        _check(
            self.val_fraction >= 0 and self.test_fraction >= 0 and self.val_fraction + self.test_fraction < 1,
            "val_fraction",
            "val_fraction + test_fraction must be in [0, 1)",
        )
        for name in ("max_source_fraction", "balance_max_fraction"):
            v = getattr(self, name)
            _check(0.0 < v <= 1.0, name, f"must be in (0, 1], got {v}")
        for name in ("min_quality_pretrain", "min_quality_sft", "max_reject_fraction"):
            v = getattr(self, name)
            _check(0.0 <= v <= 1.0, name, f"must be in [0, 1], got {v}")
        _check(
            self.min_quality_sft >= self.min_quality_pretrain,
            "min_quality_sft",
            f"must be >= min_quality_pretrain ({self.min_quality_pretrain}), got {self.min_quality_sft}",
        )
        _check(
            self.dedup_max_dist_m >= 0,
            "dedup_max_dist_m",
            f"must be >= 0 (0: off), got {self.dedup_max_dist_m}",
        )


@dataclass(frozen=True)
class QualityConfig:
    """Weights of the motion artifact detectors in the quality score (stickgen.core.quality; 0 = off)."""

    jitter: float
    foot_skating: float
    ground_penetration: float
    floating: float
    bone_length: float
    teleport: float
    frozen: float
    joint_angles: float

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            _check(0.0 <= v <= 100.0, f.name, f"weight must be in [0, 100], got {v}")


@dataclass(frozen=True)
class EmbedConfig:
    model: str
    batch_size: int
    # `auto` (CUDA when available, else CPU), `cpu`, `cuda`, `cuda:N`, `mps`
    device: str

    def __post_init__(self) -> None:
        _check(bool(self.model), "model", "must name a sentence-transformers model")
        _check(self.batch_size >= 1, "batch_size", f"must be >= 1, got {self.batch_size}")
        _check(
            self.device in ("auto", "cpu", "mps") or self.device.split(":")[0] == "cuda",
            "device",
            f"must be auto, cpu, cuda, cuda:N or mps, got {self.device!r}",
        )


@dataclass(frozen=True)
class VariantConfig:
    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    dropout: float

    def __post_init__(self) -> None:
        for name in ("d_model", "n_layers", "n_heads", "ffn_hidden"):
            _check(getattr(self, name) >= 1, name, f"must be >= 1, got {getattr(self, name)}")
        _check(self.d_model % self.n_heads == 0, "d_model", "must divide by n_heads")
        _check((self.d_model // self.n_heads) % 2 == 0, "n_heads", "head dim must be even (rotary)")
        _check(0.0 <= self.dropout < 1.0, "dropout", f"must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class ModelConfig:
    max_frames: int
    patch_frames: int
    variants: dict[str, VariantConfig]

    def __post_init__(self) -> None:
        _check(self.max_frames >= 2, "max_frames", f"must be >= 2, got {self.max_frames}")
        _check(self.patch_frames >= 1, "patch_frames", f"must be >= 1, got {self.patch_frames}")


@dataclass(frozen=True)
class PhaseConfig:
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    warmup_steps: int
    grad_accum: int
    grad_clip: float
    crop_frames: int
    bucket_by_length: bool
    action_dropout: float
    save_every_epochs: int
    resume_every_steps: int
    bf16: bool
    compile: bool
    resume_from: str

    def __post_init__(self) -> None:
        for name in (
            "epochs",
            "batch_size",
            "grad_accum",
            "crop_frames",
            "save_every_epochs",
            "resume_every_steps",
        ):
            _check(getattr(self, name) >= 1, name, f"must be >= 1, got {getattr(self, name)}")
        _check(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        _check(self.weight_decay >= 0, "weight_decay", f"must be >= 0, got {self.weight_decay}")
        _check(self.warmup_steps >= 0, "warmup_steps", f"must be >= 0, got {self.warmup_steps}")
        _check(self.grad_clip > 0, "grad_clip", f"must be > 0, got {self.grad_clip}")
        _check(
            0.0 <= self.action_dropout <= 1.0,
            "action_dropout",
            f"must be in [0, 1], got {self.action_dropout}",
        )


@dataclass(frozen=True)
class LoRAPhaseConfig(PhaseConfig):
    """A LoRA phase: the phase settings plus the adapters (see `stickgen.model.lora`)."""

    rank: int
    alpha: float
    dropout: float
    target_modules: list[str]

    def __post_init__(self) -> None:
        super().__post_init__()
        _check(self.rank >= 1, "rank", f"must be >= 1, got {self.rank}")
        _check(self.alpha > 0, "alpha", f"must be > 0, got {self.alpha}")
        _check(0.0 <= self.dropout < 1.0, "dropout", f"must be in [0, 1), got {self.dropout}")
        _check(bool(self.target_modules), "target_modules", "must name at least one module")


LAUNCHERS = ("python", "torchrun")


@dataclass(frozen=True)
class TrainConfig:
    # the command that starts stages/train.py: `python`, or `torchrun --nproc-per-node=N` for DDP
    launcher: str
    pretrain: PhaseConfig
    sft: PhaseConfig
    lora: LoRAPhaseConfig

    def __post_init__(self) -> None:
        _check(
            (self.launcher.split() or [""])[0] in LAUNCHERS,
            "launcher",
            f"must start with one of {LAUNCHERS}, got {self.launcher!r}",
        )


@dataclass(frozen=True)
class DiffusionConfig:
    """The diffusion refiner: its size and training (train stages), its sampling (evaluate, inference)."""

    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    patch_frames: int
    loss_weight: float
    cond_dropout: float
    use_diffusion: bool
    diffusion_steps: int
    guidance_scale: float
    start_strength: float

    def __post_init__(self) -> None:
        _check(self.d_model % self.n_heads == 0, "d_model", "must divide by n_heads")
        _check((self.d_model // self.n_heads) % 2 == 0, "n_heads", "head dim must be even (rotary)")
        _check(self.n_layers >= 1, "n_layers", f"must be >= 1, got {self.n_layers}")
        _check(self.patch_frames >= 1, "patch_frames", f"must be >= 1, got {self.patch_frames}")
        _check(self.loss_weight >= 0, "loss_weight", f"must be >= 0, got {self.loss_weight}")
        _check(0.0 <= self.cond_dropout < 1.0, "cond_dropout", f"must be in [0, 1), got {self.cond_dropout}")
        _check(self.diffusion_steps >= 1, "diffusion_steps", f"must be >= 1, got {self.diffusion_steps}")
        _check(self.guidance_scale >= 0, "guidance_scale", f"must be >= 0, got {self.guidance_scale}")
        _check(
            0.0 < self.start_strength <= 1.0,
            "start_strength",
            f"must be in (0, 1], got {self.start_strength}",
        )


@dataclass(frozen=True)
class SamplingConfig:
    """How the StickFigureTransformer samples a motion (evaluate, select, inference; not training): DDIM
    steps from pure noise and the classifier-free guidance scale (1: the conditional prediction alone)."""

    steps: int
    guidance_scale: float

    def __post_init__(self) -> None:
        steps = self.steps
        _check(1 <= steps <= MAX_DDIM_STEPS, "steps", f"must be in 1..{MAX_DDIM_STEPS}, got {steps}")
        _check(
            0.0 <= self.guidance_scale <= MAX_GUIDANCE_SCALE,
            "guidance_scale",
            f"must be in [0, {MAX_GUIDANCE_SCALE:g}], got {self.guidance_scale}",
        )


@dataclass(frozen=True)
class EvaluatorTrainConfig:
    """The `evaluator` stage (stickgen.evaluate.evaluator_train): text-motion encoders + action recogniser."""

    hidden: int
    emb_dim: int
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    temperature: float

    def __post_init__(self) -> None:
        for name in ("hidden", "emb_dim", "epochs"):
            _check(getattr(self, name) >= 1, name, f"must be >= 1, got {getattr(self, name)}")
        _check(self.batch_size >= 2, "batch_size", f"must be >= 2 (contrastive pairs), got {self.batch_size}")
        _check(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        _check(self.weight_decay >= 0, "weight_decay", f"must be >= 0, got {self.weight_decay}")
        _check(self.temperature > 0, "temperature", f"must be > 0, got {self.temperature}")


@dataclass(frozen=True)
class LengthConfig:
    """The `length` stage (stickgen.model.length): ridge regression of a clip's log-duration on its caption's
    embedding, its penalty the one of `penalties` that `folds`-fold cross-validation on the train split
    prefers; `stickgen generate` without a duration generates the predicted length, at least `min_s`."""

    penalties: list[float]
    folds: int
    min_s: float

    def __post_init__(self) -> None:
        _check(bool(self.penalties), "penalties", "must name at least one ridge penalty")
        bad = [v for v in self.penalties if not (math.isfinite(v) and v >= 0)]
        _check(not bad, "penalties", f"must be finite numbers >= 0, got {bad}")
        _check(self.folds >= 2, "folds", f"must be >= 2, got {self.folds}")
        _check(math.isfinite(self.min_s) and self.min_s > 0, "min_s", f"must be > 0, got {self.min_s}")


@dataclass(frozen=True)
class EvaluateConfig:
    """`evaluate@<variant>-<phase>` (docs/metrics.md): the test subset, replications and protocol sizes."""

    max_clips: int
    seed_offset: int
    replications: int
    batch_size: int
    r_precision_batch: int
    diversity_pairs: int
    mm_prompts: int
    mm_repeats: int
    smoothness_quantile: float
    # torch CPU threads of the evaluation stages (0: torch's default); small batches run best on one
    cpu_threads: int
    # motions per caption of the behaviour suite (stickgen.evaluate.behaviour)
    behaviour_seeds: int

    def __post_init__(self) -> None:
        _check(self.cpu_threads >= 0, "cpu_threads", f"must be >= 0, got {self.cpu_threads}")
        for name in ("max_clips", "replications", "batch_size", "diversity_pairs", "mm_prompts"):
            _check(getattr(self, name) >= 1, name, f"must be >= 1, got {getattr(self, name)}")
        _check(self.behaviour_seeds >= 1, "behaviour_seeds", f"must be >= 1, got {self.behaviour_seeds}")
        _check(
            self.r_precision_batch >= 2, "r_precision_batch", f"must be >= 2, got {self.r_precision_batch}"
        )
        _check(self.mm_repeats >= 2, "mm_repeats", f"must be >= 2 (pairs), got {self.mm_repeats}")
        _check(
            0.5 <= self.smoothness_quantile <= 1.0,
            "smoothness_quantile",
            f"must be in [0.5, 1], got {self.smoothness_quantile}",
        )


@dataclass(frozen=True)
class SafetyConfig:
    """The SafetyCritic's decision (stickgen.core.safety): reject at this severity or under this score."""

    rejection_severity_threshold: float
    min_quality_score: float

    def __post_init__(self) -> None:
        _check(
            0.0 < self.rejection_severity_threshold <= 1.0,
            "rejection_severity_threshold",
            f"must be in (0, 1], got {self.rejection_severity_threshold}",
        )
        _check(
            0.0 <= self.min_quality_score <= 1.0,
            "min_quality_score",
            f"must be in [0, 1], got {self.min_quality_score}",
        )


@dataclass(frozen=True)
class AdversarialConfig:
    """`adversarial@<variant>-<phase>`: the length of prompts that do not ask for one."""

    duration_s: float

    def __post_init__(self) -> None:
        _check(self.duration_s > 0, "duration_s", f"must be > 0, got {self.duration_s}")


# The datasets with a converter: the names `datasets` may list. The converters' registry
# (`stickgen.sources`, above this module) refuses to load unless its names are exactly these.
KNOWN_DATASETS = (
    "100style",
    "aistpp",
    "amass",
    "asf_amc",
    "bvh",
    "humanml3d",
    "interhuman",
    "kit_ml",
    "lsmb19",
    "ntu_rgbd",
)

# The checklist's six selection metrics (docs/metrics.md); their direction: stickgen.evaluate.checklist.
SELECTION_METRICS = (
    "val_loss",
    "motion_mse",
    "temporal_consistency",
    "action_accuracy",
    "physics_consistency",
    "robustness",
)


@dataclass(frozen=True)
class SelectConfig:
    """The `select` stage: a threshold and a weight per selection metric (weights sum to 1)."""

    thresholds: dict[str, float]
    weights: dict[str, float]

    def __post_init__(self) -> None:
        for name in ("thresholds", "weights"):
            keys = sorted(getattr(self, name))
            want = list(SELECTION_METRICS)
            _check(keys == sorted(want), name, f"must name exactly {want}, got {keys}")
        bad = {k: v for k, v in self.weights.items() if v < 0}
        _check(not bad, "weights", f"must be >= 0, got {bad}")
        total = sum(self.weights.values())
        _check(abs(total - 1.0) < 1e-6, "weights", f"must sum to 1, got {total}")
        bad = {k: v for k, v in self.thresholds.items() if v <= 0}
        _check(not bad, "thresholds", f"must be > 0, got {bad}")


@dataclass(frozen=True)
class InferenceConfig:
    """`stickgen generate` / InferenceGenerator: safety regenerations, the prompt length limit and whether
    planted feet are held in place (`stickgen.generate.footlock`; evaluation and previews follow it too)."""

    max_regenerations: int
    max_prompt_chars: int
    lock_feet: bool

    def __post_init__(self) -> None:
        n = self.max_regenerations
        _check(n >= 0, "max_regenerations", f"must be >= 0, got {n}")
        _check(self.max_prompt_chars >= 1, "max_prompt_chars", f"must be >= 1, got {self.max_prompt_chars}")


@dataclass(frozen=True)
class ServeConfig:
    """`stickgen serve`, the local web demo (docs/inference.md, "Web demo"): where it listens and what one
    request may ask for. The prompt length limit is `inference.max_prompt_chars`; the duration is also
    bounded by the model's own `max_frames`."""

    host: str
    port: int
    max_duration_s: float
    max_samples: int
    max_concurrent_jobs: int
    max_queued_jobs: int
    max_kept_results: int

    def __post_init__(self) -> None:
        _check(bool(self.host.strip()), "host", "must not be empty (127.0.0.1: this machine only)")
        _check(0 <= self.port <= 65535, "port", f"must be in 0..65535 (0: any free port), got {self.port}")
        _check(self.max_duration_s > 0, "max_duration_s", f"must be > 0, got {self.max_duration_s}")
        for name in ("max_samples", "max_concurrent_jobs", "max_kept_results"):
            v = getattr(self, name)
            _check(v >= 1, name, f"must be >= 1, got {v}")
        _check(self.max_queued_jobs >= 0, "max_queued_jobs", f"must be >= 0, got {self.max_queued_jobs}")


@dataclass(frozen=True)
class Params:
    base: BaseConfig
    raw_root: str
    datasets: list[str]
    variants: list[str]
    phases: list[str]
    canonical: CanonicalConfig
    samples: SamplesConfig
    convert: ConvertConfig
    synthesize: SynthesizeConfig
    curate: CurateConfig
    quality: QualityConfig
    embed: EmbedConfig
    model: ModelConfig
    train: TrainConfig
    diffusion: DiffusionConfig
    sampling: SamplingConfig
    evaluate: EvaluateConfig
    inference: InferenceConfig
    serve: ServeConfig
    evaluator: EvaluatorTrainConfig
    length: LengthConfig
    safety: SafetyConfig
    adversarial: AdversarialConfig
    select: SelectConfig

    def __post_init__(self) -> None:
        missing = [v for v in self.variants if v not in self.model.variants]
        _check(not missing, "variants", f"{missing} have no entry under model.variants")
        _check(len(set(self.datasets)) == len(self.datasets), "datasets", "has duplicates")
        odd = [d for d in self.datasets if d not in KNOWN_DATASETS]
        _check(not odd, "datasets", f"{odd} have no converter; known: {list(KNOWN_DATASETS)}")
        known = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "launcher"]
        unknown = [p for p in self.phases if p not in known]
        _check(not unknown, "phases", f"{unknown} have no section under train")
        # a check across sections is no read by a stage's code (not recorded: `recording` below)
        max_frames = object.__getattribute__(self.model, "max_frames")
        for phase in [p for p in self.phases if p in known]:
            crop = object.__getattribute__(getattr(self.train, phase), "crop_frames")
            _check(
                crop <= max_frames,
                f"train.{phase}.crop_frames",
                f"{crop} is longer than model.max_frames ({max_frames})",
            )


def _is_instance(value: Any, tp: Any) -> bool:
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def build(tp: Any, value: Any, path: str) -> Any:
    """Build `tp` from plain YAML data, strictly; errors name `path`."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        _check(isinstance(value, dict), path or "<root>", f"expected a mapping, got {type(value).__name__}")
        hints = typing.get_type_hints(tp)
        names = [f.name for f in dataclasses.fields(tp)]
        unknown = sorted(set(value) - set(names))
        missing = [n for n in names if n not in value]
        prefix = f"{path}." if path else ""
        if unknown:
            raise ConfigError(f"{prefix}{unknown[0]}: unknown key (known: {names})")
        if missing:
            raise ConfigError(f"{prefix}{missing[0]}: missing key")
        kwargs = {n: build(hints[n], value[n], f"{prefix}{n}") for n in names}
        try:
            obj = tp(**kwargs)
        except ConfigError as exc:  # __post_init__ names keys relative to its section
            raise ConfigError(f"{prefix}{exc}") from None
        object.__setattr__(obj, _KEY_PATH, prefix)  # where its fields sit in params.yaml (`recording`)
        return obj
    if origin is dict:
        kt, vt = typing.get_args(tp)
        _check(isinstance(value, dict), path, f"expected a mapping, got {type(value).__name__}")
        return {build(kt, k, f"{path}.<key>"): build(vt, v, f"{path}.{k}") for k, v in value.items()}
    if origin is list:
        (it,) = typing.get_args(tp)
        _check(isinstance(value, list), path, f"expected a list, got {type(value).__name__}")
        return [build(it, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is Literal:
        _check(value in typing.get_args(tp), path, f"must be one of {typing.get_args(tp)}, got {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None) and value is None:
                return None
            if arg is not type(None) and _is_instance(value, arg):
                return build(arg, value, path)
        raise ConfigError(f"{path}: expected {tp}, got {value!r}")
    _check(_is_instance(value, tp), path, f"expected {tp.__name__}, got {type(value).__name__} {value!r}")
    return float(value) if tp is float else value


def to_dict(obj: Any) -> Any:
    """A dataclass config back to plain YAML/JSON data (round-trips through `build`)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"params file not found: {path}")
    with path.open() as fh:
        raw = yaml.safe_load(fh)
    return build(Params, raw, "")


# --- which keys the code reads -----------------------------------------------------------------------
# Inside `with recording() as reads:`, every field read on a config object that `build` made adds its key
# path to `reads` (`train.pretrain.lr`; a list or a mapping of plain values is one key, such as `datasets`
# or `select.weights`). tests/readiness/test_ready_params.py runs every dvc.yaml stage so and checks that
# the stage declares each key its code read.

_KEY_PATH = "_params_key_path"  # set by `build` on each config object: "train.pretrain." ("" at the root)
_reads: set[str] | None = None


def _is_section(value: Any) -> bool:
    """A config object, or a mapping of them (`model.variants`): the reads are of their own fields."""
    if isinstance(value, dict) and value:
        return all(dataclasses.is_dataclass(v) for v in value.values())
    return dataclasses.is_dataclass(value)


def _recording_getattribute(self: Any, name: str) -> Any:
    value = object.__getattribute__(self, name)
    if _reads is not None and name in type(self).__dataclass_fields__:
        prefix = object.__getattribute__(self, "__dict__").get(_KEY_PATH)
        if prefix is not None and not _is_section(value):
            _reads.add(prefix + name)
    return value


def _config_classes(tp: Any, seen: set[type]) -> set[type]:
    """Every dataclass reachable from `tp` through field types (mappings, lists and unions included)."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp not in seen:
        seen.add(tp)
        for hint in typing.get_type_hints(tp).values():
            _config_classes(hint, seen)
    for arg in typing.get_args(tp):
        _config_classes(arg, seen)
    return seen


@contextlib.contextmanager
def recording() -> Iterator[set[str]]:
    """Record the params keys read while the block runs (see above); yields the set that fills up."""
    global _reads
    if _reads is not None:
        raise RuntimeError("params reads are already being recorded")
    classes = _config_classes(Params, set())
    _reads = reads = set()
    for cls in classes:
        cls.__getattribute__ = _recording_getattribute
    try:
        yield reads
    finally:
        for cls in classes:
            del cls.__getattribute__
        _reads = None


__all__ = ["ConfigError", "Params", "build", "load_params", "recording", "to_dict", "field"]
