"""Stored floats on fixed grids (stickgen.core.quantize, docs/reproducibility.md): results that differ in
their
last bits, as they do between CPUs, are stored as the same bytes. tests/readiness/test_ready_reproducible.py
runs the data stages on two sets of CPU code paths; these tests pin the mechanism on small inputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import walking_clip
from sourcekit import takes

from stickgen.core import canonical
from stickgen.core.quantize import POSITION_DECIMALS, on_grid, round_floats
from stickgen.sources.writers.bvh import MIXAMO, bvh_text
from stickgen.sources.writers.smpl_params import smpl_params

# a relative error of a few units in the last place of a float64, as another CPU's sin or BLAS gives
ULPS = 4 * np.finfo(np.float64).eps


def _jitter(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """`x` with every value moved by up to ULPS relative, and exact zeros by up to 1e-16 (what noise makes of
    a value that should be 0, such as sin(pi))."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    return x * (1.0 + rng.uniform(-ULPS, ULPS, x.shape)) + np.where(
        x == 0, rng.uniform(-1e-16, 1e-16, x.shape), 0
    )


def test_on_grid_rounds_to_the_decimals_and_never_gives_negative_zero() -> None:
    got = on_grid([-1e-17, 1e-17, -0.0, 0.123456789, -2.5e-6], 5)
    assert got.tolist() == [0.0, 0.0, 0.0, 0.12346, 0.0]  # -2.5e-6: half to even, to 0
    assert not np.signbit(got).any()
    assert [f"{v:.4f}" for v in on_grid([-1e-9, -0.0], 4)] == ["0.0000", "0.0000"]


def test_round_floats_rounds_nested_report_values_and_keeps_the_rest() -> None:
    report = {"a": 1 / 3, "b": [np.float32(0.1), {"c": -1e-12}], "n": 3, "s": "x", "t": (True, None)}
    assert round_floats(report) == {
        "a": 0.333333,
        "b": [0.1, {"c": 0.0}],
        "n": 3,
        "s": "x",
        "t": [True, None],
    }
    assert not np.signbit(round_floats(-1e-12))
    assert np.isnan(round_floats(float("nan")))


def test_canonical_files_store_the_same_bytes_for_last_bit_noise() -> None:
    clip = walking_clip(frames=30)
    j = clip.joints.astype(np.float64)
    j[0, 0, 0] = 0.0  # the canonical frame puts the root at the origin on frame 0: noise around 0
    a = dataclasses.replace(clip, joints=j.astype(np.float32))
    b = dataclasses.replace(clip, joints=_jitter(j).astype(np.float32))
    da, db = canonical.encode_clips([a], 20.0), canonical.encode_clips([b], 20.0)
    assert da["root"].numpy().tobytes() == db["root"].numpy().tobytes()
    assert da["offsets"].numpy().tobytes() == db["offsets"].numpy().tobytes()
    # the grid is 1e-5 m: the stored root is the joints' root to within half of it
    assert np.abs(da["root"].numpy() - j[:, 0, 0]).max() <= 0.5 * 10.0**-POSITION_DECIMALS + 1e-6


@pytest.fixture(scope="module")
def take():
    return takes(1, 60.0, actions=("wave",))[0]


def test_bvh_text_is_the_same_for_last_bit_noise(take) -> None:
    noisy = dataclasses.replace(take, root=_jitter(take.root, 1), rotations=_jitter(take.rotations, 2))
    assert bvh_text(noisy, MIXAMO) == bvh_text(take, MIXAMO)
    assert "-0.0000 " not in bvh_text(take, MIXAMO)


def test_smpl_parameters_are_the_same_for_last_bit_noise(take) -> None:
    """What the AMASS, AIST++ and InterHuman sample writers store."""
    pose, trans = smpl_params(take.root[:, 0], take.rotations[:, 0])
    pose2, trans2 = smpl_params(_jitter(take.root[:, 0], 3), _jitter(take.rotations[:, 0], 4))
    assert pose.tobytes() == pose2.tobytes() and trans.tobytes() == trans2.tobytes()
