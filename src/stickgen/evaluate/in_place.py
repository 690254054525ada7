"""In-place actions and how far their generated motions wander from where they start.

An action is in place when its real clips travel little: the median clip's pelvis stays within `IN_PLACE_M`
(0.1 m) of where it started, on the floor (crying, reading, waving, standing still are; walking, dodging a
step aside and crawling are not). A generated motion of such an action that travels much farther than its
clips leans on slanted legs over planted feet, or steps away; the behaviour suite's checks read poses and let
it pass (a crying figure that steps 0.4 m back with its hands on its face cries). So the suite also reports
how far the motions of in-place actions travel (`in_place_section`: the `behaviour_in_place_*` metrics of
the evaluation report), beside the real clips of the same actions (docs/metrics.md, "Behaviour suite";
`tools/inplace_drift.py` tabulates it per action over several seeds).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX

IN_PLACE_M = 0.1
# a motion of an in-place action that travels farther has visibly left its spot (the idle check's bound on
# its step-smoothed path, `stickgen.evaluate.behaviour.IDLE_MAX_TRAVEL_M`)
WANDER_M = 0.3
_MEASURED = [f"behaviour_in_place_{k}" for k in ("travel_m", "real_travel_m", "wander_rate")]


def farthest(path: np.ndarray) -> float:
    """How far a (T, 2) floor-plane path gets from its first point, in its units."""
    return float(np.linalg.norm(path - path[0], axis=-1).max())


def travel(joints: np.ndarray, joint: str | Sequence[str] = "pelvis") -> float:
    """The farthest the first actor's `joint` (or the midpoint of several) gets from where it starts, on
    the floor (x, z), in metres, for (T, A, 22, 3) joints."""
    names = [joint] if isinstance(joint, str) else list(joint)
    path = joints[:, 0, [JOINT_INDEX[n] for n in names]][..., [0, 2]].mean(axis=1)  # (T, 2)
    return farthest(path)


def clip_travel(joints: Iterable[np.ndarray], actions: Iterable[str]) -> dict[str, list[float]]:
    """{action: each clip's pelvis travel} of clips given as (T, A, 22, 3) joints with their actions."""
    out: dict[str, list[float]] = {}
    for j, action in zip(joints, actions, strict=True):
        out.setdefault(action, []).append(travel(j))
    return out


def in_place_actions(travels: dict[str, list[float]], limit: float = IN_PLACE_M) -> dict[str, dict]:
    """{action: {"clips", "median_m", "p90_m"}} of the actions whose median clip travels <= `limit` m."""
    out = {}
    for action, values in travels.items():
        v = np.asarray(values, dtype=float)
        median = float(np.median(v)) if len(v) else np.inf
        if median <= limit:
            out[action] = {"clips": len(v), "median_m": median, "p90_m": float(np.percentile(v, 90))}
    return out


def in_place_section(
    in_place: dict[str, dict], generated: Iterable[tuple[str, float]]
) -> dict[str, float | int | None]:
    """The behaviour section's in-place metrics from the generated motions' (action, pelvis travel); motions
    of other actions are left out:

    - behaviour_in_place_actions: the in-place actions among the motions;
    - behaviour_in_place_travel_m: the median over those actions of each one's median motion travel;
    - behaviour_in_place_real_travel_m: the same median over their real clips (`in_place`'s median_m);
    - behaviour_in_place_wander_rate: the share of their motions that travel over `WANDER_M`.

    The last three are None where no motion is of an in-place action."""
    per: dict[str, list[float]] = {}
    for action, metres in generated:
        if action in in_place:
            per.setdefault(action, []).append(metres)
    out: dict[str, float | int | None] = {"behaviour_in_place_actions": len(per)}
    if not per:
        return out | dict.fromkeys(_MEASURED)
    every = np.concatenate([np.asarray(v, dtype=float) for v in per.values()])
    travel_m = float(np.median([np.median(v) for v in per.values()]))
    real_m = float(np.median([in_place[a]["median_m"] for a in per]))
    return out | dict(zip(_MEASURED, (travel_m, real_m, float((every > WANDER_M).mean())), strict=True))
