"""Generic BVH folders (`bvh`): any human rig, its axes and units found from the file itself.

Layout: `data/raw/bvh/**/*.bvh` (any depth), optionally `descriptions.tsv` at the top (see
`sources.descriptions`; the CMU index is of this form). The take path is the file's path without
`.bvh`.

`bvh_to_smpl` (shared with `sources.style100`) turns one parsed file into the 22 SMPL joints:

1. Map the rig (`sources.rigmap`): a known skeleton of the catalogue (`sources.rigs`), else the
   generic name rules, else the hierarchy alone (`sources.rigtopology`); `--rig NAME` forces one.
   Meta `rig` names the mapping used; a rig where nothing works is rejected as an unknown skeleton.
2. Repair the CMU-BVH thorax: the widely used cgspeed conversions of the CMU database drop ASF's
   `thorax` segment (the neck and both shoulder chains hang from `Spine1` with zero offsets, which puts
   the upper body about 11.7 cm too low). When that exact pattern appears, the segment is restored
   with the offset of the segment below it (`Spine` -> `Spine1`, within about 1 cm of CMU's thorax);
   meta `repaired` says so.
3. Forward kinematics of every frame at the native frame rate (`1 / Frame Time`), in the file's axes.
4. Up axis, units and sides from the animation (`sources.orient`): the signed axis along which the head
   stands above the feet in most frames, the unit that gives the bone lengths an adult's standing
   height (m, cm, mm, inch or the CMU unit), and left/right checked against the direction the feet
   point. Meta `up_axis` (`+y`, `+z`, `-x`, ...), `up_votes`, `units`, `sides`,
   `standing_height_bones_m` and `tallest_frames_height_m`.
5. An added rest frame (CMU BVH conversions prepend a T-pose) is dropped: at least 80 % of frame 0's
   joint-rotation values are exactly 0 and the pose jumps between frames 0 and 1 (some joint moves
   more than 10 cm, and 5 times more than in any of the next 10 frame steps). Meta
   `dropped_first_frame` says so.
6. Anatomical points -> SMPL joints (`sources.retarget`; derived joints in meta). The shared driver
   then checks that the result is a plausible human (`sources.plausibility`) or rejects the file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.bvh_format import BvhData, forward_kinematics, local_transforms, parse_bvh
from stickgen.sources.descriptions import DESCRIPTIONS_FILE, captions_for
from stickgen.sources.files import read_text
from stickgen.sources.orient import (
    check_sides,
    infer_scale,
    infer_up,
    match_arms_to_legs,
    swap_sides,
    transform,
)
from stickgen.sources.retarget import smpl_joints
from stickgen.sources.rigmap import RigMap, body_points, map_rig, segment_ends

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
    neck = rig.joint("neck")
    spine = skel.parents[neck]
    if spine < 0 or spine == rig.joint("pelvis"):
        return offsets, None
    arm_roots = [c for c, p in enumerate(skel.parents) if p == spine and c != neck]
    zero = lambda j: float(np.abs(offsets[j]).max()) < _ZERO_OFFSET  # noqa: E731
    reaches_arm = {
        c
        for c in arm_roots
        for s in ("left", "right")
        if c in _chain(skel.parents, rig.joint(f"{s}_shoulder"))
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


def bvh_to_smpl(data: BvhData, label: str, units: tuple[str, ...] = BVH_UNITS, rig: str = "") -> RigMotion:
    """The 22 SMPL joints of one parsed BVH file (see the module docstring).

    Args:
        data: the parsed file.
        label: the file, for messages.
        units: candidate length units (`units.UNITS_M` keys).
        rig: "" to recognise the rig, else a `sources.rigs.rig_choices()` name (`--rig`).
    """
    skel = data.skeleton
    rigmap = map_rig(skel.names, skel.parents, label, rig, skel.offsets, skel.end_sites)
    try:
        return _decode(data, rigmap, label, units)
    except SourceError as exc:
        raise SourceError(f"{exc} [rig mapped as {rigmap.mapping}]") from None


def _decode(data: BvhData, rigmap: RigMap, label: str, units: tuple[str, ...]) -> RigMotion:
    skel = data.skeleton
    offsets, repaired = repair_cmu_thorax(data, rigmap)
    trans, rot = local_transforms(data, offsets)
    pos, glob = forward_kinematics(skel.parents, trans, rot)
    end_sites = {j: pos[:, j] + glob[:, j] @ o for j, o in skel.end_sites.items()}
    points = body_points(rigmap, pos, segment_ends(pos, skel.parents, end_sites))
    turn, up_name, up_votes = infer_up(points, label)
    points = transform(points, turn, 1.0)
    unit, scale, facts = infer_scale(points, units, label)
    points = transform(points, np.eye(3), scale)
    swap, sides = check_sides(points, rigmap.sides_known, label)
    if swap:
        points = swap_sides(points)
    if not rigmap.sides_known:
        points = match_arms_to_legs(points)
    dropped = _added_rest_frame(data, pos * scale)
    if dropped:
        points = dataclasses.replace(
            points,
            **{
                f.name: ([x[1:] for x in v] if isinstance(v, list) else v[1:])
                for f in dataclasses.fields(points)
                if (v := getattr(points, f.name)) is not None
            },
        )
    joints, derived = smpl_joints(points)
    meta: dict[str, Any] = {
        "native_fps": round(data.fps, 6),
        "rig": rigmap.mapping,
        "units": unit,
        "unit_scale_m": scale,
        "up_axis": up_name,
        "up_votes": up_votes,
        "sides": sides,
        **facts,
        "derived_joints": derived,
        "dropped_first_frame": dropped,
        "rig_joints": len(skel.names),
    }
    if repaired:
        meta["repaired"] = repaired
    return RigMotion(joints, data.fps, meta)


def read_bvh(path: Path, label: str, rig: str = "") -> RigMotion:
    """The 22 SMPL joints of the BVH file `path` (`label` names it in messages; `rig` as in `bvh_to_smpl`):
    what `stickgen convert bvh` reads of one file, before the shared driver's checks
    (`sources.base.check_take`)."""
    return bvh_to_smpl(parse_bvh(read_text(path, label), label), label, rig=rig)


REPORT_META: tuple[str, ...] = (
    "rig",
    "units",
    "up_axis",
    "sides",
    "standing_height_m",
    "tallest_frames_height_m",
    "dropped_first_frame",
)


class BVHConverter(Converter):
    """Generic BVH folders (see the module docstring)."""

    name = NAME
    reads_rigs = True
    report_meta = REPORT_META

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
        motion = read_bvh(item, label, self.rig)
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
