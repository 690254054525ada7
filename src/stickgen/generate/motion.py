"""`Motion`: what the generator returns and what rendering and export take.

A motion is canonical joints (float32 (T, A, 22, 3): metres, Y up, floor at y = 0, facing +Z at frame 0;
see docs/schema.md), its frame rate, the prompt it was generated from and a JSON-able `meta` dict
(seed, model, safety verdict, ...). `face` holds the actors' faces frame by frame (`stickgen.core.face`'s
`FaceTrack`, (T, A) arrays), None when the motion has no face (rendering then draws plain round heads).
"""

from __future__ import annotations

import json
import numbers
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from stickgen.core.face import FaceTrack
from stickgen.core.skeleton import NUM_JOINTS, ActorFrames

if TYPE_CHECKING:  # canonical imports torch: only for the annotation
    from stickgen.core.canonical import Clip


# a motion's frame rate, as a raw take's (`stickgen.sources.base`): below 1 fps a motion of seconds keeps one
# or two frames, and a GIF's frame outlasts what the format stores (655 s, at 0.0015 fps)
MIN_FPS, MAX_FPS = 1.0, 1000.0


def check_fps(fps: object, what: str = "Motion fps") -> float:
    """`fps` as a float: a number (not a bool) in [MIN_FPS, MAX_FPS], else a TypeError or ValueError
    naming `what`."""
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise TypeError(f"{what} must be a number, got {fps!r}")
    if not MIN_FPS <= fps <= MAX_FPS:
        raise ValueError(f"{what} must be in [{MIN_FPS:g}, {MAX_FPS:g}] frames per second, got {fps}")
    return float(fps)


def motion_seed(seed: object) -> int:
    """The seed a motion is made with: `seed` as an int (a Python or numpy integer in 0..2**64-1, torch's
    seeds; the same motion for both kinds), or one drawn at random for None; anything else a ValueError
    naming it (-1 failed deep in numpy, 2**64 in torch, 7.9 was made as 7 and "7" as 7)."""
    if seed is None:
        return secrets.randbelow(2**31)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be an integer in 0..2**64-1, got {seed!r}")
    return int(seed)


def length_meta(source: str) -> dict[str, Any]:
    """`meta["length"]` of a motion whose length the length estimator did not predict: "given", "stated",
    "counted" or "default" (`InferenceGenerator.duration_for` writes the predicted one)."""
    return {"source": source, "predicted_s": None, "estimator": None}


@dataclass
class Motion(ActorFrames):
    """Canonical joints (T, A, 22, 3) at `fps` frames per second, with the prompt, metadata and face track."""

    joints: np.ndarray
    fps: float
    prompt: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    face: FaceTrack | None = None

    def __post_init__(self) -> None:
        j = np.asarray(self.joints)
        if j.ndim == 3:  # one actor (T, 22, 3)
            j = j[:, None]
        if j.ndim != 4 or j.shape[2:] != (NUM_JOINTS, 3) or j.shape[0] < 1 or j.shape[1] < 1:
            raise ValueError(
                f"Motion joints must be (T, A, {NUM_JOINTS}, 3) with T, A >= 1, got {np.shape(self.joints)}"
            )
        if j.dtype.kind not in "iuf":
            raise ValueError(f"Motion joints must be real numbers, got dtype {j.dtype}")
        if not np.isfinite(j).all():
            raise ValueError("Motion joints contain non-finite values")
        fps = check_fps(self.fps)
        if not isinstance(self.prompt, str):
            raise TypeError(f"Motion prompt must be a string, got {type(self.prompt).__name__}")
        if not isinstance(self.meta, dict):
            raise TypeError(f"Motion meta must be a dict, got {type(self.meta).__name__}")
        try:
            json.dumps(self.meta)
        except TypeError as exc:
            raise ValueError(f"Motion meta must be JSON-able: {exc}") from None
        if self.face is not None:
            if not isinstance(self.face, FaceTrack):
                raise TypeError(f"Motion face must be a FaceTrack or None, got {type(self.face).__name__}")
            self.face.validate(j.shape[0], j.shape[1], "Motion face")  # FaceFormatError is a ValueError
        self.joints = j.astype(np.float32, copy=False)
        self.fps = fps

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps


def motion_of_clip(clip: Clip, fps: float) -> Motion:
    """A stored canonical clip (`stickgen.core.canonical.Clip`, at its file's `fps`) as a Motion to render or
    export: its joints and face, its first caption as the prompt, and where it came from in `meta`."""
    about = {"id": clip.id, "action": clip.action, "style": clip.style, "source": clip.source}
    meta = {"clip": {**about, "meta": clip.meta}}
    return Motion(clip.joints, fps, clip.texts[0] if clip.texts else "", meta, clip.face)
