"""The posed body mesh of an SMPL export (stickgen.generate.body_mesh): one .obj per frame, posed through
smplx from the exported pose parameters, on the synthetic body-model files the converter tests use. The
body model's own joint regressor applied to each frame's mesh gives the exported joints as closely as the
SMPL export itself does (`AmassExport.max_error_m`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from inferkit import articulated_motion

from stickgen.core.skeleton import PARENTS
from stickgen.generate.body_mesh import save_mesh_sequence
from stickgen.generate.motion import Motion
from stickgen.generate.smpl import amass_arrays, rest_joints, save_amass
from stickgen.sources.bodymodel import load_rest_joints, posed_joints
from stickgen.sources.writers.body_models import write_model


def read_obj(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (V, 3), faces (F, 3) 0-based) of an .obj file."""
    v, f = [], []
    for line in path.read_text().splitlines():
        if line.startswith("v "):
            v.append([float(x) for x in line.split()[1:]])
        elif line.startswith("f "):
            f.append([int(x) - 1 for x in line.split()[1:]])
    return np.array(v), np.array(f)


def _motion_on(rest: np.ndarray, frames: int = 12) -> Motion:
    """A motion made on `rest` (its bone lengths) in canonical axes: every joint turning, walking forward."""
    rng = np.random.default_rng(4)
    t = np.linspace(0, 1, frames)[:, None, None]
    pose = 0.5 * np.sin(2 * np.pi * (rng.random((1, 22, 3)) + t * rng.uniform(0.5, 1.5, (1, 22, 3))))
    joints = posed_joints(rest, PARENTS, pose) + np.linspace([0, 0.9, 0], [0.3, 0.9, 1.2], frames)[:, None]
    return Motion((joints - rest[0]).astype(np.float32), 20.0, "a person dances")


def _regressed(model_file: Path, folder: Path, frames: int) -> np.ndarray:
    """(T, 22, 3) the model's J_regressor applied to each frame's mesh."""
    with np.load(model_file) as z:
        regressor, faces = z["J_regressor"].astype(np.float64), z["f"]
    objs = sorted(folder.glob("frame_*.obj"))
    assert [p.name for p in objs] == [f"frame_{t:04d}.obj" for t in range(frames)]
    out = []
    for p in objs:
        v, f = read_obj(p)
        assert v.shape == (regressor.shape[1], 3)
        np.testing.assert_array_equal(f, faces)  # the model's own vertex order and faces
        out.append(regressor[:22] @ v)
    return np.array(out)


@pytest.mark.parametrize("family", ["smplh", "smplx"])
def test_the_mesh_regresses_to_the_exported_joints(tmp_path: Path, family: str) -> None:
    model = write_model(tmp_path / "models", family, "female")
    m = _motion_on(load_rest_joints(model, family).at(np.zeros(0)), frames=8 if family == "smplx" else 12)
    (npz,) = save_amass(m, tmp_path / "dance.npz", body_model=model, family=family, gender="female")
    folder = save_mesh_sequence(npz, model)
    assert folder == tmp_path / "dance.mesh"
    err = np.linalg.norm(_regressed(model, folder, m.frames) - m.joints[:, 0], axis=-1)  # canonical, Y up
    achieved = amass_arrays(m.joints[:, 0], rest_joints(model, family, "female"), family).max_error_m
    assert err.max() < max(achieved, 1e-4) + 1e-4 and err.max() < 0.01, (err.max(), achieved)


def test_another_skeleton_is_as_close_as_the_smpl_export_gets(tmp_path: Path, capsys) -> None:
    """Through `stickgen render --smpl --body-model --mesh`, for two actors, with bones of other lengths."""
    from stickgen.cli import main
    from stickgen.generate.export import save_motion

    model = write_model(tmp_path / "models", "smplh", "neutral")
    m = articulated_motion(frames=10, actors=2)
    (src,) = save_motion(m, tmp_path / "swing.json")
    (tmp_path / "swing_poses.mesh").mkdir()
    (tmp_path / "swing_poses.mesh" / "frame_0042.obj").write_text("# an earlier, longer run\n")
    argv = [
        "render",
        str(src),
        "--out",
        str(tmp_path / "swing_poses.npz"),
        "--smpl",
        "--body-model",
        str(model),
    ]
    assert main([*argv, "--mesh"]) == 0, capsys.readouterr().err
    rest = rest_joints(model, "smplh", "neutral")
    for a, name in enumerate(("swing_poses", "swing_poses.actor1")):
        assert (tmp_path / f"{name}.npz").is_file()
        achieved = amass_arrays(m.joints[:, a], rest).max_error_m  # the bone lengths differ
        err = np.linalg.norm(_regressed(model, tmp_path / f"{name}.mesh", m.frames) - m.joints[:, a], axis=-1)
        assert err.max() <= achieved + 1e-4, (err.max(), achieved)
    capsys.readouterr()
    assert main([*argv[:-2], "--mesh"]) == 2  # a mesh needs the body model's file
    assert "--mesh poses a body model's mesh: give its file with --body-model" in capsys.readouterr().err
