"""What every native-format writer shares: the motion it writes, text lines, deterministic `.npz`."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stickgen.core.skeleton import NUM_JOINTS, ActorFrames

# A fixed zip timestamp: the same arrays give the same bytes on every run (DVC hashes the samples).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class MotionTake(ActorFrames):
    """One take to write, in canonical-style world coordinates (Y up, metres), at `fps`.

    Position formats use `joints`; rotation formats (BVH, ASF/AMC, AMASS, AIST++, InterHuman) use the
    rig: `root` (pelvis positions), LOCAL `rotations` in the SMPL joint order ([..., 0] is the body's
    global orientation) and rest `offsets` (a T-pose with the SMPL rest axes: Y up, facing +Z, left
    +X), which reproduce `joints` by forward kinematics (`stickgen.core.rig`).
    """

    name: str
    fps: float
    joints: np.ndarray  # (T, A, 22, 3)
    texts: list[str]
    action: str = "unknown"
    root: np.ndarray | None = None  # (T, A, 3)
    rotations: np.ndarray | None = None  # (T, A, 22, 3, 3)
    offsets: np.ndarray | None = None  # (A, 22, 3)

    def __post_init__(self) -> None:
        j = self.joints
        if j.ndim != 4 or j.shape[2:] != (NUM_JOINTS, 3) or j.shape[0] < 1:
            raise ValueError(f"take [{self.name}]: joints must be (T, A, {NUM_JOINTS}, 3), got {j.shape}")
        if not self.texts or not all(t.strip() for t in self.texts):
            raise ValueError(f"take [{self.name}]: needs >= 1 non-empty caption")

    def rig(self, writer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(root, rotations, offsets); a clear error for a take without them."""
        if self.root is None or self.rotations is None or self.offsets is None:
            raise ValueError(f"{writer}: take [{self.name}] has no rig (root, rotations, offsets) to write")
        return self.root, self.rotations, self.offsets


def write_lines(path: Path, lines: Sequence[str]) -> None:
    """Write lines with `\\n` endings (UTF-8)."""
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """`np.savez` with fixed zip timestamps, so equal arrays give byte-identical files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for key, value in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(value), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME), buf.getvalue())


def split_names(names: Sequence[str], seed: int, val: float = 0.1, test: float = 0.1) -> dict[str, list[str]]:
    """A deterministic train / val / test split (>= 1 val and test name from 3 names up)."""
    order = sorted(names)
    perm = np.random.default_rng(seed).permutation(len(order))
    shuffled = [order[i] for i in perm]
    n = len(shuffled)
    n_val = max(1, round(val * n)) if n >= 3 else 0
    n_test = max(1, round(test * n)) if n >= 3 else 0
    return {
        "train": sorted(shuffled[n_val + n_test :]),
        "val": sorted(shuffled[:n_val]),
        "test": sorted(shuffled[n_val : n_val + n_test]),
    }
