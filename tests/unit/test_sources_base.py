"""The shared conversion driver (`stickgen.sources.base`): takes -> clips, rejects, reports, parallelism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import walking_clip

import stickgen.sources as sources
from stickgen.core import canonical
from stickgen.core.config import CanonicalConfig, ConvertConfig
from stickgen.core.skeleton import FOOT_JOINTS, JOINT_INDEX, facing_yaw, rotation_y
from stickgen.sources.base import ConversionError, Converter, SourceError, Take, check_take, takes_to_clips
from stickgen.sources.driver import convert_dataset, run_conversion
from stickgen.sources.writers import write_humanml3d

CANON = CanonicalConfig(fps=20.0, max_actors=2, window_s=10.0, stride_s=5.0)
INLINE = ConvertConfig(workers=1, max_reject_fraction=0.5)


def walking(seconds: float, fps: float = 20.0) -> np.ndarray:
    """The shared walking figure as one canonical take (T, 22, 3): feet on y = 0, facing +Z at frame 0."""
    joints = walking_clip(frames=int(round(seconds * fps)) + 1, fps=fps).joints[:, 0].astype(np.float64)
    joints[..., 1] -= joints[:, FOOT_JOINTS, 1].min()
    return joints


def take_of(joints: np.ndarray, fps: float = 20.0, path: str = "t1", **kw) -> Take:
    kw.setdefault("texts", ["a person walks forward"])
    kw.setdefault("action", "walk")
    return Take(path=path, joints=joints[:, None], fps=fps, **kw)


BAD_REASONS = {  # broken motion name -> words its reject reason must contain
    "bad_corrupt": "not a .npy file",
    "bad_truncated": "cannot be read",
    "bad_nan": "not finite",
    "bad_shape": "(T, 22, 3)",
    "bad_empty": "0 frames",
    "bad_notext": "no caption file",
    "bad_missing": "missing",
}


def write_dataset(root: Path, n_good: int, seconds: float = 4.0, with_bad: bool = False) -> list[str]:
    """A HumanML3D folder of `n_good` walking takes (+ the seven broken ones of BAD_REASONS, all listed
    in all.txt); returns the good names."""
    good = [f"{i:06d}" for i in range(n_good)]
    takes = [(n, walking(seconds + i * 0.5), ["a person walks forward"]) for i, n in enumerate(good)]
    if with_bad:
        takes += [(n, walking(3.0), ["a person walks"]) for n in BAD_REASONS]
    write_humanml3d(root, takes, split_seed=0)
    if with_bad:
        j = root / "new_joints"
        (j / "bad_corrupt.npy").write_bytes(np.random.default_rng(0).bytes(2000))
        data = (j / "bad_truncated.npy").read_bytes()
        (j / "bad_truncated.npy").write_bytes(data[: len(data) // 2])
        np.save(j / "bad_nan.npy", np.full((40, 22, 3), np.nan, dtype=np.float32))
        np.save(j / "bad_shape.npy", walking(2.0)[:, :21].astype(np.float32))
        np.save(j / "bad_empty.npy", np.zeros((0, 22, 3), dtype=np.float32))
        (root / "texts" / "bad_notext.txt").unlink()
        (j / "bad_missing.npy").unlink()
    return good


# --- takes -> clips ---------------------------------------------------------------------------------


def test_short_take_is_one_clip_with_stable_id_and_group() -> None:
    joints = walking(4.0)
    (clip,) = takes_to_clips("ds", take_of(joints, path="sub/take1"), CANON)
    assert clip.id == "ds/sub/take1#0-81"
    assert clip.group == "ds/sub/take1" and clip.source == "ds" and clip.action == "walk"
    np.testing.assert_allclose(clip.joints[:, 0], joints, atol=1e-5)  # already canonical: unchanged


def test_long_take_is_windowed_and_each_window_is_canonical() -> None:
    joints = walking(30.0)  # 601 frames at 20 fps
    clips = takes_to_clips("ds", take_of(joints, path="long"), CANON)
    assert [c.id for c in clips] == [f"ds/long#{s}-{s + 200}" for s in (0, 100, 200, 300, 400)] + [
        "ds/long#401-601"
    ]
    assert {c.group for c in clips} == {"ds/long"}
    for c in clips:
        assert c.frames == 200
        assert np.allclose(c.joints[0, 0, 0, [0, 2]], 0.0, atol=1e-5)  # root at the origin at frame 0
        assert abs(facing_yaw(c.joints[0, 0])) < 1e-5


def test_resampling_keeps_duration_and_interpolates_in_time() -> None:
    take = take_of(walking(5.0, fps=60.0), fps=60.0)  # 301 frames at 60 fps
    (clip,) = takes_to_clips("ds", take, CANON)
    assert clip.frames == 101  # 5 s at 20 fps
    np.testing.assert_allclose(clip.joints[:, 0], walking(5.0, fps=20.0), atol=1e-5)


def test_rotated_and_translated_take_faces_plus_z_with_left_wrist_on_plus_x() -> None:
    joints = walking(3.0)
    moved = joints @ rotation_y(np.pi / 2).T + np.array([3.0, 0.4, -2.0])
    (clip,) = takes_to_clips("ds", take_of(moved), CANON)
    np.testing.assert_allclose(clip.joints[:, 0], joints, atol=1e-4)
    assert clip.joints[0, 0, JOINT_INDEX["left_wrist"], 0] > 0.15


def test_time_ranged_captions_apply_to_overlapping_windows_only() -> None:
    segments = [(0.0, 10.0, "a person walks forward"), (20.0, 30.0, "a person jumps up and down")]
    take = take_of(walking(30.0), texts=[], action="unknown", segments=segments)
    clips = {c.id.split("#")[1]: c for c in takes_to_clips("ds", take, CANON)}
    assert set(clips) == {
        "0-200",
        "100-300",
        "300-500",
        "400-600",
        "401-601",
    }  # 200-400 has no caption: dropped
    assert clips["100-300"].texts == ["a person walks forward"] and clips["100-300"].action == "walk"
    assert clips["401-601"].texts == ["a person jumps up and down"] and clips["401-601"].action == "jump"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"joints": np.full((10, 1, 22, 3), np.nan)}, "not finite"),
        ({"joints": np.zeros((0, 1, 22, 3))}, "0 frames"),
        ({"joints": np.zeros((10, 1, 21, 3))}, "(T, A, 22, 3)"),
        ({"joints": np.zeros((10, 3, 22, 3))}, "max_actors"),
        ({"joints": walking(1.0)[:, None] * 100.0}, "wrong units"),
        ({"texts": [" "]}, "caption"),
        ({"action": "teleport"}, "vocabulary"),
        ({"fps": 0.0}, "fps"),
    ],
)
def test_check_take_rejects_bad_takes_with_a_reason(change: dict, words: str) -> None:
    take = take_of(walking(1.0))
    for key, value in change.items():
        setattr(take, key, value)
    with pytest.raises(SourceError) as info:
        check_take(take, max_actors=2)
    assert words in str(info.value) and "t1" in str(info.value)


# --- whole datasets -----------------------------------------------------------------------------------


def test_bad_files_are_rejected_with_reasons_while_good_files_convert(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    good = write_dataset(raw, 7, with_bad=True)
    report = run_conversion("humanml3d", raw, tmp_path / "out.pt", tmp_path / "out.json", CANON, INLINE)
    assert report["items"] == 14 and report["converted"] == 7 and report["rejected"] == 7
    assert report["reject_fraction"] == 0.5  # == max_reject_fraction: still passes
    reasons = {Path(r["file"]).stem: r["reason"] for r in report["rejects"]}
    assert set(reasons) == set(BAD_REASONS)
    for name, words in BAD_REASONS.items():
        assert words in reasons[name], (name, reasons[name])
    store = canonical.load(tmp_path / "out.pt")
    assert {store.clip(i).group for i in range(len(store))} == {f"humanml3d/{n}" for n in good}
    assert json.loads((tmp_path / "out.json").read_text()) == report


def test_too_many_rejects_fail_after_writing_the_report(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_dataset(raw, 7, with_bad=True)
    out_pt, out_json = tmp_path / "out.pt", tmp_path / "out.report.json"
    out_pt.write_bytes(b"stale")
    strict = ConvertConfig(workers=1, max_reject_fraction=0.4)
    with pytest.raises(ConversionError, match="out.report.json") as info:
        run_conversion("humanml3d", raw, out_pt, out_json, CANON, strict)
    assert "7 of 14" in str(info.value)
    report = json.loads(out_json.read_text())
    assert report["rejected"] == 7 and report["error"] and len(report["rejects"]) == 7
    assert not out_pt.exists()  # no stale canonical file survives a failed run


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_missing_or_empty_raw_folder_is_a_clear_error(tmp_path: Path, make: str) -> None:
    raw = tmp_path / "raw"
    if make == "empty":
        raw.mkdir()
    with pytest.raises(ConversionError, match="report") as info:
        run_conversion("humanml3d", raw, tmp_path / "o.pt", tmp_path / "o.json", CANON, INLINE)
    assert str(raw) in str(info.value)
    assert json.loads((tmp_path / "o.json").read_text())["error"]


def test_parallel_and_inline_give_identical_output_and_bytes_are_stable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stickgen.sources.driver as driver

    monkeypatch.setattr(driver, "MIN_ITEMS_PER_WORKER", 1)  # a real pool even for a small folder
    raw = tmp_path / "raw"
    write_dataset(raw, 5, seconds=12.0, with_bad=True)  # long enough to window
    lenient = ConvertConfig(workers=1, max_reject_fraction=0.9)
    parallel = ConvertConfig(workers=2, max_reject_fraction=0.9)
    rep1 = run_conversion(
        "humanml3d", raw, tmp_path / "a/humanml3d.pt", tmp_path / "a/r.json", CANON, lenient
    )
    rep2 = run_conversion(
        "humanml3d", raw, tmp_path / "b/humanml3d.pt", tmp_path / "b/r.json", CANON, parallel
    )
    assert rep1 == rep2
    assert (tmp_path / "a/humanml3d.pt").read_bytes() == (tmp_path / "b/humanml3d.pt").read_bytes()
    ids = canonical.load(tmp_path / "a/humanml3d.pt").ids
    assert len(ids) > 5 and "humanml3d/000000#0-200" in ids


class _BrokenConverter(Converter):
    name = "broken"

    def list_items(self, raw_dir: Path) -> list[Path]:
        return sorted(raw_dir.glob("*.bin"))

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        raise RuntimeError("decoder bug")


def test_an_unexpected_converter_error_is_a_reject_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sources._CONVERTERS, "broken", _BrokenConverter)
    (tmp_path / "x.bin").write_bytes(b"")
    clips, report = convert_dataset("broken", tmp_path, CANON, INLINE)
    assert clips == [] and report["rejected"] == 1
    assert report["rejects"][0]["reason"] == "unexpected RuntimeError: decoder bug"
    assert "Traceback" in report["rejects"][0]["traceback"]


def test_registry_knows_humanml3d_and_names_unknown_datasets() -> None:
    assert "humanml3d" in sources.known_datasets()
    assert sources.get_converter("humanml3d").name == "humanml3d"
    with pytest.raises(ValueError, match=r"unsupported dataset \[nope\]; known: \[.*'humanml3d'"):
        sources.get_converter("nope")
