"""The params.yaml sections of the trained model's use: evaluation, length estimation, safety, the
adversarial suite, selection, inference and the web demo (one frozen dataclass each; `stickgen.core.config`
assembles them into `Params`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from stickgen.core.strict import check as _check


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
    bf16: bool  # the networks' passes in bf16 autocast where the CPU or GPU computes bf16 natively

    def __post_init__(self) -> None:
        _check(isinstance(self.bf16, bool), "bf16", f"must be true or false, got {self.bf16!r}")
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
    # torch CPU threads of the evaluation stages (0: torch's default, one per core)
    cpu_threads: int
    # motions per caption of the behaviour suite (stickgen.evaluate.behaviour)
    behaviour_seeds: int
    # test clips with a face the `face` section compares (stickgen.evaluate.face_checks.face_metrics)
    face_clips: int

    def __post_init__(self) -> None:
        _check(self.cpu_threads >= 0, "cpu_threads", f"must be >= 0, got {self.cpu_threads}")
        positive = ("max_clips", "replications", "batch_size", "diversity_pairs", "mm_prompts", "face_clips")
        for name in positive:
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
    """`stickgen generate` / InferenceGenerator: safety regenerations, the prompt length limit, whether
    planted feet are held in place (`stickgen.generate.footlock`) and whether the denoiser samples in bf16
    where the device computes it natively (`stickgen.core.device.native_bf16`; float32 elsewhere);
    evaluation and previews follow them too."""

    max_regenerations: int
    max_prompt_chars: int
    lock_feet: bool
    bf16: bool

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
