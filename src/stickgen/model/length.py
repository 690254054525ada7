"""The length estimator: a motion's duration predicted from its caption's embedding (issue #20, "Length
and rate control"; docs/inference.md, "Length from text").

    cfg = LengthConfig(penalties=[0.001, 0.01, 0.1, 1.0], folds=5, min_s=1.0)
    est, report = build_length_estimator(Path("data/embedded/pretrain.pt"), Path("data/embedded/val.pt"),
                                         cfg, max_s=10.0, window_s=10.0)
    save_length_estimator(est, Path("models/length/length.json"))
    load_length_estimator(Path("models/length/length.json")).predict_s(caption_emb)   # (N, D) -> (N,) s

Ridge regression in closed form of log-seconds on the caption embedding, with an unpenalised intercept:
each (caption, clip) pair of the train split is a sample weighted 1 / (the clip's caption count), so every
clip counts once. The penalty is the one of `length.penalties` with the least error in k-fold
cross-validation on the train split, folds by caption family (takes that share a caption stay together,
so a fold's captions are new to the fit, as a user's prompt is); the val split only measures the result.

What it learns is the length of the clips as they were cut: a take longer than `canonical.window_s` is
stored as windows of that length, so its target is min(take, window_s); the model generates at most
`model.max_frames` (the same 10 s in the embedded default), so that censored target is also the most a
prediction can be used for. Predictions are clamped to [min_s, max_s].

The file is JSON (format `stickgen-length`, version 1): the text encoder it expects, the weights, the
clamps, the penalty and the data it was fitted on. Reading a missing or bad file is one `LengthFileError`
line naming the file.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.core.atomic import atomic_write_text
from stickgen.core.config import LengthConfig

LENGTH_FORMAT = "stickgen-length"
LENGTH_VERSION = 1
LENGTH_FILE = "length.json"  # its name in a published model folder (stickgen.release.publish)
# the length a motion gets when none is given and there is no estimator (`stickgen generate`, the API)
DEFAULT_DURATION_S = 5.0


class LengthFileError(ValueError):
    """A length estimator file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class LengthEstimator:
    """log(seconds) = intercept + caption_emb @ weights, clamped to [min_s, max_s] seconds.

    Attributes:
        text_encoder: {name, dim} of the encoder whose embeddings it reads.
        weights: (dim,) float64.
        intercept: log-seconds of a caption embedding of zeros.
        min_s, max_s: the clamp of `predict_s`.
        penalty: the ridge penalty it was fitted with (one of params `length.penalties`).
        trained_on: what it was fitted on ({file, clips, pairs}).
    """

    text_encoder: dict[str, Any]
    weights: np.ndarray
    intercept: float
    min_s: float
    max_s: float
    penalty: float
    trained_on: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        dim = self.text_encoder.get("dim")
        assert self.weights.shape == (dim,), f"weights {self.weights.shape} for a {dim}-d encoder"
        if not 0 < self.min_s <= self.max_s:
            raise ValueError(f"need 0 < min_s <= max_s, got min_s {self.min_s}, max_s {self.max_s}")

    def predict_log_s(self, emb: np.ndarray) -> np.ndarray:
        """Unclamped log-seconds of caption embeddings (N, dim) -> (N,)."""
        emb = np.asarray(emb, dtype=np.float64)
        if emb.ndim != 2 or emb.shape[1] != self.weights.shape[0]:
            raise ValueError(
                f"caption embeddings of shape {emb.shape}; the estimator reads (N, {self.weights.shape[0]})"
            )
        return self.intercept + emb @ self.weights

    def predict_s(self, emb: np.ndarray, max_s: float | None = None) -> np.ndarray:
        """Seconds of caption embeddings (N, dim) -> (N,), clamped to [min_s, min(max_s, self.max_s)]."""
        top = self.max_s if max_s is None else min(self.max_s, max_s)
        return np.clip(np.exp(self.predict_log_s(emb)), min(self.min_s, top), top)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": LENGTH_FORMAT,
            "version": LENGTH_VERSION,
            "target": "log_seconds",
            "text_encoder": dict(self.text_encoder),
            "min_s": self.min_s,
            "max_s": self.max_s,
            "penalty": self.penalty,
            "trained_on": self.trained_on,
            "intercept": self.intercept,
            "weights": [float(w) for w in self.weights],
        }


def fit_ridge(x: np.ndarray, y: np.ndarray, weight: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """Weighted ridge regression with an unpenalised intercept, in closed form.

    Minimises sum_i w_i (y_i - b - x_i . v)^2 / sum_i w_i + penalty |v|^2, so the penalty does not depend
    on the number of samples. Returns (v (D,), b).
    """
    assert x.ndim == 2 and y.shape == weight.shape == (x.shape[0],), (x.shape, y.shape, weight.shape)
    if penalty < 0:
        raise ValueError(f"penalty must be >= 0, got {penalty}")
    w = weight / weight.sum()
    x_mean, y_mean = w @ x, float(w @ y)
    xc = x - x_mean  # (N, D)
    gram = xc.T @ (xc * w[:, None]) + penalty * np.eye(x.shape[1])  # (D, D)
    v = np.linalg.lstsq(gram, xc.T @ (w * (y - y_mean)), rcond=None)[0]
    return v, y_mean - float(x_mean @ v)


@dataclass(frozen=True)
class DurationSet:
    """Every (caption, clip) pair of an embedded split: embedding, the clip's seconds and weight."""

    emb: np.ndarray  # (P, D) float64
    seconds: np.ndarray  # (P,)
    weight: np.ndarray  # (P,): 1 / the clip's caption count
    fold_key: np.ndarray  # (P,) int64: the clip's `caption_families` key, for the folds
    clips: int
    text_encoder: dict[str, Any]
    fps: float


def duration_set(path: Path) -> DurationSet:
    """The pairs of an embedded file (`stickgen.embed.dataset.load_embedded`)."""
    from stickgen.embed.dataset import load_embedded

    d = load_embedded(path).data
    fps = float(d["fps"])
    offsets = np.asarray(d["clip_caption_offsets"], dtype=np.int64)
    index = np.asarray(d["clip_caption_index"], dtype=np.int64)
    counts = np.diff(offsets)
    if (counts < 1).any():
        raise ValueError(f"{path}: clip {int(np.argmin(counts))} has no caption")
    seconds = np.repeat(np.asarray(d["clip_frames"], dtype=np.float64) / fps, counts)
    emb = np.asarray(d["caption_emb"], dtype=np.float64)[index]
    weight = np.repeat(1.0 / counts, counts)
    families = np.repeat(caption_families(list(d["groups"]), offsets, index, list(d["captions"])), counts)
    return DurationSet(emb, seconds, weight, families, len(counts), dict(d["text_encoder"]), fps)


def caption_families(
    groups: list[str], offsets: np.ndarray, index: np.ndarray, captions: list[str]
) -> np.ndarray:
    """(C,) int64: per clip, a stable key of its family, the takes linked by a shared caption (a take's
    windows and mirror images, and every take with a caption of theirs): folds of whole families hold out
    captions never seen in training, as a new prompt is. The key is a hash of the family's first caption."""
    parent = list(range(len(captions)))  # union-find over caption rows

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of_take: dict[str, int] = {}
    for c, take in enumerate(groups):
        for row in index[offsets[c] : offsets[c + 1]]:
            a, b = root(first_of_take.setdefault(take, int(row))), root(int(row))
            parent[max(a, b)] = min(a, b)  # the root is the family's first caption (they are sorted)
    keys = [zlib.crc32(captions[root(int(index[offsets[c]]))].encode()) for c in range(len(groups))]
    return np.asarray(keys, dtype=np.int64)


def cross_validate(data: DurationSet, penalties: list[float], folds: int) -> dict[float, float]:
    """{penalty: clip-weighted mean squared error of log-seconds on held-out folds} (unclamped), folds by
    caption family (`fold_key % folds`); a fold with no clip is skipped."""
    fold = data.fold_key % folds
    y = np.log(data.seconds)
    out = {}
    for penalty in penalties:
        sq, total = 0.0, 0.0
        for k in range(folds):
            held = fold == k
            if not held.any() or held.all():
                continue
            v, b = fit_ridge(data.emb[~held], y[~held], data.weight[~held], penalty)
            w = data.weight[held]
            sq += float(w @ (y[held] - b - data.emb[held] @ v) ** 2)
            total += float(w.sum())
        if total == 0:
            raise ValueError(
                f"cross-validation needs clips of at least two caption families, got {data.clips} clip(s)"
            )
        out[penalty] = sq / total
    return out


def errors(est: LengthEstimator, data: DurationSet) -> dict[str, float]:
    """Clip-weighted errors of the clamped prediction on `data`: mean absolute error in seconds, RMSE in
    log-seconds, and R^2 of log-seconds (1: perfect; 0: no better than the set's own mean)."""
    pred = est.predict_s(data.emb)
    w = data.weight / data.weight.sum()
    log_true, log_pred = np.log(data.seconds), np.log(pred)
    residual = float(w @ (log_true - log_pred) ** 2)
    spread = float(w @ (log_true - w @ log_true) ** 2)
    return {
        "mae_s": float(w @ np.abs(pred - data.seconds)),
        "rmse_log": math.sqrt(residual),
        "r2_log": 1.0 - residual / spread if spread > 0 else 0.0,
    }


def constant_mae_s(seconds: float, data: DurationSet) -> float:
    """Clip-weighted mean absolute error in seconds of predicting `seconds` for every caption."""
    return float(data.weight @ np.abs(seconds - data.seconds) / data.weight.sum())


def build_length_estimator(
    train_path: Path, val_path: Path, cfg: LengthConfig, max_s: float, window_s: float
) -> tuple[LengthEstimator, dict[str, Any]]:
    """Fit on the train split, measure on val. `max_s`: the model's longest motion (model.max_frames /
    canonical.fps); `window_s`: canonical.window_s, for the share of clips cut from longer takes.

    Returns the estimator and its report: train and val errors, and on val the errors of a constant (the
    train split's typical length, the estimator without the text) and of the fixed `DEFAULT_DURATION_S`.
    """
    if not cfg.min_s < max_s:
        raise ValueError(f"length.min_s {cfg.min_s} must be under the model's longest motion, {max_s:g} s")
    train, val = duration_set(train_path), duration_set(val_path)
    if train.text_encoder != val.text_encoder:
        raise ValueError(
            f"{val_path}: text encoder {val.text_encoder} != {train_path}'s {train.text_encoder}"
        )
    cv = cross_validate(train, cfg.penalties, cfg.folds)
    penalty = min(cv, key=lambda k: (cv[k], -k))  # ties: the larger penalty
    v, b = fit_ridge(train.emb, np.log(train.seconds), train.weight, penalty)
    est = LengthEstimator(
        text_encoder=train.text_encoder,
        weights=v,
        intercept=b,
        min_s=cfg.min_s,
        max_s=max_s,
        penalty=penalty,
        trained_on={"file": Path(train_path).as_posix(), "clips": train.clips, "pairs": len(train.seconds)},
    )
    w = train.weight / train.weight.sum()
    typical = float(np.exp(w @ np.log(train.seconds)))  # what a text-blind fit predicts (penalty -> inf)
    window_frames = round(window_s * train.fps)
    report = {
        "train": {**errors(est, train), "clips": train.clips, "pairs": len(train.seconds)},
        "val": {
            **errors(est, val),
            "clips": val.clips,
            "pairs": len(val.seconds),
            "constant_mae_s": constant_mae_s(min(max(typical, cfg.min_s), max_s), val),
            "default_mae_s": constant_mae_s(DEFAULT_DURATION_S, val),
        },
        "penalty": penalty,
        "cv_mse_log": {f"{k:g}": e for k, e in cv.items()},
        "constant_s": typical,
        "windowed_fraction": float(w @ (np.round(train.seconds * train.fps) >= window_frames)),
    }
    return est, report


def save_length_estimator(est: LengthEstimator, path: Path) -> None:
    atomic_write_text(path, json.dumps(est.to_dict(), indent=1) + "\n")


def _number(doc: dict, key: str, where: Path) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise LengthFileError(f"{where}: `{key}` must be a finite number, got {value!r}")
    return float(value)


def load_length_estimator(path: Path) -> LengthEstimator:
    """A length estimator file, checked key by key; `LengthFileError` (one line naming it) when unusable."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LengthFileError(f"{path}: no such length estimator file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LengthFileError(f"{path}: cannot be read ({type(exc).__name__})") from None
    except json.JSONDecodeError as exc:
        raise LengthFileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if (
        not isinstance(doc, dict)
        or doc.get("format") != LENGTH_FORMAT
        or doc.get("version") != LENGTH_VERSION
    ):
        got = (doc.get("format"), doc.get("version")) if isinstance(doc, dict) else type(doc).__name__
        raise LengthFileError(f"{path}: not a {LENGTH_FORMAT} v{LENGTH_VERSION} file (got {got!r})")
    enc = doc.get("text_encoder")
    if not (isinstance(enc, dict) and isinstance(enc.get("name"), str) and isinstance(enc.get("dim"), int)):
        raise LengthFileError(f"{path}: `text_encoder` must be {{name, dim}}, got {enc!r}")
    weights = doc.get("weights")
    if not isinstance(weights, list) or len(weights) != enc["dim"]:
        got = len(weights) if isinstance(weights, list) else type(weights).__name__
        raise LengthFileError(f"{path}: `weights` must be a list of {enc['dim']} numbers, got {got}")
    vec = np.asarray([_number({"weights": x}, "weights", path) for x in weights], dtype=np.float64)
    trained_on = doc.get("trained_on", {})
    try:
        return LengthEstimator(
            text_encoder={"name": enc["name"], "dim": enc["dim"]},
            weights=vec,
            intercept=_number(doc, "intercept", path),
            min_s=_number(doc, "min_s", path),
            max_s=_number(doc, "max_s", path),
            penalty=_number(doc, "penalty", path),
            trained_on=trained_on if isinstance(trained_on, dict) else {},
        )
    except ValueError as exc:
        raise LengthFileError(f"{path}: {exc}") from None
