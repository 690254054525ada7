"""Small measures shared by the behaviour checks of `behaviour_more` and `behaviour_hands`.

They import nothing from `behaviour`, so either module can be imported first (each imports `behaviour`,
which imports both at its end to register their checks).
"""

from __future__ import annotations

import numpy as np

from stickgen.core.skeleton import JOINT_INDEX


def longest_run(flag: np.ndarray) -> int:
    """Frames in the longest run of True in a bool (T,) array."""
    edges = np.diff(np.concatenate([[0], np.asarray(flag, dtype=np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int((ends - starts).max()) if starts.size else 0


def leg_length(a: np.ndarray) -> float:
    """Median hip-knee + knee-ankle length (m) of the left leg of one actor's joints (T, 22, 3)."""
    hip, knee, ankle = (a[:, JOINT_INDEX[f"left_{n}"]] for n in ("hip", "knee", "ankle"))
    return float(
        np.median(np.linalg.norm(knee - hip, axis=-1)) + np.median(np.linalg.norm(ankle - knee, axis=-1))
    )
