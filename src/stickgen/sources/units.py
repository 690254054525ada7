"""Native axes and units -> canonical (Y up, metres): the axis change and the unit inference rule.

Most sources state their axes and units (AMASS: Z up, metres; NTU: Kinect camera space, metres;
KIT-ML: Y up, millimetres). Formats that carry no unit (BVH, and the position text files of
LSMB19) get one from `infer_unit`: the candidate unit under which the rest skeleton's standing
height (head point above the lowest foot point, plus a 10 cm crown allowance) comes closest to an
adult's 1.70 m, on a log scale. The candidates differ by factors of 2.2 or more, so a plausible
adult (1.2-2.3 m) picks one unit only; a skeleton implausible under every candidate is rejected.
"""

from __future__ import annotations

import math

import numpy as np

# Right-handed rotation about +X by -90 degrees: (x, y, z) Z-up -> (x, z, -y) Y-up. Facing and
# left/right are kept (a proper rotation, det +1).
Z_UP_TO_Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
Y_UP_TO_Z_UP = Z_UP_TO_Y_UP.T

# metres per native unit. `cmu` is the CMU database's ASF length unit (1/0.45 inch), which its BVH
# conversions keep.
UNITS_M: dict[str, float] = {
    "m": 1.0,
    "dm": 0.1,
    "cm": 0.01,
    "mm": 0.001,
    "inch": 0.0254,
    "cmu": 0.0254 / 0.45,
    "ft": 0.3048,
}
TYPICAL_STATURE_M = 1.70
STATURE_RANGE_M: tuple[float, float] = (1.2, 2.3)
CROWN_M = 0.10  # the head point sits about 10 cm below the top of the head


class UnitError(ValueError):
    """No candidate unit gives a plausible human size."""


def infer_unit(head_height: float, candidates: tuple[str, ...]) -> tuple[str, float]:
    """The unit (name, metres per unit) that makes a standing rest pose about an adult's height.

    Args:
        head_height: head point above the lowest foot point in the rest pose, native units.
        candidates: unit names from `UNITS_M`.

    Raises:
        UnitError: no candidate gives a stature in `STATURE_RANGE_M`.
    """
    if not (math.isfinite(head_height) and head_height > 0):
        raise UnitError(
            f"head height above the feet is {head_height!r}, not a positive number: upside down or collapsed?"
        )
    best: tuple[float, str] | None = None
    for name in candidates:
        stature = head_height * UNITS_M[name] + CROWN_M
        if STATURE_RANGE_M[0] <= stature <= STATURE_RANGE_M[1]:
            score = abs(math.log(stature / TYPICAL_STATURE_M))
            if best is None or score < best[0]:
                best = (score, name)
    if best is None:
        raise UnitError(
            f"no unit among {list(candidates)} makes a head height of {head_height:.4g} a "
            f"standing adult ({STATURE_RANGE_M[0]}-{STATURE_RANGE_M[1]} m)"
        )
    return best[1], UNITS_M[best[1]]
