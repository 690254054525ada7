"""Find the anatomical points of an arbitrary rig (BVH, ASF/AMC): known rigs, name rules, topology.

`map_rig` tries, in order (or only the one `rig` names: `stickgen convert bvh --rig NAME`):

1. the catalogue of known skeletons (`sources.rigs`: CMU, Mixamo, LAFAN1, HumanIK, 100STYLE / Xsens,
   Bandai-Namco, Rokoko, Biped, Blender, SMPL names, ...): each names the joint of every role;
2. the generic name rules (`names`), for rigs that name their limbs in a known way without being in
   the catalogue. Rigs disagree on what a word means (`LeftShoulder` is the collar bone in CMU and
   Mixamo rigs, the shoulder joint in 100STYLE's), so only the unambiguous ends of each limb are found
   by name and the rest by walking up the hierarchy:
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
3. the hierarchy alone (`topology`, `sources.rigtopology`), for rigs with unknown names.

The back polyline is the path from the pelvis to the neck. Whatever found the points, the result must
be a body: limbs hang below their roots in the right order, the arms are not on the back, the head
hangs from the pelvis through the neck. A rig where nothing works is an unknown skeleton
(`SourceError` with the reason of each attempt).
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


ROLES: tuple[str, ...] = (
    "pelvis",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_foot",
    "right_foot",
    "neck",
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
)
LIMBS: tuple[tuple[str, str, str], ...] = (("hip", "knee", "ankle"), ("shoulder", "elbow", "wrist"))


@dataclass(frozen=True)
class Point:
    """Where an anatomical point is on a rig: a joint, or the end or middle of the joint's segment."""

    joint: int
    at: str = "joint"  # "joint" | "end" | "mid"


@dataclass(frozen=True)
class RigMap:
    """A rig's anatomical points (see the module docstring).

    Attributes:
        points: role (`ROLES` and optional spine1-3 / collars) -> where it is. Feet may be missing (the
            ankle's segment end is used, else the foot is derived).
        back: joints from the pelvis to the neck, both included.
        mapping: what found the points: a `sources.rigs` profile name, `names` or `topology`.
        sides_known: False when nothing in the rig says which limbs are left (topology of unnamed
            joints): the caller decides from the motion (`sources.orient.check_sides`).
    """

    points: dict[str, Point]
    back: tuple[int, ...]
    mapping: str
    sides_known: bool = True

    def joint(self, role: str) -> int:
        return self.points[role].joint

    def names(self, names: list[str]) -> dict[str, str]:
        """Which rig joint became which anatomical point (for the clip meta)."""
        suffix = {"joint": "", "end": " (segment end)", "mid": " (segment middle)"}
        return {role: names[p.joint] + suffix[p.at] for role, p in self.points.items()}

    def swapped(self) -> RigMap:
        """The same map with left and right exchanged."""

        def other(role: str) -> str:
            for a, b in (("left_", "right_"), ("right_", "left_")):
                if role.startswith(a):
                    return b + role[len(a) :]
            return role

        return RigMap(
            {other(r): p for r, p in self.points.items()}, self.back, self.mapping, self.sides_known
        )


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


def _by_names(names: list[str], parents: list[int], label: str) -> dict[str, Point]:
    """The generic name rules (see the module docstring)."""
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
            raise SourceError(f"no joint named like [{what}]")
        return min(found, key=lambda j: (depth[j], j))

    def up(j: int, steps: int, what: str) -> int:
        for _ in range(steps):
            j = parents[j]
            if j < 0:
                raise SourceError(f"the {what} chain reaches the root")
        return j

    pts: dict[str, Point] = {}
    for s in ("left", "right"):
        wrist = pick(s, r"hand|wrist", _FINGER)
        ankle = pick(s, r"ankle|foot", _TOE)
        pts[f"{s}_wrist"], pts[f"{s}_ankle"] = Point(wrist), Point(ankle)
        pts[f"{s}_elbow"], pts[f"{s}_shoulder"] = (
            Point(up(wrist, 1, f"{s} arm")),
            Point(up(wrist, 2, f"{s} arm")),
        )
        pts[f"{s}_knee"], pts[f"{s}_hip"] = Point(up(ankle, 1, f"{s} leg")), Point(up(ankle, 2, f"{s} leg"))
        toe = next(iter(children.get(ankle, [])), None)
        if toe is not None:
            pts[f"{s}_foot"] = Point(toe)
    left_up = _ancestors(pts["left_hip"].joint, parents)
    right_up = set(_ancestors(pts["right_hip"].joint, parents))
    common = [j for j in left_up if j in right_up]
    if not common or common[0] in (pts["left_hip"].joint, pts["right_hip"].joint):
        raise SourceError("the hips do not branch from one pelvis joint")
    pelvis = common[0]
    head = pick(None, r"head", re.compile(r"end|top|site|nub"))
    path = _ancestors(head, parents)[::-1]
    if pelvis not in path:
        raise SourceError(f"the head {names[head]} does not hang from the pelvis")
    path = path[path.index(pelvis) :]
    necks = [j for j in path[1:-1] if "neck" in sides[j][1]]
    neck = necks[0] if necks else (path[-2] if len(path) >= 3 else head)
    pts.update(pelvis=Point(pelvis), head=Point(head, "mid"), neck=Point(neck))
    return pts


def check_body(points: dict[str, Point], parents: list[int], names: list[str]) -> tuple[int, ...]:
    """`SourceError` unless the points form a body (see the module docstring); returns the back."""
    missing = [r for r in ROLES if r not in points and not r.endswith("_foot")]
    if missing:
        raise SourceError(f"no joint for {missing}")
    ancestors = {r: _ancestors(p.joint, parents) for r, p in points.items()}

    def below(low: str, high: str) -> bool:
        lo, hi = points[low], points[high]
        if lo.joint == hi.joint:
            return lo.at == "end" and hi.at == "joint"
        return hi.joint in ancestors[low]

    for s in ("left", "right"):
        for chain in LIMBS:
            roles = [f"{s}_{part}" for part in chain]
            for high, low in zip(roles, roles[1:], strict=False):
                if not below(low, high):
                    raise SourceError(
                        f"{names[points[low].joint]} ({low}) does not hang below "
                        f"{names[points[high].joint]} ({high})"
                    )
        if not below(f"{s}_hip", "pelvis") or not below(f"{s}_shoulder", "pelvis"):
            raise SourceError(f"the {s} limbs do not hang from the pelvis {names[points['pelvis'].joint]}")
    pelvis, neck, head = points["pelvis"].joint, points["neck"].joint, points["head"].joint
    if neck not in ancestors["head"] or pelvis not in ancestors["neck"] or neck == pelvis:
        raise SourceError(
            f"the head {names[head]} does not hang from the pelvis through the neck {names[neck]}"
        )
    path = ancestors["neck"][::-1]
    back = tuple(path[path.index(pelvis) :])
    for s in ("left", "right"):
        if points[f"{s}_shoulder"].joint in back or points[f"{s}_elbow"].joint in back:
            raise SourceError(f"the {s} arm is on the back (pelvis -> neck): its limbs are too short")
        if points[f"{s}_knee"].joint == pelvis:
            raise SourceError(f"the {s} leg is too short")
    return back


def map_rig(
    names: list[str],
    parents: list[int],
    label: str,
    rig: str = "",
    offsets: np.ndarray | None = None,
    end_sites: dict[int, np.ndarray] | None = None,
) -> RigMap:
    """Identify the anatomical points of a rig; `SourceError` for an unknown skeleton.

    Args:
        names: joint names in file order.
        parents: parent index per joint (-1 for the root).
        label: the file, for messages.
        rig: "" to try everything (see the module docstring), else one `sources.rigs.rig_choices()` name.
        offsets: (J, 3) rest offsets and `end_sites` (joint -> End Site offset): the topology fallback
            needs them, and without them that step is skipped.
    """
    from stickgen.sources.rigs import PROFILE_INDEX, match_profile, resolve, rig_choices
    from stickgen.sources.rigtopology import map_by_topology

    if rig and rig not in rig_choices():
        raise ValueError(f"unknown rig [{rig}]; known: {rig_choices()}")
    tried: list[str] = []
    steps: list[str] = [rig] if rig else ["catalogue", "names", "topology"]
    for step in steps:
        sides_known = True
        try:
            if step == "catalogue" or step in PROFILE_INDEX:
                found = match_profile(names) if step == "catalogue" else None
                if step in PROFILE_INDEX:
                    roles = resolve(PROFILE_INDEX[step], names)
                    if roles is None:
                        raise SourceError(f"the joint names are not those of [{step}]")
                    found = (PROFILE_INDEX[step], roles)
                if found is None:
                    raise SourceError("no known rig's joint names")
                profile, roles = found
                mapping = profile.name
                points = {r: Point(j, at) for r, (j, at) in roles.items()}
            elif step == "names":
                mapping, points = "names", _by_names(names, parents, label)
            else:
                if offsets is None:
                    raise SourceError("no rest offsets to read the topology from")
                mapping = "topology"
                points, sides_known = map_by_topology(names, parents, offsets, end_sites or {})
            back = check_body(points, parents, names)
        except SourceError as exc:
            tried.append(f"{step}: {exc}")
            continue
        return RigMap(points, back, mapping, sides_known)
    raise SourceError(f"{label}: unknown skeleton ({'; '.join(tried)}); joints: {names[:40]}")


def _point(p: Point, pos: np.ndarray, ends: dict[int, np.ndarray]) -> np.ndarray:
    if p.at == "joint":
        return pos[:, p.joint]
    end = ends.get(p.joint)
    if end is None:
        if p.at == "mid":
            return pos[:, p.joint]
        raise SourceError(f"joint {p.joint} has no segment end")
    return end if p.at == "end" else 0.5 * (pos[:, p.joint] + end)


def body_points(rig: RigMap, pos: np.ndarray, ends: dict[int, np.ndarray]) -> BodyPoints:
    """Anatomical points from posed joints.

    Args:
        rig: the rig's map.
        pos: (F, J, 3) joint positions.
        ends: joint -> (F, 3) end point of its segment (child or End Site), where the rig has one.
    """
    got = {role: _point(p, pos, ends) for role, p in rig.points.items()}
    for s in ("left", "right"):  # no toe joint: the ankle segment's end is the ball of the foot
        if f"{s}_foot" not in got and rig.points[f"{s}_ankle"].at == "joint":
            got[f"{s}_foot"] = ends.get(rig.joint(f"{s}_ankle"))
    back = [pos[:, j] for j in rig.back]
    return BodyPoints(back=back, **{k: v for k, v in got.items() if v is not None})


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
