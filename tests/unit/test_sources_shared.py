"""The converters' shared pieces: captions, units, derived joints, Euler angles, safe pickles, npz bytes."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from stickgen.core.rotations import euler_to_matrix, matrix_to_euler, quat_to_matrix
from stickgen.core.vocab import ACTIONS
from stickgen.sources.base import SourceError
from stickgen.sources.captions import ACTION_PHRASES, label_words, templated
from stickgen.sources.retarget import SPINE_FRACTIONS, polyline_points
from stickgen.sources.safe_pickle import load_pickle
from stickgen.sources.units import Z_UP_TO_Y_UP, UnitError, infer_unit
from stickgen.sources.writers.common import save_npz


def test_templated_captions_vary_and_are_stable() -> None:
    first = templated("walks forwards", "bvh/take_01")
    assert first == templated("walks forwards", "bvh/take_01") and len(set(first)) == 3
    assert all(t.endswith("walks forwards") for t in first)
    keys = [f"k{i}" for i in range(30)]
    assert len({templated("waves", k)[0] for k in keys}) >= 4  # different takes, different phrasings
    assert all(t.startswith(("two ", "a pair", "both")) for t in templated("shake hands", "x", pair=True))
    assert set(ACTION_PHRASES) == set(ACTIONS)
    assert label_words("HandsInPockets_FW-03") == "hands in pockets fw 03"


def test_unit_inference_picks_the_plausible_unit_or_refuses() -> None:
    assert infer_unit(1.55, ("m", "cm", "mm")) == ("m", 1.0)
    assert infer_unit(155.0, ("m", "cm", "mm"))[0] == "cm"
    assert infer_unit(25.6, ("m", "cm", "inch", "cmu"))[0] == "cmu"  # CMU subject 01 in ASF units
    assert infer_unit(62.0, ("m", "cm", "inch", "cmu"))[0] == "inch"
    with pytest.raises(UnitError, match="no unit"):
        infer_unit(0.3, ("m", "cm"))
    with pytest.raises(UnitError, match="upside down"):
        infer_unit(-1.0, ("m",))
    assert np.allclose(Z_UP_TO_Y_UP @ [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]) and np.isclose(
        np.linalg.det(Z_UP_TO_Y_UP), 1
    )


def test_spine_points_lie_on_the_back_polyline_at_the_smpl_fractions() -> None:
    pelvis, mid, neck = np.array([0.0, 0.0, 0.0]), np.array([0.0, 0.3, 0.0]), np.array([0.0, 0.5, 0.2])
    second = neck - mid
    total = 0.3 + np.linalg.norm(second)
    points = polyline_points([pelvis[None], mid[None], neck[None]], SPINE_FRACTIONS)
    for f, p in zip(SPINE_FRACTIONS, points, strict=True):
        d = f * total
        want = pelvis + [0.0, d, 0.0] if d <= 0.3 else mid + (d - 0.3) * second / np.linalg.norm(second)
        np.testing.assert_allclose(p[0], want, atol=1e-12)
    assert 0 < SPINE_FRACTIONS[0] < SPINE_FRACTIONS[1] < SPINE_FRACTIONS[2] < 1


@pytest.mark.parametrize("order", ["XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX"])
def test_euler_round_trip_in_every_order(order: str) -> None:
    rot = quat_to_matrix(np.random.default_rng(1).normal(size=(500, 4)))
    np.testing.assert_allclose(euler_to_matrix(matrix_to_euler(rot, order), order), rot, atol=1e-9)


def test_safe_pickle_reads_numpy_data_and_refuses_code(tmp_path: Path) -> None:
    good = tmp_path / "good.pkl"
    good.write_bytes(
        pickle.dumps({"a": np.arange(3.0), "b": np.float64(2.0), "c": np.array(b"x")}, protocol=2)
    )
    assert np.array_equal(load_pickle(good, "good")["a"], [0.0, 1.0, 2.0])

    class Evil:
        def __reduce__(self):
            return (Path.unlink, (good,))

    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps({"a": Evil()}))
    with pytest.raises(SourceError, match="pathlib.*is not allowed"):
        load_pickle(bad, "bad")
    assert good.exists()
    (tmp_path / "cut.pkl").write_bytes(good.read_bytes()[:20])
    with pytest.raises(SourceError, match="not a readable data pickle"):
        load_pickle(tmp_path / "cut.pkl", "cut")


def test_npz_files_are_byte_identical_across_writes(tmp_path: Path) -> None:
    arrays = {"poses": np.random.default_rng(0).normal(size=(5, 156)), "gender": np.array("male")}
    save_npz(tmp_path / "a.npz", arrays)
    save_npz(tmp_path / "b.npz", arrays)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with np.load(tmp_path / "a.npz") as data:
        assert str(data["gender"]) == "male" and data["poses"].shape == (5, 156)
