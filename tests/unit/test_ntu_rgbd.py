"""NTU RGB+D: Kinect v2 `.skeleton` files -> one- or two-actor clips with class labels."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sourcekit import assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.core.vocab import ACTION_INDEX
from stickgen.sources.kinect import NUM_KINECT
from stickgen.sources.ntu_classes import CLASSES, WRITER_CLASSES, class_for_action
from stickgen.sources.writers import write_ntu_rgbd
from stickgen.sources.writers.kinect import smpl_to_kinect, to_camera
from stickgen.sources.writers.ntu_rgbd import sample_name, skeleton_text


def test_class_table_has_the_120_official_classes_with_vocabulary_actions() -> None:
    assert sorted(CLASSES) == list(range(1, 121))
    assert CLASSES[1].name == "drink water" and CLASSES[58].name == "handshaking" and CLASSES[120].mutual
    assert all(c.action in ACTION_INDEX for c in CLASSES.values())
    assert {c.number for c in CLASSES.values() if c.mutual} == set(range(50, 61)) | set(range(106, 121))


@pytest.mark.parametrize(
    ("number", "action"),
    [
        (2, "eat"),  # eat meal/snack
        (11, "read"),  # reading
        (22, "celebrate"),  # cheer up
        (28, "talk"),  # make a phone call/answer phone
        (30, "type"),  # typing on a keyboard
        (63, "shooting"),  # shoot at the basket
        (64, "dribbling"),  # bounce ball
        (65, "batting"),  # tennis bat swing
        (107, "fight"),  # wield knife towards other person
        (117, "whisper"),  # whisper in other person's ear
        (12, "other"),  # writing: no nearer word
        (29, "other"),  # playing with phone/tablet
        (113, "drink"),  # cheers and drink stays a drink
        (114, "other"),  # carry something with other person
        (112, "high_five"),
        (43, "fall"),
    ],
)
def test_classes_map_to_the_newer_actions_where_they_name_one(number: int, action: str) -> None:
    assert CLASSES[number].action == action


def test_writer_classes_are_classes_of_their_own_action_and_actor_count() -> None:
    for (action, mutual), number in WRITER_CLASSES.items():
        cls = class_for_action(action, mutual)
        assert cls is not None and cls.number == number and cls.action == action and cls.mutual == mutual
    assert class_for_action("whisper", True).number == 117 and class_for_action("batting", False) is None


def test_single_and_two_person_files_convert_with_the_main_bodies(tmp_path: Path) -> None:
    singles = takes(3, 30.0, actions=("wave", "clap", "kick"))
    pairs = takes(1, 30.0, actors=2)
    written = singles + pairs
    write_ntu_rgbd(tmp_path, written, seed=0, spurious_every=3)  # file 0 also tracks a spurious body
    clips, report = convert("ntu_rgbd", tmp_path)
    assert report["rejected"] == 0 and report["native_fps"] == [30.0]
    by_group = {c.group: c for c in clips}
    for k, take in enumerate(written):
        cls = class_for_action(take.action, mutual=take.actors == 2)
        clip = by_group[f"ntu_rgbd/{sample_name(k, cls.number)}"]
        assert clip.actors == take.actors and clip.action == cls.action
        assert clip.meta["ntu_class"] == cls.code and clip.meta["ntu_class_name"] == cls.name
        assert len(set(clip.texts)) == 3 and all(cls.phrase in t for t in clip.texts)
        assert clip.meta["dropped_bodies"] == (1 if k == 0 else 0)
        assert_canonical_human(clip)
        # a file has no actor order: the converter puts the body tracked longest, then the one that moves
        # more, first (`select_actors`), and the canonical frame follows that actor
        orders = [take] if take.actors == 1 else [take, replace(take, joints=take.joints[:, ::-1])]
        assert min(max_error(clip.joints, resampled_reference(t, clip.frames)) for t in orders) < 0.005


def _file(tmp_path: Path, name: str, bodies, n_frames: int) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{name}.skeleton"
    path.write_text(skeleton_text(bodies, n_frames))
    return path


def test_gaps_are_interpolated_and_the_common_span_kept(tmp_path: Path) -> None:
    (take,) = takes(1, 30.0, actions=("wave",))
    kin = to_camera(smpl_to_kinect(take.joints[:, 0]), take.joints[0, 0, 0], 0.3)
    frames = np.array([f for f in range(take.frames) if f not in (10, 11, 12)])  # lost for 3 frames
    _file(tmp_path, "S001C001P001R001A023", [(7, frames, kin[frames])], take.frames)
    (clip,) = convert("ntu_rgbd", tmp_path)[0]
    assert clip.meta["interpolated_frames"] == 3
    ref = resampled_reference(take, clip.frames)
    away = [f for f in range(clip.frames) if not 5 <= f <= 9]  # canonical frames near native 10-12
    assert max_error(clip.joints[away], ref[away]) < 0.005
    assert max_error(clip.joints, ref) < 0.12  # a straight line through the gap (a waving hand bows from it)


@pytest.mark.parametrize(
    ("name", "bodies", "words"),
    [
        ("S001C001P001R001A023", [], "no body is tracked"),
        ("S001C001P001R001A058", "one", "two-person action, but only 1 body"),
        ("S001C001P001R001A999", "one", "not one of A001-A120"),
        ("not_an_ntu_name", "one", "not an NTU sample name"),
    ],
)
def test_unusable_files_are_rejected_with_the_reason(tmp_path: Path, name: str, bodies, words: str) -> None:
    (take,) = takes(1, 30.0, actions=("wave",))
    kin = to_camera(smpl_to_kinect(take.joints[:, 0]), take.joints[0, 0, 0], 0.0)
    body = [(5, np.arange(take.frames), kin)] if bodies == "one" else []
    _file(tmp_path, name, body, take.frames)
    clips, report = convert("ntu_rgbd", tmp_path)
    assert not clips and words in report["rejects"][0]["reason"]


def test_truncated_or_wrong_joint_count_files_are_rejected(tmp_path: Path) -> None:
    (take,) = takes(1, 30.0, actions=("wave",))
    kin = to_camera(smpl_to_kinect(take.joints[:, 0]), take.joints[0, 0, 0], 0.0)
    text = skeleton_text([(5, np.arange(take.frames), kin)], take.frames)
    (tmp_path / "S001C001P001R001A023.skeleton").write_text(text[: len(text) // 2])
    (tmp_path / "S001C001P001R002A023.skeleton").write_text(text.replace(f"\n{NUM_KINECT}\n", "\n24\n", 1))
    (tmp_path / "samples_with_missing_skeletons.txt").write_text("S001C001P001R003A023\n")
    (tmp_path / "S001C001P001R003A023.skeleton").write_text("0\n")
    clips, report = convert("ntu_rgbd", tmp_path)
    reasons = {r["file"]: r["reason"] for r in report["rejects"]}
    assert not clips and len(reasons) == 2
    assert "truncated" in reasons["S001C001P001R001A023.skeleton"]
    assert "24 joints, a Kinect v2 body has 25" in reasons["S001C001P001R002A023.skeleton"]
    assert report["skipped"][0]["reason"] == "listed in samples_with_missing_skeletons.txt"
