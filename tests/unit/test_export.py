"""Export: JSON (documented schema), NPZ, BVH on the canonical skeleton and the v3 segment array."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from inferkit import articulated_motion, bad_motion_npz_files

from stickgen.core.skeleton import JOINT_INDEX, JOINT_NAMES, V3_SEGMENTS, project
from stickgen.generate.bvh import BvhOptions
from stickgen.generate.export import (
    JSON_FORMAT,
    bvh_forward,
    bvh_pose,
    load_motion,
    save_motion,
    v3_segments,
)
from stickgen.generate.motion import Motion


def test_json_round_trips_to_a_tenth_of_a_millimetre_with_the_documented_keys(tmp_path) -> None:
    m = articulated_motion(actors=2)
    (path,) = save_motion(m, tmp_path / "m.json")
    doc = json.loads(path.read_text())
    assert {
        "format",
        "version",
        "prompt",
        "fps",
        "frames",
        "actors",
        "units",
        "axes",
        "joint_names",
        "parents",
        "joints",
        "meta",
    } <= set(doc)
    assert doc["format"] == JSON_FORMAT and doc["version"] == 1 and doc["joint_names"] == list(JOINT_NAMES)
    assert np.asarray(doc["joints"]).shape == (m.frames, 2, 22, 3)
    back = load_motion(path)
    assert np.abs(back.joints - m.joints).max() <= 5e-5 + 1e-7
    assert (back.fps, back.prompt, back.meta) == (m.fps, m.prompt, m.meta)


def test_json_of_another_version_or_format_is_a_clear_error(tmp_path) -> None:
    (path,) = save_motion(articulated_motion(), tmp_path / "m.json")
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "version": 99}))
    with pytest.raises(ValueError, match="motion JSON version 99; this stickgen reads 1"):
        load_motion(path)
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="not a stickgen motion"):
        load_motion(path)


def test_npz_holds_float32_canonical_joints_fps_and_prompt_without_pickle(tmp_path) -> None:
    m = articulated_motion(actors=2)
    (path,) = save_motion(m, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as z:
        assert z["joints"].dtype == np.float32 and z["joints"].shape == (m.frames, 2, 22, 3)
        np.testing.assert_array_equal(z["joints"], m.joints)
        assert float(z["fps"]) == 20.0 and str(z["prompt"]) == m.prompt
    back = load_motion(path)
    np.testing.assert_array_equal(back.joints, m.joints)
    assert back.meta == m.meta


def test_a_file_that_is_not_a_motion_npz_is_a_value_error_naming_it_and_why(tmp_path) -> None:
    """Empty, text, a lone array, a cut archive, pickled objects, fields of the wrong kind: each a
    ValueError with the file's name and the reason (before: EOFError, BadZipFile or TypeError tracebacks,
    and complex joints or a list for meta were taken)."""
    for name, why in bad_motion_npz_files(tmp_path).items():
        with pytest.raises(ValueError, match=f"{re.escape(name)}: .*{why}"):
            load_motion(tmp_path / name)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"joints": None}, r"missing \['joints'\]"),
        ({"fps": None}, r"missing \['fps'\]"),
        ({"joints": [[[[0, 0, 0]] * 22], [[[0, 0]] * 22]]}, "joints are not a .* array of numbers"),
        ({"joints": [[[["a", 0, 0]] * 22]] * 2}, "joints are not a .* array of numbers"),
        ({"fps": "fast"}, "fps must be a number"),
        ({"fps": 1e309}, r"fps must be in \[1, 1000\] frames per second"),
        ({"fps": 0.001}, r"fps must be in \[1, 1000\] frames per second"),
        ({"meta": [1]}, "meta must be a dict"),
        ({"prompt": 5}, "prompt must be a string"),
    ],
)
def test_json_with_a_field_of_the_wrong_kind_is_a_value_error_naming_the_file_and_field(
    tmp_path, change, why
) -> None:
    (path,) = save_motion(articulated_motion(frames=2), tmp_path / "m.json")
    doc = json.loads(path.read_text())
    doc.update(change)
    path.write_text(json.dumps({k: v for k, v in doc.items() if v is not None}))
    with pytest.raises(ValueError, match=f"m.json: .*{why}"):
        load_motion(path)


def test_a_json_file_that_is_not_json_text_is_a_value_error(tmp_path) -> None:
    (tmp_path / "binary.json").write_bytes(bytes(range(256)))
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    for name, why in [("binary.json", "not UTF-8 text"), ("deep.json", "recursion")]:
        with pytest.raises(ValueError, match=f"{name}: not valid JSON: .*{why}"):
            load_motion(tmp_path / name)


def test_bvh_pose_reproduces_rigid_articulated_motion_exactly() -> None:
    m = articulated_motion(frames=30)
    offsets, root, angles = bvh_pose(m.joints[:, 0], BvhOptions(units="m"))
    assert offsets.shape == (22, 3) and root.shape == (30, 3) and angles.shape == (30, 22, 3)
    np.testing.assert_allclose(bvh_forward(offsets, root, angles), m.joints[:, 0], atol=1e-5)


def test_bvh_file_is_standard_and_names_the_canonical_skeleton(tmp_path) -> None:
    m = articulated_motion(frames=12, actors=2)
    paths = save_motion(m, tmp_path / "walk.bvh")
    assert [p.name for p in paths] == ["walk.bvh", "walk.actor1.bvh"]
    text = paths[0].read_text()
    head, motion = text.split("MOTION\n")
    assert re.findall(r"(?:ROOT|JOINT) (\w+)", head)[0] == "pelvis"
    assert sorted(re.findall(r"(?:ROOT|JOINT) (\w+)", head)) == sorted(JOINT_NAMES)
    assert head.count("End Site") == 5  # head, both wrists, both feet
    assert head.count("CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation") == 1
    assert head.count("CHANNELS 3 Zrotation Xrotation Yrotation") == 21
    lines = motion.strip().splitlines()
    assert lines[0] == "Frames: 12" and lines[1] == "Frame Time: 0.05000000"
    rows = [[float(v) for v in row.split()] for row in lines[2:]]
    assert len(rows) == 12 and {len(r) for r in rows} == {6 + 21 * 3}
    np.testing.assert_allclose(rows[0][:3], m.joints[0, 0, 0] * 100.0, atol=1e-4)  # centimetres


def test_bvh_round_trips_through_the_projects_bvh_reader(tmp_path) -> None:
    fmt = pytest.importorskip(
        "stickgen.sources.bvh_format", reason="the BVH reader (issue 3) is not in this tree"
    )
    m = articulated_motion(frames=20, actors=2)
    for a, path in enumerate(save_motion(m, tmp_path / "m.bvh")):
        data = fmt.parse_bvh(path.read_text(), path.name)
        assert data.fps == pytest.approx(20.0) and data.motion.shape[0] == 20
        trans, rot = fmt.local_transforms(data)
        positions, _ = fmt.forward_kinematics(data.skeleton.parents, trans, rot)
        names = list(data.skeleton.names)
        ours = positions[:, [names.index(n) for n in JOINT_NAMES]] / 100.0  # centimetres -> metres
        np.testing.assert_allclose(ours, m.joints[:, a], atol=1e-4)


def test_v3_segments_are_the_48_value_front_view_layout() -> None:
    m = articulated_motion(actors=2)
    seg = v3_segments(m)
    assert seg.shape == (m.frames, 2, 48) and seg.dtype == np.float32
    k = V3_SEGMENTS.index(("neck", "left_shoulder"))
    np.testing.assert_allclose(
        seg[..., 4 * k + 2 : 4 * k + 4], project(m.joints[:, :, JOINT_INDEX["left_shoulder"]]), atol=1e-6
    )
    # front view: the figure's left shoulder is on screen right of its neck
    assert (seg[..., 4 * k + 2] > seg[..., 4 * k]).all()


def test_unsupported_formats_are_named(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"unsupported export format \[\.txt\]"):
        save_motion(articulated_motion(), tmp_path / "m.txt")
    with pytest.raises(ValueError, match="Motion joints must be"):
        Motion(np.zeros((5, 21, 3)), 20.0)


def test_bvh_and_segments_ignore_the_face_and_a_faceless_json_has_no_face_key(tmp_path) -> None:
    from stickgen.core.face import FaceTrack

    m = articulated_motion(frames=6, actors=2)
    face = FaceTrack.unknown(6, 2)
    face.expression[:] = 4  # angry
    face.mouth_open[:] = 0.7
    with_face = Motion(m.joints, m.fps, m.prompt, m.meta, face)
    plain = save_motion(m, tmp_path / "plain.bvh")
    faced = save_motion(with_face, tmp_path / "face.bvh")
    assert [p.read_bytes() for p in faced] == [p.read_bytes() for p in plain]
    assert (v3_segments(with_face) == v3_segments(m)).all()
    assert "face" not in json.loads(save_motion(m, tmp_path / "m.json")[0].read_text())
    doc = json.loads(save_motion(with_face, tmp_path / "f.json")[0].read_text())
    assert doc["face"]["mouth_open"][0] == [0.7, 0.7]
