"""HumanML3D: native writer -> converter round trip, caption rules, skipped mirrors, and `infer_action`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import walking_clip

from stickgen.core import canonical
from stickgen.core.config import CanonicalConfig, ConvertConfig
from stickgen.core.skeleton import FOOT_JOINTS, JOINT_INDEX, body_height, facing_yaw, is_upright, rotation_y
from stickgen.core.vocab import ACTIONS, infer_action
from stickgen.sources.driver import convert_dataset, run_conversion
from stickgen.sources.humanml3d import HumanML3DConverter, parse_caption_line
from stickgen.sources.writers import write_humanml3d

CANON = CanonicalConfig(fps=20.0, max_actors=2, window_s=10.0, stride_s=5.0)
INLINE = ConvertConfig(workers=1, max_reject_fraction=0.5)


def walking(seconds: float, fps: float = 20.0) -> np.ndarray:
    """The shared walking figure as one canonical take (T, 22, 3): feet on y = 0, facing +Z at frame 0."""
    joints = walking_clip(frames=int(round(seconds * fps)) + 1, fps=fps).joints[:, 0].astype(np.float64)
    joints[..., 1] -= joints[:, FOOT_JOINTS, 1].min()
    return joints


CAPTIONS = ["a person walks forward", "someone strolls ahead with the left arm swinging"]


def test_round_trip_keeps_joints_captions_ids_and_groups(tmp_path: Path) -> None:
    takes = [("000001", walking(4.0), CAPTIONS), ("000002", walking(6.0), ["a man walks"])]
    write_humanml3d(tmp_path / "raw", takes, split_seed=3)
    report = run_conversion(
        "humanml3d", tmp_path / "raw", tmp_path / "h.pt", tmp_path / "h.json", CANON, INLINE
    )
    assert report["rejected"] == 0 and report["clips"] == 2 and report["native_fps"] == [20.0]
    store = canonical.load(tmp_path / "h.pt")
    assert store.ids == ["humanml3d/000001#0-81", "humanml3d/000002#0-121"]
    for (name, joints, captions), clip in zip(takes, store, strict=True):
        assert clip.group == f"humanml3d/{name}" and clip.source == "humanml3d"
        assert clip.texts == captions and clip.action == "walk"
        assert np.abs(clip.joints[:, 0] - joints).max() < 1e-3  # within 1 mm
        assert clip.meta["native_fps"] == 20.0 and clip.meta["units"] == "m"
        assert clip.meta["derived_joints"] == [] and clip.meta["licence"].startswith("humanml3d")
        assert clip.meta["source_split"] in {"train", "val", "test"}
        assert clip.meta["source_frames"] == [0, joints.shape[0]]
        assert is_upright(clip.joints[:, 0]) and 1.5 <= body_height(clip.joints[:, 0]) <= 2.0


def test_a_take_facing_elsewhere_ends_up_facing_plus_z(tmp_path: Path) -> None:
    joints = walking(3.0)
    moved = joints @ rotation_y(np.pi / 2).T + np.array([2.0, 0.3, -5.0])  # faces +X, off the origin
    lw, pelvis = JOINT_INDEX["left_wrist"], JOINT_INDEX["pelvis"]
    assert moved[0, lw, 2] - moved[0, pelvis, 2] < -0.15  # before: the left hand is on the -Z side
    write_humanml3d(tmp_path / "raw", [("000007", moved, ["a person walks"])], split_seed=0)
    clips, _ = convert_dataset("humanml3d", tmp_path / "raw", CANON, INLINE)
    j = clips[0].joints[:, 0]
    assert abs(facing_yaw(j[0])) < 1e-4
    assert j[0, lw, 0] > 0.15  # the left wrist is on the figure's left (+X)
    np.testing.assert_allclose(j, joints, atol=1e-4)


def test_long_take_windows_with_stable_ids(tmp_path: Path) -> None:
    write_humanml3d(tmp_path / "raw", [("000010", walking(30.0), ["a person walks"])], split_seed=0)
    ids = [[c.id for c in convert_dataset("humanml3d", tmp_path / "raw", CANON, INLINE)[0]] for _ in range(2)]
    assert ids[0] == ids[1]
    assert ids[0] == [f"humanml3d/000010#{s}-{s + 200}" for s in (0, 100, 200, 300, 400, 401)]


def test_mirrored_copies_are_skipped_and_reported(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_humanml3d(raw, [("000001", walking(3.0), ["a person waves the left hand"])], 0, mirrored=True)
    assert "waves the right hand" in (raw / "texts/M000001.txt").read_text()
    np.save(raw / "new_joints/000099.npy", walking(2.0).astype(np.float32))  # on disk, not in all.txt
    clips, report = convert_dataset("humanml3d", raw, CANON, INLINE)
    assert [c.id for c in clips] == ["humanml3d/000001#0-61"] and report["items"] == 1
    skipped = {s["file"]: s["reason"] for s in report["skipped"]}
    assert "pre-mirrored copy of 000001" in skipped["new_joints/M000001.npy"]
    assert "not listed in all.txt" in skipped["new_joints/000099.npy"]


def test_without_all_txt_items_are_the_npy_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_humanml3d(
        raw, [("b", walking(2.0), ["x walks"]), ("a", walking(2.0), ["x runs"])], 0, mirrored=True
    )
    (raw / "all.txt").unlink()
    conv = HumanML3DConverter()
    assert [p.name for p in conv.list_items(raw)] == ["a.npy", "b.npy"]
    assert [s["file"] for s in conv.skipped_items(raw)] == ["new_joints/Ma.npy", "new_joints/Mb.npy"]


def test_caption_lines_whole_ranged_nan_and_invalid(tmp_path: Path) -> None:
    assert parse_caption_line("a man walks.#a/DET man/NOUN walk/VERB#0.0#0.0") == ("a man walks.", None, None)
    assert parse_caption_line("a man walks.#a/DET#nan#nan") == ("a man walks.", None, None)
    assert parse_caption_line("he jumps#he/PRON#2.5#6.0") == ("he jumps", 2.5, 6.0)
    for bad in ("no fields here", "#tokens#0.0#0.0", "x#t#abc#1.0", "x#t#5.0#2.0"):
        assert parse_caption_line(bad) is None, bad

    raw = tmp_path / "raw"
    write_humanml3d(raw, [("000001", walking(30.0), ["unused"])], split_seed=0)
    (raw / "texts/000001.txt").write_text(
        "a person moves around#a/DET#0.0#0.0\n"
        "then the person jumps#x/X#20.0#30.0\n"
        "broken line without fields\n"
    )
    clips, report = convert_dataset("humanml3d", raw, CANON, INLINE)
    by_window = {c.id.split("#")[1]: c for c in clips}
    assert by_window["0-200"].texts == ["a person moves around"]
    assert by_window["0-200"].action == "unknown"
    assert by_window["400-600"].texts == ["a person moves around", "then the person jumps"]
    assert by_window["400-600"].action == "jump"
    assert clips[0].meta["ignored_text_lines"] == 1


def test_files_a_spreadsheet_or_windows_editor_saved_read_as_the_originals(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark (Excel's CSV, Notepad) on index.csv, a split file and a caption file, and
    Windows line ends: the same clips and captions (before: the first caption began with an invisible
    U+FEFF). A caption file in another encoding is quarantined with its reason, the others kept."""
    takes = [("000001", walking(3.0), CAPTIONS), ("000002", walking(3.0), ["a man walks"])]
    for name in ("plain", "marked"):
        write_humanml3d(tmp_path / name, takes, split_seed=3)
    marked = tmp_path / "marked"
    for path in [marked / "index.csv", marked / "all.txt", *sorted((marked / "texts").glob("*.txt"))]:
        if path.is_file():
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    plain, report = convert_dataset("humanml3d", tmp_path / "plain", CANON, INLINE)
    same, report = convert_dataset("humanml3d", marked, CANON, INLINE)
    assert report["rejected"] == 0 and [c.texts for c in same] == [c.texts for c in plain] == [
        CAPTIONS,
        ["a man walks"],
    ]
    assert all(np.array_equal(a.joints, b.joints) for a, b in zip(plain, same, strict=True))
    (marked / "texts/000002.txt").write_bytes("a man walks to the caf\u00e9#x#0.0#0.0\n".encode("latin-1"))
    kept, report = convert_dataset("humanml3d", marked, CANON, INLINE)
    assert [c.group for c in kept] == ["humanml3d/000001"]
    assert "cannot read texts/000002.txt: 'utf-8' codec can't decode" in report["rejects"][0]["reason"]


def test_text_file_without_valid_line_rejects_the_motion(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_humanml3d(raw, [("000001", walking(2.0), ["a"]), ("000002", walking(2.0), ["b"])], split_seed=0)
    (raw / "texts/000002.txt").write_text("garbage\n\n")
    _, report = convert_dataset("humanml3d", raw, CANON, INLINE)
    assert report["rejects"] == [
        {
            "file": "new_joints/000002.npy",
            "reason": "new_joints/000002.npy: texts/000002.txt has no valid `caption#tokens#start#end` line "
            "(1 invalid)",
        }
    ]


def test_writer_split_is_deterministic_and_complete(tmp_path: Path) -> None:
    takes = [(f"{i:06d}", walking(1.0), ["a person walks"]) for i in range(10)]
    for d in ("a", "b"):
        write_humanml3d(tmp_path / d, takes, split_seed=11)
    splits = {s: (tmp_path / "a" / f"{s}.txt").read_text().split() for s in ("train", "val", "test")}
    assert all((tmp_path / "b" / f"{s}.txt").read_text().split() == v for s, v in splits.items())
    assert sorted(sum(splits.values(), [])) == [n for n, _, _ in takes]
    assert len(splits["val"]) == 1 and len(splits["test"]) == 1
    line = (tmp_path / "a/texts/000000.txt").read_text()
    assert line == "a person walks#a/DET person/NOUN walks/X#0.0#0.0\n"
    with pytest.raises(ValueError, match="#"):
        write_humanml3d(tmp_path / "c", [("x", walking(1.0), ["bad#caption"])], split_seed=0)


@pytest.mark.parametrize(
    ("texts", "action"),
    [
        (["a person walks forward"], "walk"),
        (["A man is Walking in a circle"], "walk"),
        (["a man jogs in place"], "run"),
        (["the person ran to the left"], "run"),
        (["someone hops on one leg"], "jump"),
        (["a person waves with the right hand"], "wave"),
        (["a person claps"], "clap"),
        (["the person sits down on a chair"], "sit_down"),
        (["a person gets up from the floor"], "stand_up"),
        (["a person kicks with the left foot"], "kick"),
        (["a person is boxing"], "punch"),
        (["a person picks up a box"], "pick_up"),
        (["a person picks the bag up"], "pick_up"),
        (["someone is dancing"], "dance"),
        (["two people shake hands"], "handshake"),
        (["they give each other a high five"], "high_five"),
        (["a person hugs a friend"], "hug"),
        (["a person pushes a cart"], "push"),
        (["a person does push-ups"], "unknown"),
        (["he throws a ball"], "throw"),
        (["the man bows"], "bow"),
        (["a person turns around"], "turn"),
        (["a person squats"], "crouch"),
        (["a person stretches the arms"], "stretch"),
        (["a person falls down"], "fall"),
        (["a person points forward"], "point"),
        (["a person drinks from a cup"], "drink"),
        (["a person steps onto the sidewalk"], "unknown"),
        ([], "unknown"),
        (["a person walks forward then turns around"], "walk"),  # first mention wins in a caption
        (["a person runs", "a person walks", "someone walks slowly"], "walk"),  # majority of captions
        (["a person kicks", "a person punches"], "kick"),  # a tie goes to the earlier caption
        (["he steps onto the kerb", "a person jumps"], "jump"),  # captions without a keyword do not vote
    ],
)
def test_infer_action(texts: list[str], action: str) -> None:
    assert infer_action(texts) == action
    assert infer_action(texts) in ACTIONS
