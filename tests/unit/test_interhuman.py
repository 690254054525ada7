"""InterHuman: two-person SMPL-X pickles (Z up) + annotation files -> two-actor clips."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sourcekit import assert_canonical_human, convert, resampled_reference, takes

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.sources.writers import write_interhuman
from stickgen.sources.writers.body_models import write_model


@pytest.fixture(scope="module")
def pairs() -> list:
    return takes(3, 59.94, actors=2, seconds=(3.0, 4.0))


def test_two_actor_clips_keep_both_people_their_placement_and_captions(tmp_path: Path, pairs: list) -> None:
    write_interhuman(tmp_path, pairs, seed=0)
    (tmp_path / "ignore_list.txt").write_text("1002\n")
    clips, report = convert("interhuman", tmp_path)
    assert report["rejected"] == 0 and report["skipped"] == [
        {"file": "motions/1002.pkl", "reason": "listed in ignore_list.txt"}
    ]
    by_id = {c.group: c for c in clips}
    for name, take in (("1001", pairs[0]), ("1003", pairs[2])):
        clip = by_id[f"interhuman/{name}"]
        assert clip.actors == 2 and clip.texts == take.texts and clip.action == take.action
        assert clip.meta["fps_source"].startswith("assumed") and clip.meta["native_fps"] == 59.94
        assert clip.meta["body_model"] == "template" and clip.meta["source_split"] in {"train", "val", "test"}
        assert_canonical_human(clip)
        # the people stay where they were relative to each other (pelvis paths over the floor)
        ref = resampled_reference(take, clip.frames)
        p = JOINT_INDEX["pelvis"]
        np.testing.assert_allclose(clip.joints[:, :, p, [0, 2]], ref[:, :, p, [0, 2]], atol=0.02)


def test_stored_frame_rate_and_smplx_model_are_used(tmp_path: Path, pairs: list) -> None:
    raw = tmp_path / "raw"
    write_interhuman(raw, pairs[:1], seed=0)
    path = raw / "motions" / "1001.pkl"
    data = pickle.loads(path.read_bytes())
    data["mocap_framerate"] = 30.0  # a file that says its rate: used as is
    path.write_bytes(pickle.dumps(data))
    write_model(tmp_path / "models", "smplx", "neutral")
    (clip,) = convert("interhuman", raw, body_models=str(tmp_path / "models"))[0]
    assert clip.meta["native_fps"] == 30.0 and clip.meta["fps_source"] == "file"
    assert clip.meta["body_model"] == "smplx"
    assert clip.frames == int(np.floor((pairs[0].frames - 1) / 30.0 * 20.0 + 1e-6)) + 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda d: d["person2"].update(
                trans=d["person2"]["trans"][:-5],
                root_orient=d["person2"]["root_orient"][:-5],
                pose_body=d["person2"]["pose_body"][:-5],
            ),
            "person1 has",
        ),
        (lambda d: d.pop("person2"), "person1 and person2"),
        (lambda d: d["person1"].update(pose_body=d["person1"]["pose_body"][:, :60]), "`pose_body` has shape"),
        (lambda d: d["person1"]["trans"].__setitem__((3, 1), np.nan), "NaN"),
    ],
)
def test_bad_motions_are_rejected(tmp_path: Path, pairs: list, change, words: str) -> None:
    write_interhuman(tmp_path, pairs[:1], seed=0)
    path = tmp_path / "motions" / "1001.pkl"
    data = pickle.loads(path.read_bytes())
    change(data)
    path.write_bytes(pickle.dumps(data))
    clips, report = convert("interhuman", tmp_path)
    assert not clips and words in report["rejects"][0]["reason"]


def test_missing_annotation_and_hostile_pickle_are_rejected(tmp_path: Path, pairs: list) -> None:
    write_interhuman(tmp_path, pairs[:2], seed=0)
    (tmp_path / "annots" / "1001.txt").unlink()

    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    (tmp_path / "motions" / "1002.pkl").write_bytes(pickle.dumps({"person1": Evil(), "person2": {}}))
    clips, report = convert("interhuman", tmp_path)
    reasons = {r["file"]: r["reason"] for r in report["rejects"]}
    assert not clips and "no caption file annots/1001.txt" in reasons["motions/1001.pkl"]
    assert "builtins.print is not allowed" in reasons["motions/1002.pkl"]
