"""The canonical store contract (docs/architecture.md, "Canonical data")."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
import torch
from helpers import walking_clip

from stickgen.core import canonical
from stickgen.core.canonical import CanonicalFormatError, Clip


def _clips() -> list[Clip]:
    rng = np.random.default_rng(0)
    clips = [walking_clip(f"test/take{i}#0-{30 + i}", frames=30 + i) for i in range(5)]
    two = walking_clip("test/pair#0-25", frames=25, actors=2, action="handshake", texts=["two people meet"])
    clips.append(two)
    for c in clips:  # sub-millimetre noise, so rounding is really exercised
        c.joints = c.joints + rng.normal(0, 0.003, c.joints.shape).astype(np.float32)
    return clips


def test_round_trip_within_one_millimetre(tmp_path) -> None:
    clips = _clips()
    canonical.save(clips, tmp_path / "c.pt", fps=20.0, max_actors=2)
    store = canonical.load(tmp_path / "c.pt")
    assert len(store) == len(clips) and store.fps == 20.0 and store.kind == "canonical"
    for orig, back in zip(clips, store, strict=True):
        assert back.id == orig.id and back.texts == orig.texts and back.action == orig.action
        assert back.group == orig.group and back.joints.shape == orig.joints.shape
        assert np.abs(back.joints - orig.joints).max() <= 0.001


def test_at_most_150_bytes_per_frame_per_actor(tmp_path) -> None:
    long = [walking_clip(f"test/long{i}#0-2000", frames=2000) for i in range(4)]
    canonical.save(long, tmp_path / "c.pt", fps=20.0)
    size = (tmp_path / "c.pt").stat().st_size
    assert size / (4 * 2000) <= 150, size / 8000


def test_loads_memory_mapped_with_weights_only(tmp_path) -> None:
    canonical.save(_clips(), tmp_path / "c.pt", fps=20.0, max_actors=2)
    data = torch.load(tmp_path / "c.pt", weights_only=True, mmap=True)
    assert data["format"] == canonical.FORMAT and data["offsets"].dtype == torch.int16
    store = canonical.load(tmp_path / "c.pt")  # the library path uses the same safe, mapped load
    np.testing.assert_array_equal(store.data["root"].numpy(), data["root"].numpy())


def test_other_format_version_is_a_clear_error(tmp_path) -> None:
    data = canonical.encode_clips(_clips(), fps=20.0)
    data["version"] = canonical.FORMAT_VERSION + 1
    torch.save(data, tmp_path / "v2.pt")
    with pytest.raises(CanonicalFormatError, match="version 2.*re-run the converter"):
        canonical.load(tmp_path / "v2.pt")


def test_foreign_and_corrupt_files_are_clear_errors(tmp_path) -> None:
    torch.save({"hello": 1}, tmp_path / "foreign.pt")
    with pytest.raises(CanonicalFormatError, match="not a canonical file"):
        canonical.load(tmp_path / "foreign.pt")
    (tmp_path / "junk.pt").write_bytes(b"\x00garbage" * 10)
    canonical.save([walking_clip()], tmp_path / "whole.pt", fps=20.0)
    (tmp_path / "cut.pt").write_bytes((tmp_path / "whole.pt").read_bytes()[:200])
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "folder.pt").mkdir()
    torch.save({"where": pathlib.PurePosixPath("x")}, tmp_path / "object.pt")
    for name, reason in (
        ("junk.pt", "not a file torch.save wrote"),
        ("cut.pt", "its zip archive is damaged or cut short"),
        ("empty.pt", "the file is empty"),
        ("folder.pt", "Is a directory"),
        ("object.pt", r"it holds more than tensors and plain values \(.*PurePosixPath"),
    ):
        # one line naming the file and why, without torch's advice to load unsafely
        said = f"{name}: cannot be read as a canonical file: {reason}"
        with pytest.raises(CanonicalFormatError, match=said) as e:
            canonical.load(tmp_path / name)
        assert "\n" not in str(e.value) and "weights_only" not in str(e.value), e.value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: setattr(c, "joints", c.joints * np.nan), "non-finite"),
        (lambda c: setattr(c, "texts", []), "caption"),
        (lambda c: setattr(c, "action", "moonwalk_backflip"), "not in the vocabulary"),
        (lambda c: setattr(c, "joints", c.joints[:, :, :21]), "joints must be"),
        (lambda c: setattr(c, "meta", {"x": object()}), "JSON"),
    ],
)
def test_write_rejects_broken_clips_naming_them(tmp_path, change, message) -> None:
    clip = walking_clip("test/bad#0-30", frames=30)
    change(clip)
    with pytest.raises(CanonicalFormatError, match=message) as err:
        canonical.save([clip], tmp_path / "c.pt", fps=20.0)
    assert "test/bad#0-30" in str(err.value) or message == "JSON"


def test_duplicate_ids_and_too_many_actors_are_rejected(tmp_path) -> None:
    a = walking_clip("test/a#0-30", frames=30)
    with pytest.raises(CanonicalFormatError, match="duplicate"):
        canonical.save([a, walking_clip("test/a#0-30", frames=30)], tmp_path / "c.pt", fps=20.0)
    with pytest.raises(CanonicalFormatError, match="max_actors"):
        canonical.save([walking_clip("test/p#0-30", actors=2)], tmp_path / "c.pt", fps=20.0, max_actors=1)


def test_windows_cover_the_take_and_ids_are_stable() -> None:
    assert canonical.windows(50, 200, 100) == [(0, 50)]
    w = canonical.windows(450, 200, 100)
    assert w == [(0, 200), (100, 300), (200, 400), (250, 450)]
    assert canonical.window_id("humanml3d", "000001", 0, 200) == "humanml3d/000001#0-200"


def test_resample_interpolates_in_time_and_keeps_duration() -> None:
    t = np.arange(121) / 120.0  # one second at 120 fps
    x = np.stack([t, t**2], axis=1)
    y = canonical.resample(x, 120.0, 20.0)
    assert y.shape[0] == 21  # 1 s at 20 fps: frames 0..20
    np.testing.assert_allclose(y[:, 0], np.arange(21) / 20.0, atol=1e-9)
    np.testing.assert_allclose(y[:, 1], (np.arange(21) / 20.0) ** 2, atol=1e-4)


def test_describe_reports_height_and_uprightness(tmp_path) -> None:
    canonical.save(_clips(), tmp_path / "c.pt", fps=20.0, max_actors=2)
    info = canonical.describe(canonical.load(tmp_path / "c.pt"))
    assert {"format", "fps", "joint_names", "total_frames", "clips"} <= set(info)
    c = info["clips"][0]
    assert {"id", "frames", "actors", "height_m", "upright", "source", "action", "texts"} <= set(c)
    assert c["upright"] and 1.6 < c["height_m"] < 1.9


@pytest.mark.parametrize("obj", [[1, 2, 3], "clips", torch.zeros(3)])
def test_a_pt_that_holds_no_dict_is_named(tmp_path: pathlib.Path, obj) -> None:
    """`stickgen inspect`, `safety` and `evaluate --data` ended in "TypeError: 'list' object is not a
    mapping" for a .pt of anything but a dict."""
    torch.save(obj, tmp_path / "x.pt")
    with pytest.raises(canonical.CanonicalFormatError, match="x.pt: not a canonical file: it holds a"):
        canonical.load(tmp_path / "x.pt")
