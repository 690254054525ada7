"""LSMB19 writer: MESSIF text files of Kinect v2 sequences keyed by NTU sample name and frame offset."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.core.quantize import on_grid
from stickgen.sources.ntu_classes import class_for_action
from stickgen.sources.writers.common import MotionTake
from stickgen.sources.writers.kinect import smpl_to_kinect, to_camera
from stickgen.sources.writers.ntu_rgbd import sample_name

HEADER = "#objectKey messif.objects.keys.AbstractObjectKey"
OBJECT_CLASS = "mcdr.objects.ObjectMocapPose"


def sequence_text(key: str, joints: np.ndarray) -> str:
    """One sequence: the key line, the frame-count line and one `x, y, z; ...` line per frame."""
    lines = [f"{HEADER} {key}", f"{joints.shape[0]};{OBJECT_CLASS}"]
    stored = on_grid(joints, 5)  # the decimals written (stickgen.core.quantize)
    lines += ["; ".join(f"{x:.5f}, {y:.5f}, {z:.5f}" for x, y, z in frame) for frame in stored]
    return "\n".join(lines) + "\n"


def write_lsmb19(out_dir: Path, takes: Sequence[MotionTake], seed: int, per_file: int = 1) -> None:
    """Write single-actor takes (30 fps) as LSMB19 files of `per_file` sequences each (metres)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    for k, take in enumerate(takes):
        cls = class_for_action(take.action, mutual=False)
        if cls is None or take.actors != 1:
            raise ValueError(
                f"write_lsmb19: no single-person NTU class for take [{take.name}] ({take.action})"
            )
        yaw = float(rng.uniform(-np.pi, np.pi))
        kinect = to_camera(smpl_to_kinect(take.joints[:, 0]), take.joints[0, 0, 0], yaw)
        texts.append(sequence_text(f"{sample_name(k, cls.number)}_{(k * 37) % 200}", kinect))
        if len(texts) == per_file or k == len(takes) - 1:
            (out_dir / f"lsmb19_{k // per_file:04d}.data").write_text("".join(texts))
            texts = []
