"""The glTF binary export (stickgen.generate.gltf) read back by pygltflib and by Blender's glTF importer:
the joints from the node hierarchy and the animation samplers are the motion's, one keyframe per frame."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import gltfkit
import numpy as np
import pytest
from inferkit import articulated_motion

from stickgen.core.skeleton import JOINT_INDEX, JOINT_NAMES, PARENTS
from stickgen.generate.bvh import BvhOptions, bvh_pose
from stickgen.generate.export import save_motion
from stickgen.generate.gltf import TUBE_SIDES, glb_bytes
from stickgen.sources.units import Y_UP_TO_Z_UP


@pytest.fixture(scope="module")
def motion():
    return articulated_motion(frames=30, actors=2, travel_x=0.8)


def test_the_file_is_a_glb_with_one_node_tree_and_skin_per_actor(motion) -> None:
    data = glb_bytes(motion)
    magic, version, length = struct.unpack_from("<4sII", data)
    assert (magic, version, length) == (b"glTF", 2, len(data)) and length % 4 == 0
    g = gltfkit.load(data)
    assert g.asset.version == "2.0" and len(g.skins) == len(g.meshes) == 2
    roots = [g.nodes[n].name for n in g.scenes[g.scene].nodes]
    assert roots == ["actor0", "actor0_figure", "actor1", "actor1_figure"]
    for skin in g.skins:
        assert [g.nodes[j].name for j in skin.joints] == list(JOINT_NAMES)
        for c in range(1, 22):  # the SMPL tree
            assert skin.joints[c] in g.nodes[skin.joints[PARENTS[c]]].children


def test_the_joints_from_hierarchy_and_samplers_are_the_motions(motion) -> None:
    g = gltfkit.load(glb_bytes(motion))
    (anim,) = g.animations
    inputs = {s.input for s in anim.samplers}
    assert len(inputs) == 1  # every channel sampled at the same times: one keyframe per frame
    times = gltfkit.accessor(g, inputs.pop())
    assert len(times) == motion.frames
    np.testing.assert_allclose(times, np.arange(motion.frames) / motion.fps, atol=1e-6)
    assert g.accessors[anim.samplers[0].input].max == pytest.approx([(motion.frames - 1) / motion.fps])
    assert {s.interpolation for s in anim.samplers} == {"LINEAR"}
    for frame in (0, 7, 16, motion.frames - 1):
        got = gltfkit.joint_positions(g, frame)  # (A, 22, 3)
        err = np.linalg.norm(got - motion.joints[frame], axis=-1)
        assert err.max() < 0.01, f"frame {frame}: {err.max() * 100:.2f} cm off"
        assert err.max() < 1e-4  # rigid bones: float precision


def test_the_rest_pose_is_the_bvh_t_pose_standing_on_the_floor(motion) -> None:
    g = gltfkit.load(glb_bytes(motion))
    offsets_cm, _, _ = bvh_pose(motion.joints[:, 1], BvhOptions(units="cm"))
    skin = g.skins[1]
    translations = np.array([g.nodes[j].translation for j in skin.joints])
    np.testing.assert_allclose(translations[1:], offsets_cm[1:] / 100.0, atol=1e-6)  # the BVH's offsets
    assert all(g.nodes[j].rotation is None for j in skin.joints)  # the rest is unrotated
    g.animations = [type(g.animations[0])(samplers=[], channels=[])]  # no animation: the nodes' own pose
    rest = gltfkit.joint_positions(g, 0)[1]
    assert rest[:, 1].min() == pytest.approx(0.0, abs=1e-6)
    arm = rest[JOINT_INDEX["left_wrist"]] - rest[JOINT_INDEX["left_shoulder"]]
    np.testing.assert_allclose(arm / np.linalg.norm(arm), [1.0, 0.0, 0.0], atol=1e-6)  # arms out to the sides


def test_the_skinned_figure_follows_the_bones(motion) -> None:
    g = gltfkit.load(glb_bytes(motion))
    figure = next(i for i, n in enumerate(g.nodes) if n.name == "actor1_figure")
    frame = 11
    verts = gltfkit.skinned_vertices(g, figure, frame)
    joints = motion.joints[frame, 1].astype(np.float64)
    tubes = verts[: 21 * 2 * TUBE_SIDES].reshape(21, 2 * TUBE_SIDES, 3).mean(axis=1)  # bone c's tube centre
    mid = (joints[1:] + joints[list(PARENTS[1:])]) / 2
    np.testing.assert_allclose(tubes, mid, atol=1e-4)
    head = verts[21 * 2 * TUBE_SIDES :].mean(axis=0)
    assert np.linalg.norm(head - joints[JOINT_INDEX["head"]]) < 0.02  # the low-poly sphere's centre


def test_stickgen_render_writes_a_glb(motion, tmp_path: Path, capsys) -> None:
    from stickgen.cli import main

    (src,) = save_motion(motion, tmp_path / "m.json")
    assert main(["render", str(src), "--out", str(tmp_path / "m.glb"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"] == [str(tmp_path / "m.glb")]
    g = gltfkit.load((tmp_path / "m.glb").read_bytes())
    assert np.abs(gltfkit.joint_positions(g, 3) - motion.joints[3]).max() < 0.01


BLENDER = shutil.which("blender")
_BLENDER_SCRIPT = r"""
import json, sys
import bpy
job = json.loads(sys.argv[sys.argv.index("--") + 1])
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.render.fps = job["fps"]  # the importer turns keyframe times into frames at the scene's rate
bpy.ops.import_scene.gltf(filepath=job["path"])
arms = [o for o in scene.objects if o.type == "ARMATURE"]
frames = []
for f in range(job["frames"]):  # time t lands on frame t * fps
    scene.frame_set(f)
    frames.append({a.name: {b.name: list(a.matrix_world @ b.head) for b in a.pose.bones} for a in arms})
with open(job["result"], "w") as fh:
    json.dump(frames, fh)
"""


@pytest.mark.skipif(
    BLENDER is None, reason="Blender is not installed (apt-get install -y blender; make test does)"
)
def test_blender_imports_the_glb_and_its_joints_match_the_motion_within_a_centimetre(
    motion, tmp_path: Path
) -> None:
    (path,) = save_motion(motion, tmp_path / "m.glb")
    result = tmp_path / "blender.json"
    job = {"path": str(path), "fps": int(motion.fps), "frames": motion.frames, "result": str(result)}
    proc = subprocess.run(
        [BLENDER, "-b", "--factory-startup", "--python-expr", _BLENDER_SCRIPT, "--", json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.is_file(), (
        f"Blender wrote nothing (rc {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    )
    frames = json.loads(result.read_text())
    for a in range(motion.actors):
        got = np.array([[f[f"actor{a}"][n] for n in JOINT_NAMES] for f in frames])  # Blender's Z up
        want = motion.joints[:, a].astype(np.float64) @ Y_UP_TO_Z_UP.T
        err = np.linalg.norm(got - want, axis=-1)
        assert err.max() < 0.01, f"actor {a}: {err.max() * 100:.2f} cm off at joint {err.max(0).argmax()}"
