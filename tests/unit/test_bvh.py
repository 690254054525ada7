"""Generic BVH: rig dialects (names, channel orders, units, up axes), the CMU quirks, captions, rejects."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pytest
from sourcekit import assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.sources.bvh_format import parse_bvh
from stickgen.sources.plausibility import standing_height
from stickgen.sources.rigmap import map_rig, split_side
from stickgen.sources.writers.bvh import (
    BLENDER,
    CMU,
    MIXAMO,
    STYLE100,
    bvh_text,
    write_bvh,
    write_descriptions,
)


@pytest.fixture(scope="module")
def take():
    return takes(1, 60.0, actions=("wave",))[0]


@pytest.mark.parametrize(
    ("profile", "unit", "up", "rig"),
    [
        (MIXAMO, "cm", "+y", "mixamo"),
        (CMU, "cmu", "+y", "cmu"),
        (BLENDER, "m", "+z", "blender"),
        (STYLE100, "cm", "+y", "100style"),
    ],
)
def test_every_dialect_converts_to_the_same_joints(
    tmp_path: Path, take, profile, unit: str, up: str, rig: str
) -> None:
    write_bvh(tmp_path / "takes" / "wave_01.bvh", take, profile)
    (clip,), report = convert("bvh", tmp_path)
    assert clip.id == f"bvh/takes/wave_01#0-{clip.frames}" and clip.action == "wave"
    assert clip.meta["units"] == unit and clip.meta["up_axis"] == up and clip.meta["rig"] == rig
    (entry,) = report["files"]  # the report names the mapping used for each file
    assert entry["file"] == "takes/wave_01.bvh" and entry["takes"][0]["rig"] == rig
    want = standing_height(take.joints[:, 0])  # from the source's own bone lengths
    assert 1.5 < want < 2.0 and abs(entry["takes"][0]["standing_height_m"][0] - want) < 0.02
    assert clip.meta["dropped_first_frame"] is profile.rest_frame  # CMU files start with an added T-pose
    assert clip.meta["caption_source"] == "file name" and "repaired" not in clip.meta
    assert_canonical_human(clip)
    assert max_error(clip.joints, resampled_reference(take, clip.frames)) < 0.005


def test_captions_come_from_descriptions_then_file_names(tmp_path: Path, take) -> None:
    for stem in ("01_01", "jumping_jacks_3", "07_12"):
        write_bvh(tmp_path / f"{stem}.bvh", take, MIXAMO)
    write_descriptions(tmp_path, [("01_01", ["playground - forward jumps, turn around", "kids playing"])])
    clips = {c.group: c for c in convert("bvh", tmp_path)[0]}
    own = clips["bvh/01_01"]
    assert own.texts == ["playground - forward jumps, turn around", "kids playing"] and own.action == "jump"
    assert own.meta["caption_source"] == "descriptions.tsv"
    assert (
        clips["bvh/jumping_jacks_3"].action == "jump"
        and clips["bvh/jumping_jacks_3"].meta["caption_source"] == "file name"
    )
    assert clips["bvh/07_12"].action == "unknown" and clips["bvh/07_12"].meta["caption_source"] == "generic"


def test_cmu_thorax_pattern_is_detected_and_restored() -> None:
    text = """HIERARCHY
ROOT Hips
{ OFFSET 0 0 0 CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
  JOINT LHipJoint { OFFSET 0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
    JOINT LeftUpLeg { OFFSET 1.4 -1.8 0.8 CHANNELS 3 Zrotation Yrotation Xrotation
      JOINT LeftLeg { OFFSET 2.4 -6.7 0 CHANNELS 3 Zrotation Yrotation Xrotation
        JOINT LeftFoot { OFFSET 2.6 -7.0 0 CHANNELS 3 Zrotation Yrotation Xrotation
          End Site { OFFSET 0 -0.4 2.3 } } } } }
  JOINT RHipJoint { OFFSET 0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
    JOINT RightUpLeg { OFFSET -1.4 -1.8 0.8 CHANNELS 3 Zrotation Yrotation Xrotation
      JOINT RightLeg { OFFSET -2.4 -6.7 0 CHANNELS 3 Zrotation Yrotation Xrotation
        JOINT RightFoot { OFFSET -2.6 -7.0 0 CHANNELS 3 Zrotation Yrotation Xrotation
          End Site { OFFSET 0 -0.4 2.3 } } } } }
  JOINT LowerBack { OFFSET 0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
    JOINT Spine { OFFSET 0 2.0 -0.2 CHANNELS 3 Zrotation Yrotation Xrotation
      JOINT Spine1 { OFFSET 0 2.0 0 CHANNELS 3 Zrotation Yrotation Xrotation
        JOINT Neck { OFFSET 0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
          JOINT Head { OFFSET 0 3.5 0 CHANNELS 3 Zrotation Yrotation Xrotation
            End Site { OFFSET 0 1.8 0 } } }
        JOINT LeftShoulder { OFFSET 0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
          JOINT LeftArm { OFFSET 3.4 1.2 0 CHANNELS 3 Zrotation Yrotation Xrotation
            JOINT LeftForeArm { OFFSET 5.0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
              JOINT LeftHand { OFFSET 3.5 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
                End Site { OFFSET 1 0 0 } } } } }
        JOINT RightShoulder { OFFSET 0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
          JOINT RightArm { OFFSET -3.4 1.2 0 CHANNELS 3 Zrotation Yrotation Xrotation
            JOINT RightForeArm { OFFSET -5.0 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
              JOINT RightHand { OFFSET -3.5 0 0 CHANNELS 3 Zrotation Yrotation Xrotation
                End Site { OFFSET -1 0 0 } } } } } } } }
}
MOTION
Frames: 3
Frame Time: .0083333
"""
    n = 6 + 3 * 21
    data = parse_bvh(text + "\n".join(" ".join(["0.5"] * n) for _ in range(3)), "t.bvh")
    assert data.fps == 120.0  # the printed frame time snaps to 120 fps
    from stickgen.sources.bvh import bvh_to_smpl

    motion = bvh_to_smpl(data, "t.bvh")
    assert "restored the thorax segment missing between Spine1 and Neck" in motion.meta["repaired"]
    assert motion.meta["units"] == "cmu"


def test_rig_sides_and_parts_by_name() -> None:
    cases = {
        "LeftUpLeg": ("left", "upleg"), "mixamorig:RightHand": ("right", "hand"), "lfemur": ("left", "femur"),
        "RHipJoint": ("right", "hipjoint"), "hand.L": ("left", "hand"), "upper_arm.R": ("right", "upperarm"),
        "ShoulderLeft": ("left", "shoulder"), "arm_r": ("right", "arm"), "lowerback": (None, "lowerback"),
        "root": (None, "root"), "Head": (None, "head"), "rtibia": ("right", "tibia"),
    }  # fmt: skip
    for name, want in cases.items():
        assert split_side(name) == want, name


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.replace("\n", "\r\n").encode(),  # Windows line ends
        lambda t: t.replace("\n", "\r").encode(),  # classic Mac: "\r" alone (the Frames line went missing)
        lambda t: codecs.BOM_UTF8 + t.encode(),  # a UTF-8 mark (did not "start with HIERARCHY")
        lambda t: t.encode("utf-16"),  # UTF-16 with its mark (was "binary data")
        lambda t: t.replace("    ", "\t").rstrip("\n").encode(),  # tabs, no final line end
    ],
)
def test_a_bvh_of_other_line_ends_and_encodings_converts_to_the_same_clip(
    tmp_path: Path, take, encode
) -> None:
    (tmp_path / "plain" / "wave.bvh").parent.mkdir()
    (tmp_path / "plain" / "wave.bvh").write_text(bvh_text(take, MIXAMO))
    (tmp_path / "other" / "wave.bvh").parent.mkdir()
    (tmp_path / "other" / "wave.bvh").write_bytes(encode(bvh_text(take, MIXAMO)))
    clips, report = convert("bvh", tmp_path)
    assert not report["rejects"] and len(clips) == 2, report["rejects"]
    np.testing.assert_array_equal(clips[0].joints, clips[1].joints)


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda t: t[: len(t) * 3 // 4], "truncated or corrupt"),
        (lambda t: t.replace("Frame Time: 0.0166667", "Frame Time: 0"), "Frame Time must be > 0"),
        (lambda t: t.replace("CHANNELS 3", "CHANNELS 4", 1), "bad CHANNELS line"),
        (lambda t: t.replace("{", "", 3), "outside a block"),
        (lambda t: "", "empty"),
    ],
)
def test_bad_files_and_unknown_skeletons_are_rejected(tmp_path: Path, take, mutate, words: str) -> None:
    (tmp_path / "x.bvh").write_text(mutate(bvh_text(take, MIXAMO)))
    clips, report = convert("bvh", tmp_path)
    assert not clips and words in report["rejects"][0]["reason"], report["rejects"]


@pytest.mark.parametrize("up", ["+x", "-x", "-y", "-z", "+z"])
def test_any_up_axis_is_found_from_the_animation(tmp_path: Path, take, up: str) -> None:
    from dataclasses import replace

    write_bvh(tmp_path / "w.bvh", take, replace(MIXAMO, up=up))
    (clip,) = convert("bvh", tmp_path)[0]
    assert clip.meta["up_axis"] == up and clip.meta["up_votes"] == 1.0
    assert_canonical_human(clip)
    assert max_error(clip.joints, resampled_reference(take, clip.frames)) < 0.005


def test_a_rest_pose_that_is_not_upright_does_not_matter(take) -> None:
    """LAFAN1's OFFSETs are no T-pose: only the animated frames decide the axes (here: every rest offset
    turned a quarter turn, with the rotations compensating at the root)."""
    from stickgen.sources.bvh import bvh_to_smpl

    text = bvh_text(take, MIXAMO)
    data = parse_bvh(text, "x.bvh")
    rest = map_rig(data.skeleton.names, data.skeleton.parents, "x")
    assert data.skeleton.names[rest.joint("pelvis")] == "mixamorig:Hips" and rest.mapping == "mixamo"
    lying = parse_bvh(text, "x.bvh")
    lying.skeleton.offsets = lying.skeleton.offsets[:, [1, 0, 2]] * np.array([-1.0, 1.0, 1.0])
    ends = lying.skeleton.end_sites
    lying.skeleton.end_sites = {j: o[[1, 0, 2]] * np.array([-1.0, 1.0, 1.0]) for j, o in ends.items()}
    # the rest pose now lies along -x; the animation is no longer the same motion, but it must not be
    # written unless it passes the checks: either it converts upright or it is rejected with a reason
    from stickgen.sources.base import SourceError

    try:
        motion = bvh_to_smpl(lying, "x.bvh")
    except SourceError as exc:
        assert "x.bvh" in str(exc)
    else:
        assert motion.meta["up_votes"] >= 0.5
    assert bvh_to_smpl(data, "x.bvh").meta["up_axis"] == "+y"


def test_mirrored_names_are_rejected(tmp_path: Path, take) -> None:
    text = bvh_text(take, MIXAMO).replace("Left", "Tmp").replace("Right", "Left").replace("Tmp", "Right")
    (tmp_path / "m.bvh").write_text(text)
    clips, report = convert("bvh", tmp_path)
    assert not clips and "left and right look swapped" in report["rejects"][0]["reason"]
    assert "[rig mapped as mixamo]" in report["rejects"][0]["reason"]
