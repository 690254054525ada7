"""Nothing under the floor: a generated figure that sinks is lifted back onto it.

The denoiser predicts the root's height frame by frame, and with some noise draws it drifts down while the
legs go on stepping: on the embedded default's small/sft of 2026-12-06, seed 2 of "a person sprints
forward", "a person runs forward" and "a person walks forward" each sank 10-25 cm over their last two
seconds, the toes 10-15 cm under the floor at the end (and a behaviour check, reading the floor as the
lowest the feet go, then saw every earlier step 20 cm up in the air). `onto_floor` lifts each frame by
how far its lowest joint is under the floor (y = 0, where a canonical clip's lowest foot point is), through
the mean over +-`WINDOW_S` of the largest sink within +-`WINDOW_S`: never less than the frame's own sink,
so no joint stays under the floor, and changing gently, so a lift does not jerk. A frame whose joints are
all above the floor is left where it is when no frame near it sinks: a jump still leaves the floor.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

FLOOR_Y = 0.0  # the canonical floor: a canonical clip is placed with its lowest foot point at y = 0
WINDOW_S = 0.25  # how far around a sinking frame its lift reaches, and spreads


def _around(x: np.ndarray, w: int, reduce) -> np.ndarray:
    """`reduce` over each frame's +-w frames (edge frames repeated) of x (T, A)."""
    padded = np.pad(x, ((w, w), (0, 0)), mode="edge")
    return reduce(sliding_window_view(padded, 2 * w + 1, axis=0), axis=-1)


def floor_lift(joints: np.ndarray, fps: float) -> np.ndarray:
    """(T, A) how far `onto_floor` raises each actor in each frame of (T, A, J, 3) joints: >= the depth of
    the frame's lowest joint under the floor, 0 far from any frame that sinks."""
    j = np.asarray(joints, dtype=np.float64)
    if j.ndim != 4 or j.shape[-1] != 3:
        raise ValueError(f"onto_floor needs (T, A, J, 3) joints, got {j.shape}")
    sink = np.maximum(FLOOR_Y - j[..., 1].min(axis=2), 0.0)  # (T, A)
    if len(j) == 0 or not sink.any():
        return np.zeros(sink.shape)
    w = max(1, round(WINDOW_S * fps))
    return _around(_around(sink, w, np.max), w, np.mean)


def onto_floor(joints: np.ndarray, fps: float) -> np.ndarray:
    """(T, A, J, 3) joints with every actor raised by its `floor_lift`: the same shape and dtype."""
    out = np.array(joints, dtype=np.float64, copy=True)
    out[..., 1] += floor_lift(out, fps)[:, :, None]
    return out.astype(np.asarray(joints).dtype)
