"""The production readiness checklist: each selection metric against its threshold, and the weighted score.

Each selection metric has a threshold and a weight (params `select`) and a direction (below: lower is
better for losses and errors). A metric that meets its threshold earns its full weight; one that misses
earns the share of the threshold it reaches (threshold / value for lower-is-better, value / threshold
for higher-is-better), so a model is still ranked when no candidate meets everything. The score is in
[0, 1] and is 1 exactly when every threshold is met. A missing metric earns nothing and is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from stickgen.core.config_use import SELECTION_METRICS, SelectConfig

DIRECTIONS: dict[str, Literal["lower", "higher"]] = {
    "val_loss": "lower",
    "motion_mse": "lower",
    "temporal_consistency": "higher",
    "action_accuracy": "higher",
    "physics_consistency": "higher",
    "robustness": "higher",
}
assert tuple(DIRECTIONS) == SELECTION_METRICS, DIRECTIONS


@dataclass(frozen=True)
class Criterion:
    """One checklist line for one model."""

    metric: str
    value: float | None
    threshold: float
    direction: str
    weight: float
    met: bool
    credit: float  # in [0, 1]

    @property
    def points(self) -> float:
        return self.weight * self.credit

    def describe(self) -> str:
        sign = "<" if self.direction == "lower" else ">"
        if self.value is None:
            return f"{self.metric}: missing (needs {sign} {self.threshold:g})"
        verdict = "meets" if self.met else "misses"
        return f"{self.metric} {self.value:.4g} {verdict} {sign} {self.threshold:g}"


def credit(value: float | None, threshold: float, direction: str) -> tuple[bool, float]:
    """(met, credit in [0, 1]) of one metric value against its threshold."""
    if value is None or not math.isfinite(value):
        return False, 0.0
    if direction == "lower":
        met = value < threshold
        return met, 1.0 if met else threshold / value
    if direction == "higher":
        met = value > threshold
        return met, 1.0 if met else max(value, 0.0) / threshold
    raise ValueError(f"unsupported direction [{direction}]; use lower or higher")


def assess(selection: Mapping[str, float | None], cfg: SelectConfig) -> list[Criterion]:
    """Every selection metric of one model against the checklist."""
    out = []
    for name in SELECTION_METRICS:
        value = selection.get(name)
        value = None if value is None else float(value)
        met, c = credit(value, cfg.thresholds[name], DIRECTIONS[name])
        out.append(Criterion(name, value, cfg.thresholds[name], DIRECTIONS[name], cfg.weights[name], met, c))
    return out


def selection_score(selection: Mapping[str, float | None], cfg: SelectConfig) -> float:
    """The weighted checklist score in [0, 1] (1: every threshold met)."""
    return float(sum(c.points for c in assess(selection, cfg)))
