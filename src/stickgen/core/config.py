"""Typed, strict configuration: one frozen dataclass per `params.yaml` section.

`load_params(path)` returns a `Params`; an unknown or missing key, or a value of the wrong type, is a
`ConfigError` whose message names the key path (for example `train.pretrain.lr`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml

from stickgen.core.config_use import (
    SELECTION_METRICS,
    AdversarialConfig,
    EvaluateConfig,
    EvaluatorTrainConfig,
    InferenceConfig,
    LengthConfig,
    SafetyConfig,
    SelectConfig,
    ServeConfig,
)
from stickgen.core.strict import ConfigError, build, to_dict
from stickgen.core.strict import check as _check
from stickgen.core.strict import recording as strict_recording

T = TypeVar("T")
# bounds of the DDIM samplers (params `sampling.*`, `stickgen.model.diffusion.Generation`, the CLI's
# `--steps`): more steps than this only burn time, and a larger guidance scale only extrapolates into noise
MAX_DDIM_STEPS = 1000
MAX_GUIDANCE_SCALE = 20.0


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
    memory_clips: int
    memory_top_k: int
    memory_dropout: float
    variants: dict[str, VariantConfig]

    def __post_init__(self) -> None:
        _check(self.max_frames >= 2, "max_frames", f"must be >= 2, got {self.max_frames}")
        _check(self.patch_frames >= 1, "patch_frames", f"must be >= 1, got {self.patch_frames}")
        _check(self.memory_clips >= 0, "memory_clips", f"must be >= 0, got {self.memory_clips}")
        _check(self.memory_top_k >= 1, "memory_top_k", f"must be >= 1, got {self.memory_top_k}")
        _check(
            0.0 <= self.memory_dropout < 1.0,
            "memory_dropout",
            f"must be in [0, 1), got {self.memory_dropout}",
        )


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
    # torch's CPU threads per training process (0: one per core)
    cpu_threads: int
    # processes per training process that build the next batches while the model steps (0: built in the
    # training process, `BUILD_AHEAD` steps' at a time; stickgen.train.data.step_batches)
    data_workers: int
    pretrain: PhaseConfig
    sft: PhaseConfig
    lora: LoRAPhaseConfig

    def __post_init__(self) -> None:
        _check(
            (self.launcher.split() or [""])[0] in LAUNCHERS,
            "launcher",
            f"must start with one of {LAUNCHERS}, got {self.launcher!r}",
        )
        _check(self.cpu_threads >= 0, "cpu_threads", f"must be >= 0, got {self.cpu_threads}")
        _check(self.data_workers >= 0, "data_workers", f"must be >= 0, got {self.data_workers}")


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
        _check(
            self.loss_weight > 0 or not self.use_diffusion,
            "use_diffusion",
            "refines with a refiner that loss_weight 0 leaves untrained: set diffusion.loss_weight > 0",
        )
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
    steps from pure noise, the classifier-free guidance scale (1: the conditional prediction alone) and
    how far the guided prediction's motion is rescaled to the conditional one's spread (0: not at all, 1:
    fully; `stickgen.model.diffusion.rescale_guided`)."""

    steps: int
    guidance_scale: float
    guidance_rescale: float

    def __post_init__(self) -> None:
        steps = self.steps
        _check(1 <= steps <= MAX_DDIM_STEPS, "steps", f"must be in 1..{MAX_DDIM_STEPS}, got {steps}")
        _check(
            0.0 <= self.guidance_scale <= MAX_GUIDANCE_SCALE,
            "guidance_scale",
            f"must be in [0, {MAX_GUIDANCE_SCALE:g}], got {self.guidance_scale}",
        )
        rescale = self.guidance_rescale
        _check(0.0 <= rescale <= 1.0, "guidance_rescale", f"must be in [0, 1], got {rescale}")


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
        for key in ("variants", "phases"):  # an empty list leaves the pipeline nothing to train or select
            names = getattr(self, key)
            _check(len(names) > 0, key, "must name at least one (the pipeline trains and selects among them)")
            _check(len(set(names)) == len(names), key, f"has duplicates: {names}")
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


def recording() -> contextlib.AbstractContextManager[set[str]]:
    """Record the params.yaml keys read while the block runs (`stickgen.core.strict.recording`)."""
    return strict_recording(Params)


class _ParamsLoader(yaml.SafeLoader):
    """YAML as DVC reads params.yaml (YAML 1.2 numbers: `1e-3` is a float, where PyYAML's 1.1 rules read the
    text "1e-3"), and a key given twice in one mapping refused (PyYAML keeps the last, silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice in one mapping", mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_ParamsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$"),
    list("-+0123456789."),
)


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"params file not found: {path}")
    with path.open() as fh:
        raw = yaml.load(fh, Loader=_ParamsLoader)  # noqa: S506 (a SafeLoader)
    return build(Params, raw, "")


# the sections of the model's use live in config_use.py; importing them from here keeps one address
__all__ = [
    "SELECTION_METRICS",
    "AdversarialConfig",
    "ConfigError",
    "EvaluateConfig",
    "EvaluatorTrainConfig",
    "InferenceConfig",
    "LengthConfig",
    "Params",
    "SafetyConfig",
    "SelectConfig",
    "ServeConfig",
    "build",
    "field",
    "load_params",
    "recording",
    "to_dict",
]
