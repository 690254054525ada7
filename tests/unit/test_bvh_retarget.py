"""The retargeting BVH (stickgen.generate.bvh): a T-pose rest, SMPL / Mixamo names, twist from the
hierarchy, Y / Z up, cm / m; and a real client, Blender, importing it (where Blender is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import standing_body
from inferkit import articulated_motion

from stickgen.core.skeleton import JOINT_INDEX, JOINT_NAMES, PARENTS
from stickgen.generate.bvh import (
    MIXAMO_NAMES,
    MIXAMO_PREFIX,
    Y_UP_TO_Z_UP,
    BvhOptions,
    bvh_forward,
    bvh_pose,
    bvh_text,
    local_rotations,
    rest_offsets,
    solve,
)
from stickgen.generate.export import save_motion

J = JOINT_INDEX
OPTIONS = [BvhOptions(r, u, s) for r in ("smpl", "mixamo") for u in ("y", "z") for s in ("cm", "m")]


def _file_axes(joints: np.ndarray, o: BvhOptions) -> np.ndarray:
    return joints.astype(np.float64) @ o.axes.T * {"cm": 100.0, "m": 1.0}[o.units]


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: f"{o.rig}-{o.up}-{o.units}")
def test_rigid_motion_reads_back_exactly_in_every_rig_axis_and_unit(o: BvhOptions) -> None:
    m = articulated_motion(frames=30, travel_x=1.0)
    offsets, root, angles = bvh_pose(m.joints[:, 0], o)
    scale = 100.0 if o.units == "cm" else 1.0
    np.testing.assert_allclose(
        bvh_forward(offsets, root, angles), _file_axes(m.joints[:, 0], o), atol=1e-5 * scale
    )


def test_the_rest_pose_is_a_t_pose_with_the_clips_bone_lengths() -> None:
    m = articulated_motion(frames=30)
    offsets = rest_offsets(m.joints[:, 0])
    rest = bvh_forward(offsets, np.zeros((1, 3)), np.zeros((1, 22, 3)))[0]
    for side in ("left", "right"):
        sign = 1.0 if side == "left" else -1.0
        arm = rest[[J[f"{side}_shoulder"], J[f"{side}_elbow"], J[f"{side}_wrist"]]]
        np.testing.assert_allclose(arm[:, 1:], np.repeat(arm[:1, 1:], 3, 0), atol=1e-9)  # straight out
        assert sign * (arm[2, 0] - arm[0, 0]) > 0.4  # to that side
        leg = rest[[J[f"{side}_hip"], J[f"{side}_knee"], J[f"{side}_ankle"]]]
        np.testing.assert_allclose(
            leg[:, [0, 2]], np.repeat(leg[:1, [0, 2]], 3, 0), atol=1e-9
        )  # straight down
        foot = rest[J[f"{side}_foot"]] - rest[J[f"{side}_ankle"]]
        assert foot[2] > 0 and abs(foot[0]) < 1e-9 and abs(foot[1]) < 1e-9  # forward
    bones = np.linalg.norm(m.joints[0, 0, 1:] - m.joints[0, 0, list(PARENTS[1:])], axis=-1)
    np.testing.assert_allclose(np.linalg.norm(offsets[1:], axis=-1), bones, rtol=1e-5)


def _bent_limb_turning(chain: tuple[str, str, str], bend_towards: np.ndarray, frames: int = 24) -> np.ndarray:
    """A standing body whose limb (root joint, middle joint, end joint) is bent 70 degrees at the middle
    towards `bend_towards` and turns rigidly about its upper bone's axis by up to 60 degrees: the turn
    belongs to the limb's root joint."""
    body = standing_body().astype(np.float64)
    a, b, _ = (J[n] for n in chain)
    below = [k for k in range(22) if _under(k, b)]  # the middle joint's descendants
    upper = body[b] - body[a]
    axis = upper / np.linalg.norm(upper)
    hinge = np.cross(axis, bend_towards)
    bent = body.copy()
    bent[below] = (body[below] - body[b]) @ _rot(hinge / np.linalg.norm(hinge), np.radians(70)).T + body[b]
    out = np.repeat(bent[None], frames, 0)
    for t, theta in enumerate(np.radians(np.linspace(0, 60, frames))):
        out[t, [b, *below]] = (bent[[b, *below]] - bent[a]) @ _rot(axis, theta).T + bent[a]
    return out


def _under(k: int, j: int) -> bool:
    """True when joint k is strictly below joint j in the kinematic tree."""
    k = PARENTS[k]
    while k >= 0:
        if k == j:
            return True
        k = PARENTS[k]
    return False


def _rot(axis: np.ndarray, angle: float) -> np.ndarray:
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * (k @ k)


def _angle(r: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip((np.trace(r, axis1=-2, axis2=-1) - 1) / 2, -1, 1)))


@pytest.mark.parametrize(
    ("chain", "bend_towards"),
    [
        (("left_shoulder", "left_elbow", "left_wrist"), np.array([0.0, 0.0, 1.0])),
        (("right_hip", "right_knee", "right_ankle"), np.array([0.0, 0.0, -1.0])),
    ],
    ids=["arm", "leg"],
)
def test_a_limb_turning_about_its_axis_twists_its_root_joint_not_its_hinge(chain, bend_towards) -> None:
    joints = _bent_limb_turning(chain, bend_towards)
    offsets = rest_offsets(joints)
    local = local_rotations(solve(joints, offsets))
    root, hinge = J[chain[0]], J[chain[1]]
    # the hinge bends by the same 70 degrees the same way in every frame: the turn is not in it
    np.testing.assert_allclose(local[:, hinge], np.repeat(local[:1, hinge], len(joints), 0), atol=1e-6)
    # the root joint carries the turn: 60 degrees more at the end than at the start
    turn = _angle(np.swapaxes(local[0, root], 0, 1) @ local[-1, root])
    assert turn == pytest.approx(60.0, abs=0.5)
    np.testing.assert_allclose(bvh_forward(offsets, joints[:, 0], _euler(local)), joints, atol=1e-6)


def _euler(local: np.ndarray) -> np.ndarray:
    from stickgen.generate.bvh import euler_zxy

    return euler_zxy(local)


def test_mixamo_names_and_the_hierarchy_are_in_the_file() -> None:
    m = articulated_motion(frames=5)
    text = bvh_text(m.joints[:, 0], m.fps, BvhOptions(rig="mixamo"))
    names = re.findall(r"(?:ROOT|JOINT) (\S+)", text)
    assert names[0] == "mixamorig:Hips" and len(names) == 22
    assert sorted(names) == sorted(MIXAMO_PREFIX + MIXAMO_NAMES[n] for n in JOINT_NAMES)
    assert "JOINT mixamorig:LeftForeArm" in text and "JOINT mixamorig:RightUpLeg" in text


def test_stickgen_render_writes_the_bvh_the_options_ask_for(tmp_path: Path) -> None:
    from stickgen.cli import main

    m = articulated_motion(frames=8)
    (src,) = save_motion(m, tmp_path / "m.json")
    out = tmp_path / "m.bvh"
    assert main(["render", str(src), "--out", str(out), "--rig", "mixamo", "--up", "z", "--units", "m"]) == 0
    text = out.read_text()
    assert "ROOT mixamorig:Hips" in text
    first = [float(v) for v in text.split("Frame Time:")[1].splitlines()[1].split()[:3]]
    np.testing.assert_allclose(first, Y_UP_TO_Z_UP @ m.joints[0, 0, 0], atol=1e-5)  # metres, Z up


def test_bad_options_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="rig must be one of"):
        BvhOptions(rig="unreal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="up axis must be 'y' or 'z', got 'x'"):
        BvhOptions(up="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="units must be one of"):
        BvhOptions(units="mm")  # type: ignore[arg-type]


# --- Blender -------------------------------------------------------------------------------------------

BLENDER = shutil.which("blender")
# Debian's Blender 3.4 on Python 3.11: its BVH importer opens files with mode 'rU', which 3.11 refuses
_BLENDER_SCRIPT = r"""
import builtins, json, sys
import bpy
_open = builtins.open
builtins.open = lambda f, mode="r", *a, **k: _open(f, mode.replace("U", ""), *a, **k)
jobs = json.loads(sys.argv[sys.argv.index("--") + 1])
out = {}
for job in jobs:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_anim.bvh(filepath=job["path"], global_scale=job["scale"], axis_forward=job["forward"],
                            axis_up=job["up"], update_scene_duration=True, frame_start=1)
    arm = next(o for o in bpy.context.scene.objects if o.type == "ARMATURE")
    scene = bpy.context.scene
    frames = []
    for f in range(1, job["frames"] + 1):  # the importer never shortens the scene's 250 frames
        scene.frame_set(f)
        frames.append({b.name: list(arm.matrix_world @ b.head) for b in arm.pose.bones})
    out[job["path"]] = frames
builtins.open = _open
with _open(job["result"], "w") as fh:
    json.dump(out, fh)
"""


@pytest.mark.skipif(
    BLENDER is None, reason="Blender is not installed (apt-get install -y blender; make test does)"
)
def test_blender_imports_the_bvh_and_its_joints_match_the_motion_within_a_centimetre(tmp_path: Path) -> None:
    m = articulated_motion(frames=24, actors=2, travel_x=0.8)
    result = tmp_path / "blender.json"
    cases = {
        # a Y-up file with Blender's default axis conversion; a Z-up file read as it is
        "smpl-y-cm": (BvhOptions("smpl", "y", "cm"), 0.01, "-Z", "Y"),
        "mixamo-z-m": (BvhOptions("mixamo", "z", "m"), 1.0, "Y", "Z"),
    }
    jobs, written = [], {}
    for key, (o, scale, forward, up) in cases.items():
        paths = save_motion(m, tmp_path / f"{key}.bvh", bvh=o)
        written[key] = paths
        jobs += [
            {
                "path": str(p),
                "scale": scale,
                "forward": forward,
                "up": up,
                "frames": m.frames,
                "result": str(result),
            }
            for p in paths
        ]
    proc = subprocess.run(
        [BLENDER, "-b", "--factory-startup", "--python-expr", _BLENDER_SCRIPT, "--", json.dumps(jobs)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.is_file(), (
        f"Blender wrote nothing (rc {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    )
    got = json.loads(result.read_text())
    for key, (o, *_) in cases.items():
        names = o.names()
        for a, path in enumerate(written[key]):
            frames = got[str(path)]
            assert len(frames) == m.frames, (key, len(frames))
            blender = np.array([[f[n] for n in names] for f in frames])  # (T, 22, 3) metres, Blender's Z up
            want = m.joints[:, a].astype(np.float64) @ Y_UP_TO_Z_UP.T  # canonical -> Z up, facing -Y
            err = np.linalg.norm(blender - want, axis=-1)
            assert err.max() < 0.01, (
                f"{key} actor {a}: {err.max() * 100:.2f} cm off at joint {err.max(0).argmax()}"
            )
