"""AMASS: writer -> converter with the template and through smplx with synthetic body-model files."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import smplx
import torch
from sourcekit import CANON, assert_canonical_human, convert, resampled_reference, takes

from stickgen.core.config import ConvertConfig
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.amass import take_label
from stickgen.sources.base import ConversionError
from stickgen.sources.bodymodel import smpl_family_joints
from stickgen.sources.driver import run_conversion
from stickgen.sources.writers import write_amass
from stickgen.sources.writers.amass import amass_arrays
from stickgen.sources.writers.body_models import write_model
from stickgen.sources.writers.common import save_npz

_VERTEX_IDS = dict.fromkeys(
    ("nose", "reye", "leye", "rear", "lear", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
     "lthumb", "lindex", "lmiddle", "lring", "lpinky", "rthumb", "rindex", "rmiddle", "rring", "rpinky"),
    0,
)  # fmt: skip


@pytest.fixture(scope="module")
def body_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic SMPL-H (male, female) and SMPL-X (neutral) model files in the smplx layout."""
    root = tmp_path_factory.mktemp("body_models")
    write_model(root, "smplh", "male")
    write_model(root, "smplh", "female", ext="pkl")
    write_model(root, "smplx", "neutral")
    return root


@pytest.fixture(scope="module")
def amass_raw(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("amass")
    written = takes(4, 60.0)
    write_amass(root, written, seed=0)
    return root, written


def _smplx_forward(folder: Path, family: str, gender: str, ext: str, pose, trans, betas) -> np.ndarray:
    t = torch.tensor
    kw = {"use_pca": False, "ext": ext, "num_betas": len(betas), "batch_size": len(pose), "gender": gender}
    if family == "smplh":
        kw["vertex_ids"] = _VERTEX_IDS  # the synthetic SMPL-H has fewer vertices than smplx's defaults
    with contextlib.redirect_stdout(io.StringIO()):
        model = smplx.create(str(folder), model_type=family, **kw)
    f32 = torch.float32
    out = model(
        global_orient=t(pose[:, 0], dtype=f32),
        body_pose=t(pose[:, 1:].reshape(len(pose), -1), dtype=f32),
        betas=t(np.tile(betas, (len(pose), 1)), dtype=f32),
        transl=t(trans, dtype=f32),
    )
    return out.joints[:, :22].detach().numpy()


@pytest.mark.parametrize(
    ("family", "gender", "ext"),
    [("smplh", "male", "npz"), ("smplh", "female", "pkl"), ("smplx", "neutral", "npz")],
)
def test_joints_without_the_mesh_equal_the_full_smplx_forward_pass(
    body_models: Path, family: str, gender: str, ext: str
) -> None:
    rng = np.random.default_rng(3)
    pose, trans, betas = rng.normal(0, 0.5, (40, 22, 3)), rng.normal(0, 1, (40, 3)), rng.normal(0, 1, 10)
    ours, meta = smpl_family_joints(pose, trans, betas, gender, (family,), str(body_models))
    assert meta["body_model"] == family and meta["body_model_file"].startswith(f"{family}/")
    assert meta["body_model_file"].endswith(f".{ext}")
    np.testing.assert_allclose(
        ours, _smplx_forward(body_models, family, gender, ext, pose, trans, betas), atol=2e-5
    )


def test_template_round_trip_keeps_motion_sides_and_labels(amass_raw: tuple[Path, list]) -> None:
    raw, written = amass_raw
    clips, report = convert("amass", raw)
    assert report["rejected"] == 0 and report["items"] == 4
    assert {s["reason"] for s in report["skipped"]} == {"a body-shape file (no motion)"}
    groups = {c.group: c for c in clips}
    for k, take in enumerate(written):
        suffix = "_poses" if k % 2 == 0 else "_stageii"
        stem = f"{take.action}_{take.name}{suffix}"
        clip = groups[f"amass/StickgenSynth/S01/{stem}"]
        assert clip.id == f"{clip.group}#0-{clip.frames}" and clip.action == take.action
        assert len(set(clip.texts)) == 3 and all(take_label(stem) not in t for t in clip.texts)
        assert (
            clip.meta["body_model"] == "template" and clip.meta["surface_model"] == ("smplh", "smplx")[k % 2]
        )
        assert clip.meta["native_fps"] == 60.0 and clip.meta["up_axis"] == "z"
        assert clip.meta["gender"] == ("male", "female", "neutral")[k % 3]  # bytes or str in the file
        assert_canonical_human(clip)
        # the template has other proportions (so another floor height), but the pelvis moves with the
        # root translation itself: its path over the floor is the take's
        ref = resampled_reference(take, clip.frames)
        pelvis = JOINT_INDEX["pelvis"]
        np.testing.assert_allclose(clip.joints[:, 0, pelvis, [0, 2]], ref[:, 0, pelvis, [0, 2]], atol=0.02)


def test_smplx_body_models_are_used_and_flagged(amass_raw: tuple[Path, list], body_models: Path) -> None:
    raw, written = amass_raw
    clips, report = convert("amass", raw, body_models=str(body_models))
    assert report["rejected"] == 0
    used = {(c.meta["surface_model"], c.meta["gender"]): c.meta for c in clips}
    assert used["smplh", "male"]["body_model_file"] == "smplh/SMPLH_MALE.npz"
    # no female SMPL-X file: the neutral one
    assert used["smplx", "female"]["body_model_file"] == "smplx/SMPLX_NEUTRAL.npz"
    assert used["smplx", "female"]["body_model_gender"] == "neutral"
    # no neutral SMPL-H file: the template, flagged
    assert (
        used["smplh", "neutral"]["body_model"] == "template"
        and used["smplh", "neutral"]["body_model_missing"]
    )
    for clip in clips:
        assert_canonical_human(clip, heights=(1.2, 2.1))


def test_missing_model_family_falls_back_to_the_template_and_says_so(tmp_path: Path, amass_raw) -> None:
    raw, _ = amass_raw
    write_model(tmp_path, "smplx", "neutral")  # no SMPL-H at all
    clips, _ = convert("amass", raw, body_models=str(tmp_path))
    smplh = [c for c in clips if c.meta["surface_model"] == "smplh"]
    assert smplh and all(
        c.meta["body_model"] == "template" and "no smplh model" in c.meta["body_model_missing"] for c in smplh
    )


def test_a_body_models_setting_that_is_not_a_folder_fails_with_the_report(tmp_path: Path, amass_raw) -> None:
    raw, _ = amass_raw
    cfg = ConvertConfig(workers=1, max_reject_fraction=0.5, body_models=str(tmp_path / "nowhere"))
    with pytest.raises(ConversionError, match="a.report.json"):
        run_conversion("amass", raw, tmp_path / "a.pt", tmp_path / "a.report.json", CANON, cfg)
    assert "convert.body_models" in json.loads((tmp_path / "a.report.json").read_text())["error"]


def test_a_member_that_holds_no_array_is_rejected_naming_it(tmp_path: Path) -> None:
    """numpy hands back the raw bytes of a member that is not .npy data (the reason was "unexpected
    AttributeError: 'bytes' object has no attribute 'ndim'")."""
    import zipfile

    (take,) = takes(1, 60.0)
    save_npz(tmp_path / "Sub" / "S1" / "bad_poses.npz", amass_arrays(take, "smplh", "male"))
    with zipfile.ZipFile(tmp_path / "Sub" / "S1" / "bad_poses.npz", "a") as z:
        z.writestr("surface_model_type.npy", b"hello")
    clips, report = convert("amass", tmp_path)
    assert clips == [] and "`surface_model_type` is not an array" in report["rejects"][0]["reason"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda a: a.update(poses=a["poses"][:, :72]), "want (T, 156) SMPL-H or (T, 165) SMPL-X"),
        (lambda a: a.pop("mocap_framerate"), "no frame rate"),
        (lambda a: a.update(trans=np.full_like(a["trans"], np.nan)), "NaN"),
        (lambda a: a.update(trans=a["trans"][:-1]), "`trans` has shape"),
        (lambda a: a.pop("poses"), "not an AMASS motion file"),
        (lambda a: a.update(poses=a["poses"][:0], trans=a["trans"][:0]), "0 frames"),
        (lambda a: a.update(surface_model_type=np.array("smplx")), "disagrees"),
        # fields that were taken silently (the first of two rates; a gender nobody has: the neutral body)
        (lambda a: a.update(mocap_framerate=np.array([120.0, 60.0])), "`mocap_framerate` must be one number"),
        (lambda a: a.update(gender=np.array("alien")), "`gender` 'alien' is not one of male, female"),
        (lambda a: a.update(gender=np.array(5)), "`gender` '5' is not one of"),
        # values no motion in metres has: blamed before on the body's extent ("joints reach 0 m")
        (lambda a: a.update(trans=a["trans"] * 1e300), "e+300 m from the origin: corrupt values"),
    ],
)
def test_bad_motion_files_are_rejected_with_a_reason(tmp_path: Path, change, words: str) -> None:
    (take,) = takes(1, 60.0)
    arrays = amass_arrays(take, "smplh", "male")
    change(arrays)
    save_npz(tmp_path / "Sub" / "S1" / "bad_poses.npz", arrays)
    clips, report = convert("amass", tmp_path)
    assert clips == [] and len(report["rejects"]) == 1
    assert words in report["rejects"][0]["reason"] and "traceback" not in report["rejects"][0]
