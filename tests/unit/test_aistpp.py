"""AIST++: SMPL motion pickles (60 fps, Y up, scaled translation) -> dance clips with the genre."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from sourcekit import assert_canonical_human, convert, resampled_reference, takes

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.writers import write_aistpp
from stickgen.sources.writers.aistpp import motion_name
from stickgen.sources.writers.body_models import write_model


def test_genre_style_captions_and_scaled_translation(tmp_path: Path) -> None:
    written = takes(3, 60.0, actions=("dance",))
    write_aistpp(tmp_path, written, seed=0)
    (tmp_path / "ignore_list.txt").write_text(f"{motion_name(1)}\n")
    clips, report = convert("aistpp", tmp_path)
    assert report["rejected"] == 0 and report["skipped"][0]["file"] == f"motions/{motion_name(1)}.pkl"
    by_group = {c.group: c for c in clips}
    for k in (0, 2):
        clip = by_group[f"aistpp/{motion_name(k)}"]
        genre = ("break", "pop", "lock")[k]
        assert clip.style == genre and clip.action == "dance" and clip.meta["genre"] == genre
        assert len(set(clip.texts)) == 3 and all(genre in t for t in clip.texts)
        assert clip.meta["smpl_scaling"] == 90.0 + 2.5 * k and clip.meta["body_model"] == "template"
        assert_canonical_human(clip)
        ref = resampled_reference(written[k], clip.frames)  # metres = smpl_trans / smpl_scaling
        p = JOINT_INDEX["pelvis"]
        np.testing.assert_allclose(clip.joints[:, 0, p, [0, 2]], ref[:, 0, p, [0, 2]], atol=0.02)


def test_smpl_body_model_is_used_when_given(tmp_path: Path) -> None:
    write_aistpp(tmp_path / "raw", takes(1, 60.0, actions=("dance",)), seed=0)
    write_model(tmp_path / "models", "smpl", "neutral", ext="pkl")
    (clip,) = convert("aistpp", tmp_path / "raw", body_models=str(tmp_path / "models"))[0]
    assert clip.meta["body_model"] == "smpl" and clip.meta["body_model_file"] == "smpl/SMPL_NEUTRAL.pkl"
    assert_canonical_human(clip)


def test_bad_names_and_contents_are_rejected(tmp_path: Path) -> None:
    write_aistpp(tmp_path, takes(1, 60.0, actions=("dance",)), seed=0)
    folder = tmp_path / "motions"
    good = pickle.loads((folder / f"{motion_name(0)}.pkl").read_bytes())
    (folder / "not_an_aist_name.pkl").write_bytes(pickle.dumps(good))
    (folder / "gXX_sBM_cAll_d01_mXX0_ch01.pkl").write_bytes(pickle.dumps(good))
    (folder / "gPO_sBM_cAll_d01_mPO0_ch02.pkl").write_bytes(
        pickle.dumps({**good, "smpl_scaling": np.array([0.0])})
    )
    (folder / "gPO_sBM_cAll_d01_mPO0_ch03.pkl").write_bytes(pickle.dumps([1, 2, 3]))
    (folder / "gPO_sBM_cAll_d01_mPO0_ch05.pkl").write_bytes(
        pickle.dumps({**good, "smpl_scaling": np.array([np.nan])})
    )
    (folder / "gPO_sBM_cAll_d01_mPO0_ch04.pkl").write_bytes(
        pickle.dumps({**good, "smpl_poses": good["smpl_poses"][:, :69]})
    )
    clips, report = convert("aistpp", tmp_path)
    reasons = {r["file"].split("/")[1]: r["reason"] for r in report["rejects"]}
    assert len(clips) == 1 and len(reasons) == 6
    assert "not an AIST++ motion name" in reasons["not_an_aist_name.pkl"]
    assert "not an AIST++ motion name" in reasons["gXX_sBM_cAll_d01_mXX0_ch01.pkl"]
    assert "must be > 0" in reasons["gPO_sBM_cAll_d01_mPO0_ch02.pkl"]
    assert "not a dict" in reasons["gPO_sBM_cAll_d01_mPO0_ch03.pkl"]
    assert "`smpl_poses` has shape" in reasons["gPO_sBM_cAll_d01_mPO0_ch04.pkl"]
    assert "`smpl_scaling` has 1 NaN or infinite" in reasons["gPO_sBM_cAll_d01_mPO0_ch05.pkl"]  # was `s`
