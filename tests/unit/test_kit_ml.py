"""KIT-ML (HumanML3D-style release, 21 KIT joints in mm at 12.5 fps): writer -> converter round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sourcekit import assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.kit_ml import KIT_JOINTS
from stickgen.sources.writers import write_kit_ml
from stickgen.sources.writers.kit_ml import smpl_to_kit


def test_round_trip_maps_kit_joints_by_name_and_flags_derived_ones(tmp_path: Path) -> None:
    written = takes(3, 12.5, seconds=(3.0, 4.0))
    write_kit_ml(tmp_path, written, split_seed=1, mirrored=True)
    stored = np.load(tmp_path / "new_joints" / f"{written[0].name}.npy")
    assert stored.shape[1:] == (21, 3) and 1000 < np.ptp(stored[..., 1]) < 2500  # millimetres
    clips, report = convert("kit_ml", tmp_path)
    assert report["rejected"] == 0 and report["native_fps"] == [12.5]
    assert {s["file"] for s in report["skipped"]} == {f"new_joints/M{t.name}.npy" for t in written}
    for take, clip in zip(written, clips, strict=True):
        assert clip.id == f"kit_ml/{take.name}#0-{clip.frames}" and clip.texts == take.texts
        assert (
            clip.frames == int(np.floor((take.frames - 1) / 12.5 * 20.0 + 1e-6)) + 1
        )  # resampled, not stretched
        assert clip.meta["units"] == "mm" and clip.meta["native_fps"] == 12.5
        assert clip.meta["derived_joints"] == ["spine1", "spine2", "spine3", "left_collar", "right_collar"]
        assert_canonical_human(clip)
        ref = resampled_reference(take, clip.frames)
        assert max_error(clip.joints, ref) < 0.002  # mapped joints are exact (float32 millimetres)
        for derived in ("spine2", "left_collar"):  # derived joints land near the SMPL ones
            assert max_error(clip.joints, ref, [JOINT_INDEX[derived]]) < 0.06


def test_kit_joint_order_puts_right_limbs_first() -> None:
    (take,) = takes(1, 12.5)
    kit = smpl_to_kit(take.joints[:, 0])
    first = take.joints[0, 0]
    leftwards = first[JOINT_INDEX["left_hip"]] - first[JOINT_INDEX["right_hip"]]
    for right, left in (("RS", "LS"), ("RW", "LW"), ("RH", "LH"), ("RMrot", "LMrot")):
        assert np.dot(kit[0, KIT_JOINTS.index(left)] - kit[0, KIT_JOINTS.index(right)], leftwards) > 0, right


def test_wrong_joint_count_is_rejected(tmp_path: Path) -> None:
    (take,) = takes(1, 12.5)
    write_kit_ml(tmp_path, [take], split_seed=0)
    np.save(tmp_path / "new_joints" / f"{take.name}.npy", np.zeros((30, 22, 3), np.float32))
    clips, report = convert("kit_ml", tmp_path)
    assert not clips and "expected (T, 21, 3) joints" in report["rejects"][0]["reason"]
