"""Find the anatomical joints of an arbitrary rig (BVH, ASF/AMC) by name and structure.

Rigs name their joints differently (CMU `LeftUpLeg` / `lfemur`, 100STYLE `LeftHip`, Mixamo
`mixamorig:LeftUpLeg`, ...) and disagree on what a word means (`LeftShoulder` is the collar bone in
CMU and Mixamo rigs, the shoulder joint in 100STYLE's). So only the unambiguous ends of each limb are
found by name, and the rest by walking up the hierarchy:

- side: a `left`/`right` prefix or suffix (`LeftArm`, `ShoulderLeft`, `arm_l`, `Arm.L`), or a single
  `l`/`r` before a body-part word (`lfemur`, `RHipJoint`; `lowerback` is not `l` + `owerback`);
- wrist: the sided joint nearest the root named `*hand*` or `*wrist*` (not a finger); its parent is
  the elbow and the elbow's parent the shoulder;
- ankle: the sided joint nearest the root named `*ankle*` or `*foot*` (not a toe); its parent is the
  knee and the knee's parent the hip; its first child (or its End Site) is the ball of the foot;
- pelvis: the lowest common ancestor of the two hips;
- head: the side-less joint nearest the root named `*head*`; the head point is the middle of the head
  segment (from the head joint to its child or End Site), about where the SMPL head joint sits;
- neck: the first joint named `*neck*` on the way from the pelvis to the head (else the head's parent);
  the back polyline is that path from the pelvis to the neck.

A rig where any of these cannot be found is an unknown skeleton (`SourceError` with the reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from stickgen.sources.base import SourceError
from stickgen.sources.retarget import BodyPoints

_PARTS = (
    "hip",
    "femur",
    "upleg",
    "thigh",
    "upperleg",
    "knee",
    "tibia",
    "leg",
    "shin",
    "calf",
    "lowerleg",
    "ankle",
    "foot",
    "toe",
    "ball",
    "heel",
    "clavicle",
    "collar",
    "shoulder",
    "scapula",
    "humerus",
    "arm",
    "upperarm",
    "elbow",
    "radius",
    "forearm",
    "lowerarm",
    "wrist",
    "hand",
    "thumb",
    "finger",
    "index",
    "middle",
    "ring",
    "pinky",
)
_FINGER = re.compile(r"thumb|finger|index|middle|ring|pinky|tip|end|site|nub")
_TOE = re.compile(r"toe|ball|heel|end|site|nub|tip")


def split_side(name: str) -> tuple[str | None, str]:
    """(side or None, the name without the side), lowercase alphanumerics only."""
    base = re.split(r"[:|]", name)[-1].lower()
    for side in ("left", "right"):
        for pattern in (rf"^{side}[\W_]*(.+)$", rf"^(.+?)[\W_]*{side}$"):
            m = re.match(pattern, base)
            if m:
                return side, re.sub(r"[^a-z0-9]", "", m.group(1))
    m = re.match(r"^([lr])[\W_]+(.+)$", base) or re.match(r"^(.+?)[\W_]+([lr])$", base)
    if m:
        letter, rest = (m.group(1), m.group(2)) if len(m.group(1)) == 1 else (m.group(2), m.group(1))
        return ("left" if letter == "l" else "right"), re.sub(r"[^a-z0-9]", "", rest)
    flat = re.sub(r"[^a-z0-9]", "", base)
    if len(flat) > 1 and flat[0] in "lr" and flat[1:].startswith(_PARTS):
        return ("left" if flat[0] == "l" else "right"), flat[1:]
    return None, flat


@dataclass(frozen=True)
class RigMap:
    """Joint indices of one rig's anatomical points (see the module docstring)."""

    pelvis: int
    hips: dict[str, int]
    knees: dict[str, int]
    ankles: dict[str, int]
    feet: dict[str, int | None]  # a child joint, or None: use the ankle's end point
    shoulders: dict[str, int]
    elbows: dict[str, int]
    wrists: dict[str, int]
    head: int
    neck: int
    back: tuple[int, ...]  # pelvis ... neck

    def names(self, names: list[str]) -> dict[str, str]:
        """Which rig joint became which anatomical point (for the clip meta)."""
        out = {"pelvis": names[self.pelvis], "neck": names[self.neck], "head": names[self.head]}
        for part in ("hips", "knees", "ankles", "shoulders", "elbows", "wrists", "feet"):
            for side, j in getattr(self, part).items():
                out[f"{side}_{part.rstrip('s')}"] = names[j] if j is not None else "(end site)"
        return out


def _depths(parents: list[int]) -> list[int]:
    out: list[int] = []
    for p in parents:
        out.append(0 if p < 0 else out[p] + 1)
    return out


def _ancestors(j: int, parents: list[int]) -> list[int]:
    """j, its parent, ..., the root."""
    out = [j]
    while parents[out[-1]] >= 0:
        out.append(parents[out[-1]])
    return out


def map_rig(names: list[str], parents: list[int], label: str) -> RigMap:
    """Identify the anatomical joints of a rig; `SourceError` for an unknown skeleton."""
    depth = _depths(parents)
    sides = [split_side(n) for n in names]
    children: dict[int, list[int]] = {}
    for j, p in enumerate(parents):
        children.setdefault(p, []).append(j)

    def pick(side: str | None, pattern: str, exclude: re.Pattern[str]) -> int:
        found = [
            j
            for j, (s, base) in enumerate(sides)
            if s == side and re.search(pattern, base) and not exclude.search(base)
        ]
        if not found:
            what = f"{side} {pattern}" if side else pattern
            raise SourceError(f"{label}: unknown skeleton: no joint named like [{what}] among {names[:40]}")
        return min(found, key=lambda j: (depth[j], j))

    def up(j: int, steps: int, what: str) -> int:
        for _ in range(steps):
            j = parents[j]
            if j < 0:
                raise SourceError(f"{label}: unknown skeleton: the {what} chain reaches the root")
        return j

    wrists = {s: pick(s, r"hand|wrist", _FINGER) for s in ("left", "right")}
    ankles = {s: pick(s, r"ankle|foot", _TOE) for s in ("left", "right")}
    elbows = {s: up(j, 1, f"{s} arm") for s, j in wrists.items()}
    shoulders = {s: up(j, 2, f"{s} arm") for s, j in wrists.items()}
    knees = {s: up(j, 1, f"{s} leg") for s, j in ankles.items()}
    hips = {s: up(j, 2, f"{s} leg") for s, j in ankles.items()}
    feet = {s: next(iter(children.get(j, [])), None) for s, j in ankles.items()}
    left_up, right_up = _ancestors(hips["left"], parents), set(_ancestors(hips["right"], parents))
    common = [j for j in left_up if j in right_up]
    if not common or common[0] in (hips["left"], hips["right"]):
        raise SourceError(f"{label}: unknown skeleton: the hips do not branch from one pelvis joint")
    pelvis = common[0]
    head = pick(None, r"head", re.compile(r"end|top|site|nub"))
    path = _ancestors(head, parents)[::-1]
    if pelvis not in path:
        raise SourceError(f"{label}: unknown skeleton: the head {names[head]} does not hang from the pelvis")
    path = path[path.index(pelvis) :]
    if len(path) < 3:
        raise SourceError(f"{label}: unknown skeleton: no spine between the pelvis and the head")
    necks = [j for j in path[1:-1] if "neck" in sides[j][1]]
    neck = necks[0] if necks else path[-2]
    back = tuple(path[: path.index(neck) + 1])
    for s in ("left", "right"):
        if shoulders[s] in back or elbows[s] in back or knees[s] == pelvis:
            raise SourceError(f"{label}: unknown skeleton: the {s} limbs are too short")
    return RigMap(pelvis, hips, knees, ankles, feet, shoulders, elbows, wrists, head, neck, back)


def body_points(rig: RigMap, pos: np.ndarray, ends: dict[int, np.ndarray]) -> BodyPoints:
    """Anatomical points from posed joints.

    Args:
        rig: the rig's map.
        pos: (F, J, 3) joint positions (Y up, metres).
        ends: joint -> (F, 3) end point of its segment (child or End Site), where the rig has one.
    """

    def foot(side: str) -> np.ndarray | None:
        j = rig.feet[side]
        if j is not None:
            return pos[:, j]
        return ends.get(rig.ankles[side])

    head_end = ends.get(rig.head)
    head = pos[:, rig.head] if head_end is None else 0.5 * (pos[:, rig.head] + head_end)
    return BodyPoints(
        pelvis=pos[:, rig.pelvis],
        left_hip=pos[:, rig.hips["left"]],
        right_hip=pos[:, rig.hips["right"]],
        left_knee=pos[:, rig.knees["left"]],
        right_knee=pos[:, rig.knees["right"]],
        left_ankle=pos[:, rig.ankles["left"]],
        right_ankle=pos[:, rig.ankles["right"]],
        neck=pos[:, rig.neck],
        head=head,
        left_shoulder=pos[:, rig.shoulders["left"]],
        right_shoulder=pos[:, rig.shoulders["right"]],
        left_elbow=pos[:, rig.elbows["left"]],
        right_elbow=pos[:, rig.elbows["right"]],
        left_wrist=pos[:, rig.wrists["left"]],
        right_wrist=pos[:, rig.wrists["right"]],
        back=[pos[:, j] for j in rig.back],
        left_foot=foot("left"),
        right_foot=foot("right"),
    )


def segment_ends(
    pos: np.ndarray, parents: list[int], end_sites: dict[int, np.ndarray]
) -> dict[int, np.ndarray]:
    """For each joint, the end of its segment: its first child's position, else its End Site point.

    Args:
        pos: (F, J, 3) joint positions.
        parents: parent index per joint.
        end_sites: joint -> (F, 3) End Site positions.
    """
    out: dict[int, np.ndarray] = {}
    for j, p in enumerate(parents):
        if p >= 0 and p not in out:
            out[p] = pos[:, j]
    for j, e in end_sites.items():
        out.setdefault(j, e)
    return out
