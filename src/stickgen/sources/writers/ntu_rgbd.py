"""NTU RGB+D writer: `SsssCcccPpppRrrrAaaa.skeleton` text files (Kinect v2 bodies, 30 fps).

The class comes from the take's action (`sources.ntu_classes.class_for_action`, two-person classes
for two-actor takes). With `spurious_every=n`, every n-th single-person file also holds a short,
barely moving extra body, as the sensor sometimes tracks one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.core.quantize import on_grid
from stickgen.sources.kinect import NUM_KINECT
from stickgen.sources.ntu_classes import class_for_action
from stickgen.sources.writers.common import MotionTake
from stickgen.sources.writers.kinect import smpl_to_kinect, to_camera

_BODY_ID = 72057594037930000


def sample_name(index: int, action_number: int) -> str:
    """A unique NTU sample name for the index-th take."""
    return (
        f"S{index // 6 + 1:03d}C{index % 3 + 1:03d}P{index % 40 + 1:03d}"
        f"R{(index // 3) % 2 + 1:03d}A{action_number:03d}"
    )


def _body_lines(body_id: int, joints: np.ndarray) -> list[str]:
    lines = [f"{body_id} 0 1 1 1 1 0 0.01 -0.02 2", str(NUM_KINECT)]
    for x, y, z in on_grid(joints, 7):  # the decimals written (stickgen.core.quantize)
        lines.append(f"{x:.7f} {y:.7f} {z:.7f} 250.1 200.2 1000.3 500.4 0.9 0.1 0.1 0.1 2")
    return lines


def skeleton_text(bodies: list[tuple[int, np.ndarray, np.ndarray]], n_frames: int) -> str:
    """The file text; bodies are (tracking id, frames where present, (n, 25, 3) camera-space joints)."""
    rows = [{int(f): i for i, f in enumerate(frames)} for _, frames, _ in bodies]
    lines = [str(n_frames)]
    for f in range(n_frames):
        present = [
            (bid, joints[row[f]]) for (bid, _, joints), row in zip(bodies, rows, strict=True) if f in row
        ]
        lines.append(str(len(present)))
        for bid, joints in present:
            lines += _body_lines(bid, joints)
    return "\n".join(lines) + "\n"


def write_ntu_rgbd(out_dir: Path, takes: Sequence[MotionTake], seed: int, spurious_every: int = 0) -> None:
    """Write takes (30 fps; one or two actors) as NTU `.skeleton` files (see the module docstring)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for k, take in enumerate(takes):
        cls = class_for_action(take.action, mutual=take.actors == 2)
        if cls is None or take.actors > 2:
            raise ValueError(
                f"write_ntu_rgbd: no NTU class for action [{take.action}] with {take.actors} actors"
            )
        yaw = float(rng.uniform(-np.pi, np.pi))
        centre = take.joints[0, 0, 0]
        frames = np.arange(take.frames)
        bodies = [
            (_BODY_ID + 10 * k + a, frames, to_camera(smpl_to_kinect(take.joints[:, a]), centre, yaw))
            for a in range(take.actors)
        ]
        if spurious_every and take.actors == 1 and k % spurious_every == 0:
            n = max(2, take.frames // 5)
            ghost = 0.3 * bodies[0][2][:n] + np.array([1.5, -0.5, 2.5])
            bodies.append((_BODY_ID + 10 * k + 9, np.arange(n), ghost))
        (out_dir / f"{sample_name(k, cls.number)}.skeleton").write_text(skeleton_text(bodies, take.frames))
