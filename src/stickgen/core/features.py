"""Canonical joints <-> model features, and the normalisation statistics.

Per actor and frame the feature vector is the root (pelvis) position in canonical metres (3 values)
followed by the other 21 joints relative to the root (63 values): `FEATURES_PER_ACTOR` = 66. A clip
with A actors becomes (T, max_actors, 66) with the missing actor slots zero and masked out.
Statistics (mean and std per feature, over every real actor-frame of the training split) normalise
the model's targets; they travel with every checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stickgen.core.face import FACE_FEATURES
from stickgen.core.skeleton import NUM_JOINTS

FEATURES_PER_ACTOR = 3 + (NUM_JOINTS - 1) * 3
# what the model diffuses per actor and frame: the motion's features, then the face's (`stickgen.core.face`)
STATE_FEATURES = FEATURES_PER_ACTOR + FACE_FEATURES
ROOT_XZ = (0, 2)  # the root's floor-plane position features
FEATURE_LAYOUT = "root_xyz(3) + root_relative_joints(21x3)"
_STD_FLOOR = 1e-3


def joints_to_features(joints: np.ndarray) -> np.ndarray:
    """(T, A, 22, 3) canonical joints -> (T, A, 66) features."""
    assert joints.ndim == 4 and joints.shape[-2:] == (NUM_JOINTS, 3), joints.shape
    root = joints[:, :, 0, :]  # (T, A, 3)
    rel = joints[:, :, 1:, :] - root[:, :, None, :]  # (T, A, 21, 3)
    return np.concatenate([root, rel.reshape(*rel.shape[:2], -1)], axis=-1).astype(np.float32)


def features_to_joints(features: np.ndarray) -> np.ndarray:
    """(..., 66) features -> (..., 22, 3) canonical joints (inverse of `joints_to_features`)."""
    assert features.shape[-1] == FEATURES_PER_ACTOR, features.shape
    root = features[..., :3]
    rel = features[..., 3:].reshape(*features.shape[:-1], NUM_JOINTS - 1, 3)
    return np.concatenate([root[..., None, :], rel + root[..., None, :]], axis=-2)


@dataclass(frozen=True)
class FeatureStats:
    """Per-feature mean and std (both length 66)."""

    mean: np.ndarray
    std: np.ndarray

    def __post_init__(self) -> None:
        for name in ("mean", "std"):
            v = getattr(self, name)
            if v.shape != (FEATURES_PER_ACTOR,) or not np.isfinite(v).all():
                raise ValueError(
                    f"feature stats `{name}` must be finite ({FEATURES_PER_ACTOR},), got {v.shape}"
                )

    def normalise(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.std

    def denormalise(self, x: np.ndarray) -> np.ndarray:
        return x * self.std + self.mean

    def to_dict(self) -> dict:
        return {
            "layout": FEATURE_LAYOUT,
            "dim": FEATURES_PER_ACTOR,
            "mean": [float(v) for v in self.mean],
            "std": [float(v) for v in self.std],
        }

    @classmethod
    def from_dict(cls, d: dict) -> FeatureStats:
        if d.get("layout") != FEATURE_LAYOUT or d.get("dim") != FEATURES_PER_ACTOR:
            raise ValueError(
                f"feature stats describe layout {d.get('layout')!r} dim {d.get('dim')!r}; this stickgen uses "
                f"{FEATURE_LAYOUT!r} dim {FEATURES_PER_ACTOR}"
            )
        return cls(np.asarray(d["mean"], dtype=np.float32), np.asarray(d["std"], dtype=np.float32))


def compute_stats(feature_blocks: list[np.ndarray]) -> FeatureStats:
    """Mean/std over every row of the given (N_i, 66) blocks (real actor-frames only)."""
    count = 0
    total = np.zeros(FEATURES_PER_ACTOR, dtype=np.float64)
    total_sq = np.zeros(FEATURES_PER_ACTOR, dtype=np.float64)
    for block in feature_blocks:
        b = block.reshape(-1, FEATURES_PER_ACTOR).astype(np.float64)
        count += b.shape[0]
        total += b.sum(0)
        total_sq += (b * b).sum(0)
    if count == 0:
        raise ValueError("cannot compute feature statistics from zero frames")
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean * mean, 0.0))
    return FeatureStats(mean.astype(np.float32), np.maximum(std, _STD_FLOOR).astype(np.float32))
