"""Typed, strict configuration: one frozen dataclass per `params.yaml` section.

`load_params(path)` returns a `Params`; an unknown or missing key, or a value of the wrong type, is a
`ConfigError` whose message names the key path (for example `train.pretrain.lr`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A params.yaml problem; the message starts with the key path."""


# Validation in __post_init__ names keys relative to its own section; `build` prefixes the path.


def _check(cond: bool, path: str, msg: str) -> None:
    if not cond:
        raise ConfigError(f"{path}: {msg}")


@dataclass(frozen=True)
class BaseConfig:
    seed: int


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
    min_s: float
    max_s: float
    frozen_max_motion_m: float
    val_fraction: float
    test_fraction: float

    def __post_init__(self) -> None:
        _check(0 < self.min_s <= self.max_s, "min_s", "need 0 < min_s <= max_s")
        _check(
            self.val_fraction >= 0 and self.test_fraction >= 0
            and self.val_fraction + self.test_fraction < 1,
            "val_fraction",
            "val_fraction + test_fraction must be in [0, 1)",
        )


@dataclass(frozen=True)
class EmbedConfig:
    model: str
    batch_size: int

    def __post_init__(self) -> None:
        _check(bool(self.model), "model", "must name a sentence-transformers model")
        _check(self.batch_size >= 1, "batch_size", f"must be >= 1, got {self.batch_size}")


@dataclass(frozen=True)
class VariantConfig:
    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    dropout: float

    def __post_init__(self) -> None:
        _check(self.d_model % self.n_heads == 0, "d_model", "must divide by n_heads")
        _check((self.d_model // self.n_heads) % 2 == 0, "n_heads", "head dim must be even (rotary)")
        _check(0.0 <= self.dropout < 1.0, "dropout", f"must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class ModelConfig:
    max_frames: int
    variants: dict[str, VariantConfig]

    def __post_init__(self) -> None:
        _check(self.max_frames >= 2, "max_frames", f"must be >= 2, got {self.max_frames}")


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
    action_dropout: float
    save_every_epochs: int
    bf16: bool
    compile: bool
    resume_from: str

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "grad_accum", "crop_frames", "save_every_epochs"):
            _check(getattr(self, name) >= 1, name, f"must be >= 1, got {getattr(self, name)}")
        _check(self.lr > 0, "lr", f"must be > 0, got {self.lr}")
        _check(0.0 <= self.action_dropout <= 1.0, "action_dropout", f"must be in [0, 1], got {self.action_dropout}")


@dataclass(frozen=True)
class TrainConfig:
    pretrain: PhaseConfig


@dataclass(frozen=True)
class EvaluateConfig:
    max_clips: int
    seed_offset: int

    def __post_init__(self) -> None:
        _check(self.max_clips >= 1, "max_clips", f"must be >= 1, got {self.max_clips}")


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
    embed: EmbedConfig
    model: ModelConfig
    train: TrainConfig
    evaluate: EvaluateConfig

    def __post_init__(self) -> None:
        missing = [v for v in self.variants if v not in self.model.variants]
        _check(not missing, "variants", f"{missing} have no entry under model.variants")
        _check(len(set(self.datasets)) == len(self.datasets), "datasets", "has duplicates")
        unknown = [p for p in self.phases if p not in {f.name for f in dataclasses.fields(TrainConfig)}]
        _check(not unknown, "phases", f"{unknown} have no section under train")


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
            return tp(**kwargs)
        except ConfigError as exc:  # __post_init__ names keys relative to its section
            raise ConfigError(f"{prefix}{exc}") from None
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


__all__ = ["ConfigError", "Params", "build", "load_params", "to_dict", "field"]
