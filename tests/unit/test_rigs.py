"""Rig mapping: every known skeleton by its names, the topology fallback, `--rig`, and the body checks."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT
from sourcekit import CANON, INLINE, assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.core.skeleton import JOINT_INDEX, JOINT_NAMES
from stickgen.sources import get_converter
from stickgen.sources.base import SourceError, Take, check_take
from stickgen.sources.bvh_format import parse_bvh
from stickgen.sources.driver import convert_dataset
from stickgen.sources.orient import check_sides, swap_sides
from stickgen.sources.retarget import BodyPoints
from stickgen.sources.rigmap import map_rig
from stickgen.sources.rigs import PROFILES, match_profile, normalize, rig_choices
from stickgen.sources.writers.bvh import MIXAMO, BvhProfile, bvh_text, write_bvh

# Per catalogue rig: the 22 SMPL joints' names in that rig (SMPL order), its unit, its channel order.
RIG_FILES: dict[str, tuple[str, str, str]] = {
    "smpl": ("Pelvis L_Hip R_Hip Spine1 L_Knee R_Knee Spine2 L_Ankle R_Ankle Spine3 L_Foot R_Foot Neck "
             "L_Collar R_Collar Head L_Shoulder R_Shoulder L_Elbow R_Elbow L_Wrist R_Wrist", "m", "XYZ"),
    "cmu": ("Hips LeftUpLeg RightUpLeg LowerBack LeftLeg RightLeg Spine LeftFoot RightFoot Spine1 "
            "LeftToeBase RightToeBase Neck LeftShoulder RightShoulder Head LeftArm RightArm LeftForeArm "
            "RightForeArm LeftHand RightHand", "cmu", "ZYX"),
    "mixamo": (" ".join(MIXAMO.joints[n] for n in JOINT_NAMES), "cm", "ZXY"),
    "lafan1": ("Hips LeftUpLeg RightUpLeg Spine LeftLeg RightLeg Spine1 LeftFoot RightFoot Spine2 LeftToe "
               "RightToe Neck LeftShoulder RightShoulder Head LeftArm RightArm LeftForeArm RightForeArm "
               "LeftHand RightHand", "cm", "ZYX"),
    "humanik": ("Hips LeftUpLeg RightUpLeg Spine LeftLeg RightLeg Spine1 LeftFoot RightFoot Spine2 "
                "LeftToeBase RightToeBase Neck LeftShoulder RightShoulder Head LeftArm RightArm LeftForeArm "
                "RightForeArm LeftHand RightHand", "cm", "ZXY"),
    "100style": ("Hips LeftHip RightHip Chest LeftKnee RightKnee Chest2 LeftAnkle RightAnkle Chest3 LeftToe "
                 "RightToe Neck LeftCollar RightCollar Head LeftShoulder RightShoulder LeftElbow RightElbow "
                 "LeftWrist RightWrist", "cm", "YXZ"),
    "biovision": ("Hips LeftHip RightHip Chest LeftKnee RightKnee Chest2 LeftAnkle RightAnkle UpperChest "
                  "LeftToe RightToe Neck LeftCollar RightCollar Head LeftShoulder RightShoulder LeftElbow "
                  "RightElbow LeftWrist RightWrist", "inch", "ZXY"),
    "xsens_mvn": ("Pelvis LeftUpperLeg RightUpperLeg L5 LeftLowerLeg RightLowerLeg L3 LeftFoot RightFoot T8 "
                  "LeftToe RightToe Neck LeftShoulder RightShoulder Head LeftUpperArm RightUpperArm "
                  "LeftForeArm RightForeArm LeftHand RightHand", "cm", "ZXY"),
    "bandai_namco": ("Hips UpperLeg_L UpperLeg_R Spine LowerLeg_L LowerLeg_R Chest Foot_L Foot_R UpperChest "
                     "Toes_L Toes_R Neck Shoulder_L Shoulder_R Head UpperArm_L UpperArm_R LowerArm_L "
                     "LowerArm_R Hand_L Hand_R", "cm", "XYZ"),
    "rokoko": ("Hips LeftThigh RightThigh Spine1 LeftShin RightShin Spine2 LeftFoot RightFoot Spine3 LeftToe "
               "RightToe Neck LeftShoulder RightShoulder Head LeftArm RightArm LeftForeArm RightForeArm "
               "LeftHand RightHand", "m", "YXZ"),
    "biped": ("Bip01_Pelvis Bip01_L_Thigh Bip01_R_Thigh Bip01_Spine Bip01_L_Calf Bip01_R_Calf Bip01_Spine1 "
              "Bip01_L_Foot Bip01_R_Foot Bip01_Spine2 Bip01_L_Toe0 Bip01_R_Toe0 Bip01_Neck Bip01_L_Clavicle "
              "Bip01_R_Clavicle Bip01_Head Bip01_L_UpperArm Bip01_R_UpperArm Bip01_L_Forearm "
              "Bip01_R_Forearm Bip01_L_Hand Bip01_R_Hand", "inch", "ZXY"),
    "blender": ("pelvis thigh.L thigh.R spine shin.L shin.R spine.001 foot.L foot.R spine.002 toe.L toe.R "
                "neck shoulder.L shoulder.R head upper_arm.L upper_arm.R forearm.L forearm.R hand.L hand.R",
                "m", "XYZ"),
}  # fmt: skip
PARAMS = str(ROOT / "params.yaml")


def rig_profile(rig: str) -> BvhProfile:
    names, unit, order = RIG_FILES[rig]
    return BvhProfile(rig, dict(zip(JOINT_NAMES, names.split(), strict=True)), order, unit)


@pytest.fixture(scope="module")
def take():
    return takes(1, 30.0, actions=("walk",), seconds=(2.0, 2.5))[0]


def test_every_catalogue_rig_has_a_test_file() -> None:
    assert set(RIG_FILES) | {"cmu_asf"} == {p.name for p in PROFILES}
    assert set(rig_choices()) == {p.name for p in PROFILES} | {"names", "topology"}
    assert normalize("mixamorig:LeftUpLeg") == "leftupleg" and normalize("upper_arm.L") == "upperarml"


@pytest.mark.parametrize("rig", sorted(RIG_FILES))
def test_each_known_rig_is_recognised_and_converts_to_the_same_joints(tmp_path: Path, take, rig: str) -> None:
    profile = rig_profile(rig)
    write_bvh(tmp_path / f"{rig}.bvh", take, profile)
    (clip,), report = convert("bvh", tmp_path)
    assert clip.meta["rig"] == rig and report["files"][0]["takes"][0]["rig"] == rig
    assert clip.meta["units"] == profile.unit and clip.meta["up_axis"] == "+y"
    assert_canonical_human(clip)
    ref = resampled_reference(take, clip.frames)
    assert max_error(clip.joints, ref) < 0.005
    if rig == "smpl":  # names every SMPL joint: nothing is derived, all 22 joints are the source's
        assert clip.meta["derived_joints"] == []
        assert max_error(clip.joints, ref, joints=range(22)) < 0.005


def test_unknown_names_map_by_topology_and_sides_come_from_the_motion(tmp_path: Path, take) -> None:
    anonymous = BvhProfile("anon", {n: f"J{k:02d}" for k, n in enumerate(JOINT_NAMES)}, "ZXY", "cm")
    write_bvh(tmp_path / "anon.bvh", take, anonymous)
    (clip,), report = convert("bvh", tmp_path)
    assert clip.meta["rig"] == "topology" and clip.meta["sides"].startswith("motion")
    assert_canonical_human(clip)
    assert max_error(clip.joints, resampled_reference(take, clip.frames)) < 0.005


def test_sides_unknown_from_names_are_set_by_where_the_toes_point(take) -> None:
    j = take.joints[:, 0]
    pts = {n: j[:, JOINT_INDEX[n]] for n in JOINT_NAMES}
    body = BodyPoints(
        **{k: pts[k] for k in BodyPoints.__dataclass_fields__ if k in pts and k not in ("spine1", "spine2")},
        back=[pts["pelvis"], pts["spine1"], pts["spine2"], pts["spine3"], pts["neck"]],
    )
    assert check_sides(body, False, "x")[0] is False  # already right
    assert check_sides(swap_sides(body), False, "x")[0] is True  # mirrored labels: swap them back
    with pytest.raises(SourceError, match="left and right look swapped"):
        check_sides(swap_sides(body), True, "x")  # a named rig that contradicts its names is rejected


def test_a_rig_nothing_can_map_is_an_unknown_skeleton(tmp_path: Path) -> None:
    chain = "HIERARCHY\nROOT A { OFFSET 0 0 0 CHANNELS 6 Xposition Yposition Zposition "
    chain += "Zrotation Xrotation Yrotation\n"
    chain += "JOINT B { OFFSET 0 10 0 CHANNELS 3 Zrotation Xrotation Yrotation\n"
    chain += (
        "End Site { OFFSET 0 10 0 } } }\nMOTION\nFrames: 2\nFrame Time: 0.033333\n"
        + "0 " * 9
        + "\n"
        + "0 " * 9
    )
    (tmp_path / "stick.bvh").write_text(chain)
    clips, report = convert("bvh", tmp_path)
    reason = report["rejects"][0]["reason"]
    assert not clips and "unknown skeleton" in reason and "topology: no joint where a spine" in reason


def test_rig_override_forces_a_mapping_or_rejects_with_the_reason(tmp_path: Path, take) -> None:
    write_bvh(tmp_path / "m.bvh", take, MIXAMO)
    cfg = INLINE
    (clip,), report = convert_dataset("bvh", tmp_path, CANON, cfg, rig="topology")
    assert clip.meta["rig"] == "topology" and report["rig"] == "topology"
    clips, report = convert_dataset("bvh", tmp_path, CANON, cfg, rig="lafan1")
    assert not clips and "the joint names are not those of [lafan1]" in report["rejects"][0]["reason"]
    with pytest.raises(ValueError, match="unknown rig \\[nope\\]"):
        get_converter("bvh", rig="nope")
    with pytest.raises(ValueError, match="fixed skeleton"):
        get_converter("kit_ml", rig="mixamo")


def test_cli_convert_takes_a_rig(tmp_path: Path, take, capsys) -> None:
    from stickgen.cli import main

    write_bvh(tmp_path / "raw" / "m.bvh", take, MIXAMO)
    out = tmp_path / "m.pt"
    assert (
        main(["convert", "bvh", str(tmp_path / "raw"), str(out), "--params", PARAMS, "--rig", "names"]) == 0
    )
    report = json.loads((tmp_path / "m.report.json").read_text())
    assert report["rig"] == "names" and report["files"][0]["takes"][0]["rig"] == "names"
    assert main(["convert", "bvh", str(tmp_path / "raw"), str(out), "--params", PARAMS, "--rig", "x"]) == 1
    assert "unknown rig [x]" in capsys.readouterr().err


def _scaled(take, joint_scales: dict[str, float]):
    """The take's MIXAMO file with some bones' rest offsets scaled."""
    data = parse_bvh(bvh_text(take, MIXAMO), "x.bvh")
    for name, factor in joint_scales.items():
        data.skeleton.offsets[data.skeleton.names.index(MIXAMO.joints[name])] *= factor
    return data


@pytest.mark.parametrize(
    ("scales", "words"),
    [
        ({"left_elbow": 2.2, "right_elbow": 2.2, "left_wrist": 2.2, "right_wrist": 2.2}, "upper arm is"),
        ({"left_ankle": 1.6}, "the left shank is"),
        ({"left_knee": 0.45, "right_knee": 0.45}, "thigh is"),
    ],
)
def test_implausible_bodies_are_rejected_with_the_reason(take, scales, words: str) -> None:
    from stickgen.sources.bvh import bvh_to_smpl

    motion = bvh_to_smpl(_scaled(take, scales), "x.bvh")
    bad = Take("x", motion.joints[:, None], motion.fps, ["a person walks"], "walk", meta=motion.meta)
    with pytest.raises(SourceError, match=words) as info:
        check_take(bad, 2)
    assert "[rig mapped as mixamo]" in str(info.value)


@pytest.mark.parametrize("height", [0.8, 2.5])
def test_no_take_outside_the_stature_range_is_written(take, height: float) -> None:
    stats = check_take(Take("ok", take.joints, take.fps, ["a person walks"], "walk"), 2)
    standing = stats["standing_height_m"][0]
    assert 1.5 < standing < 2.0 and stats["bone_length_spread"][0] < 1e-6
    j = take.joints * (height / standing)  # a 0.8 m or 2.5 m body, whatever the converter
    with pytest.raises(SourceError, match="standing height .* outside 1.2-2.3 m"):
        check_take(Take("small", j, take.fps, ["a person walks"], "walk"), 2)


def test_match_profile_prefers_the_specific_rig(take) -> None:
    skel = parse_bvh(bvh_text(take, rig_profile("lafan1")), "x").skeleton
    lafan = skel.names
    assert match_profile(lafan)[0].name == "lafan1"
    assert match_profile([*lafan, "LeftHandIndex1"])[0].name == "humanik"  # not LAFAN1's exact 22
    assert match_profile(["mixamorig:" + n for n in lafan])[0].name == "mixamo"
    rig = map_rig(lafan, skel.parents, "x")
    assert rig.mapping == "lafan1" and rig.names(lafan)["head"] == "Head (segment middle)"


def test_up_axis_of_a_lying_rest_pose_comes_from_frames(tmp_path: Path, take) -> None:
    write_bvh(tmp_path / "z.bvh", take, replace(MIXAMO, up="-x"))
    (clip,), report = convert("bvh", tmp_path)
    entry = report["files"][0]["takes"][0]
    assert (
        entry["up_axis"] == "-x"
        and abs(entry["standing_height_m"][0] - clip.meta["standing_height_m"][0]) < 1e-9
    )
    assert np.isfinite(clip.joints).all()
