"""The BVH (Biovision hierarchy) format: a strict parser and forward kinematics.

A BVH file is a joint hierarchy (`ROOT` / `JOINT` / `End Site` blocks, each with an `OFFSET` from its
parent in the rest pose and the `CHANNELS` it animates) followed by `MOTION`: `Frames: N`,
`Frame Time: dt` and N lines of channel values. Rotation channels are Euler angles in degrees applied
in the listed order (intrinsic: R = R_first @ R_second @ R_third, each a right-handed rotation about
the joint's X, Y or Z axis); a joint's world rotation is its parent's times its own, and its position
is the parent's position plus the parent's world rotation applied to its offset. Position channels
replace the offset (the root's are its translation).

Everything wrong with a file (truncated motion, unbalanced braces, a bad channel name, a non-numeric
value, NaN, a frame time or frame count outside the limits of `sources.base`) is a `SourceError` naming the
problem; the limits are checked on the header, before the motion values are parsed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from stickgen.core.rotations import rot_x, rot_y, rot_z
from stickgen.sources.base import SourceError, check_array_bytes, check_native_fps, check_take_length

_AXIS_ROT = {"X": rot_x, "Y": rot_y, "Z": rot_z}
CHANNEL_NAMES = frozenset(f"{a}{k}" for a in "XYZ" for k in ("position", "rotation"))


@dataclass
class BvhSkeleton:
    """The hierarchy: joints in file order (parents precede children)."""

    names: list[str]
    parents: list[int]
    offsets: np.ndarray  # (J, 3)
    channels: list[tuple[str, ...]]
    end_sites: dict[int, np.ndarray] = field(default_factory=dict)  # joint -> first End Site offset

    @property
    def n_channels(self) -> int:
        return sum(len(c) for c in self.channels)


@dataclass
class BvhData:
    skeleton: BvhSkeleton
    frame_time: float
    motion: np.ndarray  # (F, C) channel values

    @property
    def fps(self) -> float:
        """1 / Frame Time, snapped to the nearest integer when within 0.01 % of it (files print the
        frame time with few digits: `.0083333` is 120 fps)."""
        fps = 1.0 / self.frame_time
        return float(round(fps)) if abs(round(fps) - fps) <= 1e-4 * fps else fps


def _floats(tokens: list[str], where: str) -> list[float]:
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        raise SourceError(f"{where}: expected numbers, got {' '.join(tokens)!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise SourceError(f"{where}: non-finite number in {' '.join(tokens)!r}")
    return values


def _parse_hierarchy(tokens: list[str], label: str) -> BvhSkeleton:
    names: list[str] = []
    parents: list[int] = []
    offsets: list[list[float] | None] = []
    channels: list[tuple[str, ...]] = []
    end_sites: dict[int, np.ndarray] = {}
    stack: list[int] = []  # open blocks: joint index, or -1 - parent for an End Site
    pending: int | None = None  # the block the next "{" opens
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok in ("ROOT", "JOINT"):
            if i + 1 >= n:
                raise SourceError(f"{label}: {tok} without a name")
            if tok == "ROOT" and (names or stack):
                raise SourceError(f"{label}: a second ROOT or a ROOT inside a joint (one skeleton per file)")
            if tok == "JOINT" and (not stack or stack[-1] < 0):
                raise SourceError(f"{label}: JOINT {tokens[i + 1]} outside a joint block")
            names.append(tokens[i + 1])
            parents.append(stack[-1] if stack else -1)
            offsets.append(None)
            channels.append(())
            pending = len(names) - 1
            i += 2
        elif tok == "End":
            if i + 1 >= n or tokens[i + 1] != "Site" or not stack or stack[-1] < 0:
                raise SourceError(f"{label}: misplaced End Site")
            pending = -1 - stack[-1]
            i += 2
        elif tok == "{":
            if pending is None:
                raise SourceError(f"{label}: '{{' without a joint")
            stack.append(pending)
            pending = None
            i += 1
        elif tok == "}":
            if not stack:
                raise SourceError(f"{label}: unbalanced '}}' in the hierarchy")
            block = stack.pop()
            if block >= 0 and offsets[block] is None:
                raise SourceError(f"{label}: joint {names[block]} has no OFFSET")
            i += 1
        elif tok == "OFFSET":
            if not stack:
                raise SourceError(f"{label}: OFFSET outside a block")
            values = _floats(tokens[i + 1 : i + 4], f"{label}: OFFSET")
            if len(values) != 3:
                raise SourceError(f"{label}: OFFSET needs 3 numbers")
            block = stack[-1]
            if block >= 0:
                offsets[block] = values
            else:
                end_sites.setdefault(-1 - block, np.array(values))
            i += 4
        elif tok == "CHANNELS":
            if not stack or stack[-1] < 0:
                raise SourceError(f"{label}: CHANNELS outside a joint")
            try:
                count = int(tokens[i + 1])
            except (IndexError, ValueError):
                raise SourceError(f"{label}: CHANNELS without a count") from None
            chans = tuple(tokens[i + 2 : i + 2 + count])
            bad = [c for c in chans if c not in CHANNEL_NAMES]
            if count < 0 or len(chans) != count or bad:
                raise SourceError(f"{label}: bad CHANNELS line for {names[stack[-1]]}: {' '.join(chans)!r}")
            if len(set(chans)) != len(chans):
                raise SourceError(f"{label}: repeated channel for {names[stack[-1]]}")
            channels[stack[-1]] = chans
            i += 2 + count
        else:
            raise SourceError(f"{label}: unexpected token {tok!r} in the hierarchy")
    if stack:
        raise SourceError(f"{label}: the hierarchy ends with {len(stack)} unclosed block(s)")
    if not names:
        raise SourceError(f"{label}: no ROOT joint")
    return BvhSkeleton(names, parents, np.array(offsets, dtype=np.float64), channels, end_sites)


def parse_bvh(text: str, label: str) -> BvhData:
    """Parse a BVH file's text; `SourceError` (naming `label`) for anything malformed."""
    head, sep, motion = text.partition("MOTION")
    if not sep:
        raise SourceError(f"{label}: no MOTION section (not a BVH file, or truncated)")
    tokens = head.split()
    if not tokens or tokens[0] != "HIERARCHY":
        raise SourceError(f"{label}: does not start with HIERARCHY")
    skeleton = _parse_hierarchy(tokens[1:], label)
    lines = motion.strip().split("\n", 2)
    if len(lines) < 2:
        raise SourceError(f"{label}: MOTION lacks the Frames / Frame Time lines")
    frames_line, time_line = lines[0].split(), lines[1].split()
    if (
        len(frames_line) != 2
        or frames_line[0] != "Frames:"
        or time_line[:2] != ["Frame", "Time:"]
        or len(time_line) != 3
    ):
        raise SourceError(
            f"{label}: expected 'Frames: N' and 'Frame Time: dt', got {lines[0]!r} / {lines[1]!r}"
        )
    try:
        n_frames = int(frames_line[1])
        frame_time = float(time_line[2])
    except ValueError:
        raise SourceError(f"{label}: bad frame count or frame time: {lines[0]!r} / {lines[1]!r}") from None
    if n_frames < 1:
        raise SourceError(f"{label}: the motion is empty ({n_frames} frames)")
    if not (math.isfinite(frame_time) and frame_time > 0):
        raise SourceError(f"{label}: Frame Time must be > 0, got {time_line[2]}")
    check_native_fps(1.0 / frame_time, label, f"Frame Time {time_line[2]}")
    check_take_length(n_frames, 1.0 / frame_time, label)
    check_array_bytes(n_frames * skeleton.n_channels * 8, label, f"the motion ({n_frames} frames)")
    body = lines[2] if len(lines) > 2 else ""
    try:
        values = np.array(body.split(), dtype=np.float64)
    except ValueError:
        raise SourceError(f"{label}: a motion value is not a number") from None
    c = skeleton.n_channels
    if values.size != n_frames * c:
        raise SourceError(
            f"{label}: the header promises {n_frames} frames x {c} channels = {n_frames * c} values, the "
            f"file has {values.size} (truncated or corrupt)"
        )
    if not np.isfinite(values).all():
        raise SourceError(f"{label}: {int((~np.isfinite(values)).sum())} motion values are NaN or infinite")
    return BvhData(skeleton, frame_time, values.reshape(n_frames, c))


def local_transforms(data: BvhData, offsets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per joint: local translation (F, J, 3) and local rotation (F, J, 3, 3)."""
    skel = data.skeleton
    offsets = skel.offsets if offsets is None else offsets
    f, j = data.motion.shape[0], len(skel.names)
    trans = np.broadcast_to(offsets, (f, j, 3)).copy()
    rot = np.broadcast_to(np.eye(3), (f, j, 3, 3)).copy()
    col = 0
    for k, chans in enumerate(skel.channels):
        r = None
        for name in chans:
            values = data.motion[:, col]
            col += 1
            axis = name[0]
            if name.endswith("position"):
                trans[:, k, "XYZ".index(axis)] = values
            else:
                m = _AXIS_ROT[axis](np.deg2rad(values))
                r = m if r is None else r @ m
        if r is not None:
            rot[:, k] = r
    return trans, rot


def forward_kinematics(
    parents: list[int], trans: np.ndarray, rot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """World positions (F, J, 3) and rotations (F, J, 3, 3); parents must precede children."""
    pos = np.empty_like(trans)
    glob = np.empty_like(rot)
    for k, p in enumerate(parents):
        if p < 0:
            pos[:, k] = trans[:, k]
            glob[:, k] = rot[:, k]
        else:
            pos[:, k] = pos[:, p] + np.einsum("fij,fj->fi", glob[:, p], trans[:, k])
            glob[:, k] = glob[:, p] @ rot[:, k]
    return pos, glob
