"""Map a rig with unknown joint names from its hierarchy and rest segment lengths alone.

The rules (the last resort of `sources.rigmap.map_rig`, or `--rig topology`):

- pelvis: from the root, down through joints with one child (a `Reference` or `Bip01` node), to
  the first joint with three or more children;
- of the pelvis's child chains, the one with the most joints is the spine, and the two longest of
  the rest (length of the deepest path, in the rest pose) are the legs;
- up the spine, through joints with one child, to the first joint with two or more children: its two
  longest child chains are the arms and the shortest one is the neck and head (`neck` = its first
  joint, the head point = the middle of its last segment);
- along a leg or an arm (the deepest path), the two longest consecutive segments are thigh + shank or
  upper arm + forearm: hip, knee, ankle (then the ball of the foot, if any) and shoulder, elbow, wrist
  (the forearm's end when the chain stops there);
- sides: from the names when a chain's joints say `left` / `right` (`sources.rigmap.split_side`),
  else unknown (`sides_known` False) and decided from the motion (`sources.orient.check_sides`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from stickgen.sources.base import SourceError

if TYPE_CHECKING:
    from stickgen.sources.rigmap import Point


def _children(parents: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {j: [] for j in range(len(parents))}
    for j, p in enumerate(parents):
        if p >= 0:
            out[p].append(j)
    return out


def _deepest_path(j: int, kids: dict[int, list[int]], reach: dict[int, float]) -> list[int]:
    """j, then at each step the child whose subtree reaches furthest."""
    path = [j]
    while kids[path[-1]]:
        path.append(max(kids[path[-1]], key=lambda c: reach[c]))
    return path


def _limb(path: list[int], bone: np.ndarray, end: dict[int, float], parts: tuple[str, str, str]) -> dict:
    """Root, middle and end joint of a limb: the two longest consecutive segments of the path."""
    from stickgen.sources.rigmap import Point

    if len(path) < 2:
        raise SourceError(f"a {parts[0]} chain has {len(path)} joint(s)")
    seg = [float(bone[c]) for c in path[1:]] + [end.get(path[-1], 0.0)]  # seg[i]: path[i] -> next
    i = max(range(len(path) - 1), key=lambda k: seg[k] + seg[k + 1])
    if seg[i] <= 0 or seg[i + 1] <= 0:
        raise SourceError(f"the {parts[0]} chain from joint {path[0]} has no two segments")
    out = {parts[0]: Point(path[i]), parts[1]: Point(path[i + 1])}
    out[parts[2]] = Point(path[i + 2]) if i + 2 < len(path) else Point(path[i + 1], "end")
    if parts[2] == "ankle" and i + 3 < len(path):
        out["foot"] = Point(path[i + 3])
    return out


def _side(path: list[int], names: list[str]) -> str | None:
    from stickgen.sources.rigmap import split_side

    votes = [split_side(names[j])[0] for j in path]
    left, right = votes.count("left"), votes.count("right")
    return "left" if left > right else "right" if right > left else None


def map_by_topology(
    names: list[str], parents: list[int], offsets: np.ndarray, end_sites: dict[int, np.ndarray]
) -> tuple[dict[str, Point], bool]:
    """Anatomical points of a rig from its hierarchy (see the module docstring), and whether sides are known.

    Args:
        names: joint names (only used for sides).
        parents: parent index per joint.
        offsets: (J, 3) rest offsets from each joint's parent.
        end_sites: joint -> End Site offset.
    """
    from stickgen.sources.rigmap import Point

    kids = _children(parents)
    bone = np.linalg.norm(offsets, axis=-1)
    end = {j: float(np.linalg.norm(o)) for j, o in end_sites.items()}
    reach: dict[int, float] = {}
    size: dict[int, int] = {}
    for j in reversed(range(len(parents))):  # children come after their parents
        reach[j] = max([bone[c] + reach[c] for c in kids[j]] + [end.get(j, 0.0)])
        size[j] = 1 + sum(size[c] for c in kids[j])
    pelvis = next(j for j, p in enumerate(parents) if p < 0)
    while len(kids[pelvis]) == 1:
        pelvis = kids[pelvis][0]
    if len(kids[pelvis]) < 3:
        raise SourceError("no joint where a spine and two legs branch")
    spine_root = max(kids[pelvis], key=lambda c: (size[c], reach[c]))
    legs = sorted((c for c in kids[pelvis] if c != spine_root), key=lambda c: -(bone[c] + reach[c]))[:2]
    chest = spine_root
    while len(kids[chest]) == 1:
        chest = kids[chest][0]
    if len(kids[chest]) < 3:
        raise SourceError("no joint where the arms and the neck branch from the spine")
    upper = sorted(kids[chest], key=lambda c: -(bone[c] + reach[c]))
    arms, neck_root = upper[:2], upper[-1]
    head_path = _deepest_path(neck_root, kids, reach)
    points: dict[str, Point] = {"pelvis": Point(pelvis)}
    if len(head_path) == 1:
        points.update(neck=Point(chest), head=Point(head_path[0], "mid"))
    else:
        points.update(neck=Point(head_path[0]), head=Point(head_path[-1], "mid"))
    sides_known = True
    for chains, parts in ((legs, ("hip", "knee", "ankle")), (arms, ("shoulder", "elbow", "wrist"))):
        paths = [_deepest_path(c, kids, reach) for c in chains]
        named = [_side(p, names) for p in paths]
        if set(named) != {"left", "right"}:
            named, sides_known = ["left", "right"], False
        for path, side in zip(paths, named, strict=True):
            for part, point in _limb(path, bone, end, parts).items():
                points[f"{side}_{part}"] = point
    return points, sides_known
