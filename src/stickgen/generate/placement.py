"""Where a directed motion's window is put for the model: as training crops and templates were.

A training crop is translated so that actor 0's root starts at the floor's origin, and every clip of the
motion memory starts facing +Z (the canonical frame, `stickgen.core.skeleton.to_canonical_frame`), so a
template starts facing +Z. A window of a directed motion (`stickgen.generate.directed`) is moved the same
way before the model samples it: translated so that actor 0's root is at x = z = 0 on the first frame
that keeps it, and turned about the vertical so that actor 0 faces +Z at the window's seam (the last of
its kept leading frames, where the template is held at its start), then moved back after. Without the
turn, a continuation facing elsewhere swung round to its template's facing in a tenth of a second (a
sequence's waiting actor, facing its partner, turned its back on them with its legs crossing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stickgen.core.features import ROOT_XZ, features_to_joints
from stickgen.core.skeleton import facing_yaw, rotation_y


@dataclass(frozen=True)
class Placement:
    """The window's move: `offset` (2,) subtracted from the roots' x/z, then a turn by -`yaw` about +Y."""

    offset: np.ndarray
    yaw: float

    def into(self, feats: np.ndarray) -> np.ndarray:
        """(T, A, 66) features of the motion -> the window's (moved, then turned)."""
        out = feats.copy()
        out[..., list(ROOT_XZ)] -= self.offset
        return turned(out, -self.yaw)

    def back(self, feats: np.ndarray) -> np.ndarray:
        """(T, A, 66) features of the window -> the motion's (turned back, then moved back)."""
        out = turned(feats, self.yaw)
        out[..., list(ROOT_XZ)] += self.offset
        return out


def placement(known: np.ndarray, mask: np.ndarray, kept: int) -> Placement:
    """The placement of a window of denormalised features `known` (T, A, 66), kept where `mask`, whose
    first `kept` frames are kept whole: actor 0's root x/z on the first frame that keeps them (0, 0 when
    none does), and where actor 0 faces (`facing_yaw`) on the last kept leading frame, else on the first
    frame that keeps its whole pose (0 when none does)."""
    rows = np.flatnonzero(mask[:, 0, list(ROOT_XZ)].all(axis=-1))
    offset = known[rows[0], 0, list(ROOT_XZ)].copy() if rows.size else np.zeros(2, dtype=known.dtype)
    whole = np.flatnonzero(mask[:, 0].all(axis=-1))
    if kept > 0 and kept - 1 in whole:
        yaw = facing_yaw(features_to_joints(known[kept - 1, 0]))
    elif whole.size:
        yaw = facing_yaw(features_to_joints(known[whole[0], 0]))
    else:
        yaw = 0.0
    return Placement(offset, yaw)


def turned(feats: np.ndarray, yaw: float) -> np.ndarray:
    """(..., 66) features turned by `yaw` about +Y through the floor's origin (root and joints alike)."""
    if yaw == 0.0:
        return feats.copy()
    rot = rotation_y(yaw).astype(feats.dtype)
    return (feats.reshape(*feats.shape[:-1], -1, 3) @ rot.T).reshape(feats.shape)
