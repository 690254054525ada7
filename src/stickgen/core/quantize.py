"""Stored floats on fixed decimal grids, so that data artifacts have the same bytes on every CPU.

A float's last bits depend on the CPU that computed it: numpy runs its vectorised sin, cos, exp, tanh,
arctan2, ... through AVX-512, AVX2 or baseline code chosen at run time, and BLAS (every `@` on rotation
matrices) picks kernels by CPU. The data stages therefore compute in float64 and round every float they
store, in a file or a report, to a fixed number of decimals here. Two CPUs then store different values
only when an exact result lies within about 1e-13 of the midpoint between two grid points
(docs/reproducibility.md gives the odds and the test that checks it).

    on_grid(joints, POSITION_DECIMALS)   # float64 on a 1e-5 m grid; store as float32 or text
"""

from __future__ import annotations

from typing import Any

import numpy as np

POSITION_DECIMALS = 5  # metres: 10 micrometres (motion capture is good to about a millimetre)
ANGLE_DECIMALS = 6  # radians: 1e-6 rad (0.06 millidegree)
EMBEDDING_DECIMALS = 5  # caption embeddings (unit vectors of 384 or more components)
REPORT_DECIMALS = 6  # floats in JSON reports


def on_grid(x: Any, decimals: int) -> np.ndarray:
    """`x` as float64, rounded to `decimals` decimal places (round half to even), with -0.0 made 0.0.

    Rounding is `rint(x * 10**decimals) / 10**decimals`: two correctly rounded IEEE operations, the same
    on every CPU. A tiny negative value would otherwise round to -0.0 and print as "-0.0000" on one CPU
    and "0.0000" on another.
    """
    return np.round(np.asarray(x, dtype=np.float64), decimals) + 0.0


def round_floats(value: Any, decimals: int = REPORT_DECIMALS) -> Any:
    """A JSON-able copy of `value` whose floats (also numpy scalars, in nested dicts / lists / tuples) are
    rounded to `decimals` places; non-finite floats and every other value pass unchanged."""
    if isinstance(value, dict):
        return {k: round_floats(v, decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v, decimals) for v in value]
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return round(v, decimals) + 0.0 if np.isfinite(v) else v
    return value
