"""Generic BVH folders (`bvh`): any human rig, its axes and units found from the file itself.

Layout: `data/raw/bvh/**/*.bvh` (any depth), optionally `descriptions.tsv` at the top (see
`sources.descriptions`; the CMU index is of this form). The take path is the file's path without
`.bvh`.

`bvh_to_smpl` (shared with `sources.style100`) turns one parsed file into the 22 SMPL joints:

1. Map the rig by joint names and hierarchy (`sources.rigmap`); a rig without recognisable hips,
   knees, ankles, shoulders, elbows, wrists, neck and head is rejected as an unknown skeleton.
2. Repair the CMU-BVH thorax: the widely used cgspeed conversions of the CMU database drop ASF's
   `thorax` segment (the neck and both shoulder chains hang from `Spine1` with zero offsets, which puts
   the upper body about 11.7 cm too low). When that exact pattern appears, the segment is restored
   with the offset of the segment below it (`Spine` -> `Spine1`, within about 1 cm of CMU's thorax);
   meta `repaired` says so.
3. Up axis: the rest pose's pelvis -> head direction; +Y is kept, +Z is turned to +Y (rotation
   about X), anything else is rejected.
4. Units: BVH has none; `units.infer_unit` picks among m, cm, mm, inch and the CMU unit.
5. Forward kinematics at the native frame rate (`1 / Frame Time`).
6. An added rest frame (CMU BVH conversions prepend a T-pose) is dropped: at least 80 % of frame 0's
   joint-rotation values are exactly 0 and the pose jumps between frames 0 and 1 (some joint moves
   more than 10 cm, and 5 times more than in any of the next 10 frame steps). Meta
   `dropped_first_frame` says so.
7. Anatomical points -> SMPL joints (`sources.retarget`; derived joints in meta).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.bvh_format import BvhData, forward_kinematics, local_transforms, parse_bvh
from stickgen.sources.descriptions import DESCRIPTIONS_FILE, captions_for
from stickgen.sources.files import read_text
from stickgen.sources.retarget import smpl_joints
from stickgen.sources.rigmap import RigMap, body_points, map_rig, segment_ends
from stickgen.sources.units import Z_UP_TO_Y_UP, UnitError, infer_unit

NAME = "bvh"
LICENCE = "per source (see docs/datasets.md#bvh)"
BVH_UNITS: tuple[str, ...] = ("m", "cm", "mm", "inch", "cmu")
TPOSE_ZERO_FRACTION = 0.8
TPOSE_JUMP_M = 0.10
TPOSE_JUMP_RATIO = 5.0
TPOSE_LOOKAHEAD = 10
_ZERO_OFFSET = 1e-9


@dataclass
class RigMotion:
    """SMPL joints decoded from a rig file, at its native frame rate."""

    joints: np.ndarray  # (F, 22, 3) Y up, metres
    fps: float
    meta: dict[str, Any]


def repair_cmu_thorax(data: BvhData, rig: RigMap) -> tuple[np.ndarray, str | None]:
    """Offsets with the CMU-BVH thorax restored when the dropped-segment pattern is present."""
    skel = data.skeleton
    offsets = skel.offsets.copy()
    neck = rig.neck
    spine = skel.parents[neck]
    if spine < 0 or spine == rig.pelvis:
        return offsets, None
    arm_roots = [c for c, p in enumerate(skel.parents) if p == spine and c != neck]
    zero = lambda j: float(np.abs(offsets[j]).max()) < _ZERO_OFFSET  # noqa: E731
    reaches_arm = {
        c for c in arm_roots for s in ("left", "right") if c in _chain(skel.parents, rig.shoulders[s])
    }
    if zero(neck) and not zero(spine) and len(reaches_arm) == 2 and all(zero(c) for c in reaches_arm):
        for j in (neck, *reaches_arm):
            offsets[j] = offsets[spine]
        names = skel.names
        return offsets, (
            f"restored the thorax segment missing between {names[spine]} and {names[neck]} (CMU BVH "
            f"conversion), estimated as the {names[skel.parents[spine]]}->{names[spine]} segment"
        )
    return offsets, None


def _chain(parents: list[int], j: int) -> list[int]:
    out = [j]
    while parents[out[-1]] >= 0:
        out.append(parents[out[-1]])
    return out


def _added_rest_frame(data: BvhData, pos: np.ndarray) -> bool:
    """True when frame 0 looks like a prepended rest pose (see the module docstring)."""
    if data.motion.shape[0] < 3:
        return False
    cols, col = [], 0
    for k, chans in enumerate(data.skeleton.channels):
        for name in chans:
            if k != 0 and name.endswith("rotation"):
                cols.append(col)
            col += 1
    if not cols or (data.motion[0, cols] == 0.0).mean() < TPOSE_ZERO_FRACTION:
        return False
    step = np.linalg.norm(np.diff(pos[: TPOSE_LOOKAHEAD + 2], axis=0), axis=-1).max(axis=-1)  # per frame
    return bool(step[0] > TPOSE_JUMP_M and step[0] > TPOSE_JUMP_RATIO * step[1:].max())


def bvh_to_smpl(data: BvhData, label: str, units: tuple[str, ...] = BVH_UNITS) -> RigMotion:
    """The 22 SMPL joints of one parsed BVH file (see the module docstring)."""
    skel = data.skeleton
    rig = map_rig(skel.names, skel.parents, label)
    offsets, repaired = repair_cmu_thorax(data, rig)
    eye = np.broadcast_to(np.eye(3), (1, len(skel.names), 3, 3))
    rest, _ = forward_kinematics(skel.parents, offsets[None], eye)
    rest_ends = segment_ends(rest, skel.parents, {j: rest[:, j] + o for j, o in skel.end_sites.items()})
    head_end = rest_ends.get(rig.head)
    head_rest = rest[0, rig.head] if head_end is None else 0.5 * (rest[0, rig.head] + head_end[0])
    up_vec = head_rest - rest[0, rig.pelvis]
    axis = int(np.argmax(np.abs(up_vec)))
    if axis == 1 and up_vec[1] > 0:
        turn, up_name = np.eye(3), "y"
    elif axis == 2 and up_vec[2] > 0:
        turn, up_name = Z_UP_TO_Y_UP, "z"
    else:
        raise SourceError(
            f"{label}: the rest pose's head is along {'-+'[int(up_vec[axis] > 0)]}{'xyz'[axis]} from the "
            f"pelvis; only Y-up and Z-up rigs are supported"
        )
    rest_up = rest[0] @ turn.T
    feet = [rig.ankles["left"], rig.ankles["right"], *(j for j in rig.feet.values() if j is not None)]
    head_height = float((head_rest @ turn.T)[1] - rest_up[feet, 1].min())
    try:
        unit, scale = infer_unit(head_height, units)
    except UnitError as exc:
        raise SourceError(f"{label}: {exc}") from None
    trans, rot = local_transforms(data, offsets)
    pos, glob = forward_kinematics(skel.parents, trans, rot)
    end_sites = {j: ((pos[:, j] + glob[:, j] @ o) @ turn.T) * scale for j, o in skel.end_sites.items()}
    pos = (pos @ turn.T) * scale
    ends = segment_ends(pos, skel.parents, end_sites)
    dropped = _added_rest_frame(data, pos)
    if dropped:
        pos = pos[1:]
        ends = {j: e[1:] for j, e in ends.items()}
    joints, derived = smpl_joints(body_points(rig, pos, ends))
    meta: dict[str, Any] = {
        "native_fps": round(data.fps, 6),
        "units": unit,
        "unit_scale_m": scale,
        "up_axis": up_name,
        "derived_joints": derived,
        "dropped_first_frame": dropped,
        "rig_joints": len(skel.names),
    }
    if repaired:
        meta["repaired"] = repaired
    return RigMotion(joints, data.fps, meta)


class BVHConverter(Converter):
    """Generic BVH folders (see the module docstring)."""

    name = NAME

    def list_items(self, raw_dir: Path) -> list[Path]:
        return sorted(p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".bvh")

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        return [
            {"file": p.relative_to(raw_dir).as_posix(), "reason": "not a .bvh file"}
            for p in sorted(raw_dir.rglob("*"))
            if p.is_file() and p.suffix.lower() != ".bvh" and p.name != DESCRIPTIONS_FILE
        ]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        motion = bvh_to_smpl(parse_bvh(read_text(item, label), label), label)
        path = label[: -len(item.suffix)]
        texts, action, source = captions_for(raw_dir, item.stem, path)
        meta = {**motion.meta, "licence": LICENCE, "caption_source": source}
        return [
            Take(
                path=path,
                joints=motion.joints[:, None],
                fps=motion.fps,
                texts=texts,
                action=action,
                meta=meta,
            )
        ]
