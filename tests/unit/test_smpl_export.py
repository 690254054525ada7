"""SMPL pose parameters in the AMASS layout (stickgen.generate.smpl) go back through the project's own AMASS
converter to the same joints: with the built-in template skeleton and with a (synthetic) body-model file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from inferkit import articulated_motion

from stickgen.core.skeleton import JOINT_INDEX, PARENTS
from stickgen.generate.motion import Motion
from stickgen.generate.smpl import save_amass
from stickgen.sources.amass import AMASSConverter
from stickgen.sources.bodymodel import load_rest_joints, posed_joints, template_rest
from stickgen.sources.writers.body_models import write_model


def _random_pose(frames: int, seed: int) -> np.ndarray:
    """Smooth axis-angle rotations (T, 22, 3): every joint turning, limbs twisting too."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, frames)[:, None, None]
    return 0.5 * np.sin(2 * np.pi * (rng.random((1, 22, 3)) + t * rng.uniform(0.5, 1.5, (1, 22, 3))))


def _motion_on(rest: np.ndarray, frames: int = 30, seed: int = 0) -> Motion:
    """A motion made on `rest` (its bone lengths), in canonical axes, walking forward."""
    joints = posed_joints(rest, PARENTS, _random_pose(frames, seed))
    joints += np.linspace([0, 0.9, 0], [0.3, 0.9, 1.2], frames)[:, None] - rest[0]
    return Motion(joints.astype(np.float32), 20.0, "a person dances")


def _read_back(path: Path, body_models: str = "") -> np.ndarray:
    (take,) = AMASSConverter(body_models=body_models).read(path.parent, path)
    assert take.fps == 20.0
    return take.joints[:, 0]


def test_a_motion_on_the_template_skeleton_round_trips_through_the_amass_converter(tmp_path: Path) -> None:
    m = _motion_on(template_rest("neutral"))
    (path,) = save_amass(m, tmp_path / "dance_poses.npz")
    with np.load(path) as z:
        assert z["poses"].shape == (30, 156) and z["trans"].shape == (30, 3) and z["betas"].shape == (16,)
        assert str(z["surface_model_type"]) == "smplh" and float(z["mocap_framerate"]) == 20.0
        assert np.abs(z["poses"][:, 66:]).max() == 0.0  # flat hands
    back = _read_back(path)
    assert np.linalg.norm(back - m.joints[:, 0], axis=-1).max() < 0.01


@pytest.mark.parametrize("family", ["smplh", "smplx"])
def test_with_a_body_model_file_the_pose_is_relative_to_its_rest_and_round_trips(
    tmp_path: Path, family
) -> None:
    models = tmp_path / "body_models"
    model = write_model(models, family, "male")
    rest = load_rest_joints(model, family).at(np.zeros(0))
    m = _motion_on(rest, seed=3)
    suffix = "_poses" if family == "smplh" else "_stageii"
    (path,) = save_amass(m, tmp_path / f"dance{suffix}.npz", body_model=model, family=family, gender="male")
    back = _read_back(path, str(models))
    assert np.linalg.norm(back - m.joints[:, 0], axis=-1).max() < 0.01


def test_another_skeleton_keeps_every_bone_direction(tmp_path: Path) -> None:
    m = articulated_motion(frames=20, actors=2)
    paths = save_amass(m, tmp_path / "swing.npz")
    assert [p.name for p in paths] == ["swing.npz", "swing.actor1.npz"]
    for a, path in enumerate(paths):
        back, want = _read_back(path), m.joints[:, a].astype(np.float64)
        bones = lambda j: j[:, 1:] - j[:, list(PARENTS[1:])]  # noqa: E731
        cos = np.sum(bones(back) * bones(want), -1) / np.linalg.norm(bones(back), axis=-1)
        cos /= np.linalg.norm(bones(want), axis=-1)
        # the template's bone lengths, the motion's bone directions: exactly along the chains; the two
        # torso blocks (the pelvis's and the chest's children) are fitted whole to another torso's shape
        torso = [c - 1 for c in range(1, 22) if PARENTS[c] in (JOINT_INDEX["pelvis"], JOINT_INDEX["spine3"])]
        chains = [k for k in range(21) if k not in torso]
        assert cos[:, chains].min() > 0.9999 and cos[:, torso].min() > 0.95
        np.testing.assert_allclose(back[:, 0], want[:, 0], atol=1e-4)  # the pelvis where it was


def test_bad_settings_are_refused() -> None:
    m = articulated_motion(frames=4)
    with pytest.raises(ValueError, match="family must be one of"):
        save_amass(m, "x.npz", family="smpl")
    with pytest.raises(ValueError, match="gender must be one of"):
        save_amass(m, "x.npz", gender="other")


def test_stickgen_render_smpl_writes_what_the_converter_reads(tmp_path: Path, capsys) -> None:
    from stickgen.cli import main
    from stickgen.generate.export import save_motion

    m = _motion_on(template_rest("female"), frames=12, seed=5)
    (src,) = save_motion(m, tmp_path / "m.json")
    out = tmp_path / "m_poses.npz"
    assert main(["render", str(src), "--out", str(out), "--smpl", "--gender", "female"]) == 0
    assert np.linalg.norm(_read_back(out) - m.joints[:, 0], axis=-1).max() < 0.01
    assert main(["render", str(src), "--out", str(tmp_path / "m.bvh"), "--smpl"]) == 2
    assert "--smpl writes an AMASS .npz" in capsys.readouterr().err
