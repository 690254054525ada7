"""Metrics: pure functions over GENERATED motion, with shape checks. Definitions: docs/metrics.md."""

from __future__ import annotations

import numpy as np


def motion_mse(generated: np.ndarray, real: np.ndarray) -> float:
    """Mean squared joint-position error in m^2 between a generated and a real clip.

    Args:
        generated: (T, A, 22, 3) canonical joints generated from the real clip's caption and length.
        real: (T, A, 22, 3) the real clip.
    """
    if generated.shape != real.shape or generated.ndim != 4 or generated.shape[-2:] != (22, 3):
        raise ValueError(f"motion_mse needs equal (T, A, 22, 3) shapes, got {generated.shape} vs {real.shape}")
    return float(np.mean(np.sum((generated - real) ** 2, axis=-1)))
