"""Shared pieces of the converter tests: configs, synthetic takes to write, checks on converted clips."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.core.canonical import Clip
from stickgen.core.config import CanonicalConfig, ConvertConfig, SynthesizeConfig
from stickgen.core.skeleton import JOINT_INDEX, body_height, is_upright, to_canonical_frame
from stickgen.sources.driver import convert_dataset
from stickgen.sources.writers.common import MotionTake
from stickgen.synthetic import SyntheticTake
from stickgen.synthetic.samples import SampleFormat, motion_take, sample_takes

CANON = CanonicalConfig(fps=20.0, max_actors=2, window_s=10.0, stride_s=5.0)
INLINE = ConvertConfig(workers=1, max_reject_fraction=1.0)
STANDING = ("walk", "wave", "clap", "kick", "punch", "jump", "run", "idle", "dance")
# joints every converter maps from a same-named point (the others may be derived)
MAPPED = tuple(
    JOINT_INDEX[n]
    for n in (
        "pelvis", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    )
)  # fmt: skip


def takes(
    n: int,
    fps: float,
    actors: int = 1,
    actions: Sequence[str] = STANDING,
    seconds: tuple[float, float] = (2.0, 3.0),
    start: int = 7_000_000,
    seed: int = 5,
    single: bool = True,
) -> list[MotionTake]:
    """`n` synthetic takes (a rig and joints) of the given actions, ready for a writer."""

    def accept(t: SyntheticTake) -> bool:
        if actors == 2:
            return t.actors == 2
        kind_ok = t.meta.get("kind") == "single" or not single
        return t.actors == 1 and kind_ok and t.action in actions

    cfg = SynthesizeConfig(
        clips=n,
        min_s=seconds[0],
        max_s=seconds[1],
        two_actor_fraction=1.0 if actors == 2 else 0.0,
        chain_fraction=0.0 if single else 0.3,
    )
    fmt = SampleFormat(fps, cfg.two_actor_fraction, lambda *a: None, accept)
    return [motion_take(t) for t in sample_takes(n, cfg, fmt, seed, start)]


def convert(name: str, raw: Path, body_models: str = "") -> tuple[list[Clip], dict]:
    """Convert a folder inline with the test configs."""
    cfg = ConvertConfig(workers=1, max_reject_fraction=1.0, body_models=body_models)
    return convert_dataset(name, raw, CANON, cfg)


def assert_canonical_human(clip: Clip, heights: tuple[float, float] = (1.3, 2.1)) -> None:
    """Upright, of a plausible size, facing +Z with the left wrist on +X (left/right kept right)."""
    j = clip.joints
    assert np.isfinite(j).all(), clip.id
    for a in range(clip.actors):
        assert is_upright(j[:, a]), (clip.id, a)
        assert heights[0] <= body_height(j[:, a]) <= heights[1], (clip.id, a, body_height(j[:, a]))
    lw, rw = JOINT_INDEX["left_wrist"], JOINT_INDEX["right_wrist"]
    lh, rh = JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]
    assert j[0, 0, lh, 0] > j[0, 0, rh, 0], clip.id  # the left hip is on +X ...
    assert j[0, 0, lw, 0] > j[0, 0, rw, 0], clip.id  # ... and so is the left wrist


def resampled_reference(take: MotionTake, frames: int) -> np.ndarray:
    """The take's joints resampled to CANON.fps, first `frames` frames, in the canonical frame."""
    from stickgen.core.canonical import resample

    r = resample(take.joints.astype(np.float64), take.fps, CANON.fps)[:frames]
    return to_canonical_frame(r)


def max_error(a: np.ndarray, b: np.ndarray, joints: Sequence[int] = MAPPED) -> float:
    """Largest per-joint distance (metres) over the given joints."""
    return float(np.linalg.norm(a[..., list(joints), :] - b[..., list(joints), :], axis=-1).max())
