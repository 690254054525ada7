"""Canonical format 2: string columns, the face column, and the upgrade of version-1 stores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import walking_clip

from stickgen.cli import main as cli_main
from stickgen.core import canonical, strings
from stickgen.core.canonical import CanonicalFormatError, Clip
from stickgen.core.face import EXPRESSION_INDEX, EYE_INDEX, VISEME_INDEX, FaceTrack
from stickgen.core.upgrade import upgrade_store


def _face(frames: int, actors: int) -> FaceTrack:
    f = FaceTrack.unknown(frames, actors)
    f.expression[:] = EXPRESSION_INDEX["happy"]
    f.expression[: frames // 3, 0] = EXPRESSION_INDEX["neutral"]
    f.expression[:, actors - 1] = 0 if actors > 1 else f.expression[:, 0]  # the second actor: no face
    t = np.arange(frames) / 20.0
    f.mouth_open[:] = (0.5 + 0.5 * np.sin(2 * np.pi * 4.5 * t))[:, None]
    f.viseme[:] = VISEME_INDEX["open"]
    f.speaking[:] = True
    f.eyes[::10] = EYE_INDEX["closed"]
    if actors > 1:
        for name in ("mouth_open", "viseme", "speaking", "eyes"):
            getattr(f, name)[:, actors - 1] = 0
    return f


def _clips() -> list[Clip]:
    a = walking_clip("s/é#0-30", frames=30, texts=["ein Mensch geht 🚶", "a person walks"])
    b = walking_clip("s/b#0-24", frames=24, actors=2, texts=["two people talk", ""][:1])
    b.face = _face(24, 2)
    c = walking_clip("s/c#0-10", frames=10, texts=["x"])
    c.face = _face(10, 1)
    c.meta = {"note": "ünïcode", "n": 3}
    return [a, b, c]


def test_string_columns_round_trip_any_text_and_show_as_sequences() -> None:
    values = ["", "walk", "日本語 ok", "emoji 🙂", "a\x00b"]
    packed = strings.pack("x", values)
    col = strings.view(packed, "x")
    assert list(col) == values and col[2] == values[2] and col[-1] == values[-1] and col[1:3] == values[1:3]
    assert col == values and len(col) == 5
    with pytest.raises(IndexError):
        col[5]
    nested = [["a", "b"], [], ["ç"]]
    lists = strings.view(strings.pack("t", nested, nested=True), "t")
    assert list(lists) == nested and lists[1] == [] and lists[2] == ["ç"]
    again = strings.pack("y", col)  # a view is stored again without decoding
    assert again["y.utf8"] is col.utf8
    with pytest.raises(TypeError, match=r"\[x\]: entry 1 is int"):
        strings.pack("x", ["a", 3])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.update({"x.offsets": torch.tensor([0, 3, 2, 4])}), "decrease"),
        (lambda d: d.update({"x.offsets": torch.tensor([0, 1, 9])}), "from 0 to 4"),
        (lambda d: d.update({"x.utf8": torch.zeros(4, dtype=torch.int16)}), "uint8"),
        (lambda d: d.pop("x.offsets"), "missing"),
    ],
)
def test_broken_string_columns_are_named(change, match) -> None:
    d = strings.pack("x", ["ab", "cd"])
    change(d)
    with pytest.raises(strings.StringColumnError, match=match):
        strings.view(d, "x")


def test_format_2_round_trips_strings_and_faces(tmp_path: Path) -> None:
    clips = _clips()
    canonical.save(clips, tmp_path / "c.pt", fps=20.0, max_actors=2)
    store = canonical.load(tmp_path / "c.pt")
    assert store.data["version"] == 2 and isinstance(store.data["texts"], strings.StringLists)
    for want, got in zip(clips, store, strict=True):
        assert (got.id, got.texts, got.action, got.meta) == (want.id, want.texts, want.action, want.meta)
        if want.face is None:
            assert got.face is None
            continue
        for name in ("expression", "viseme", "speaking", "eyes"):
            np.testing.assert_array_equal(getattr(got.face, name), getattr(want.face, name))
        known = want.face.known
        np.testing.assert_allclose(got.face.mouth_open[known], want.face.mouth_open[known], atol=0.5 / 255)
    assert store.index("s/c#0-10") == 2


def test_a_face_of_the_wrong_shape_or_ids_is_refused_with_the_clip_named() -> None:
    c = walking_clip("s/x#0-10", frames=10, texts=["a"])
    c.face = FaceTrack.unknown(9, 1)
    with pytest.raises(CanonicalFormatError, match=r"clip \[s/x#0-10\]: face expression must be \(10, 1\)"):
        c.validate()
    c.face = FaceTrack.unknown(10, 1)
    c.face.expression[3] = 200
    with pytest.raises(CanonicalFormatError, match="expression ids"):
        c.validate()
    c.face = _face(10, 1)
    c.face.mouth_open[0] = 1.5
    with pytest.raises(CanonicalFormatError, match=r"mouth_open must be finite and in \[0, 1\]"):
        c.validate()


def test_stored_face_rows_outside_the_tables_are_an_error_of_that_clip(tmp_path: Path) -> None:
    clips = _clips()
    data = canonical.encode_clips(clips, 20.0, 2)
    data["face"][int(data["clip_offsets"][2]), 2] = 99  # a viseme id outside the table, clip 2
    store = canonical.CanonicalStore(data, "x.pt")
    assert store.clip(0).face is None
    with pytest.raises(CanonicalFormatError, match=r"x.pt: clip \[s/c#0-10\].*viseme"):
        store.clip(2)


def _as_v1(data: dict, store: canonical.CanonicalStore) -> dict:
    """The version-1 layout of the same content: Python lists, no face column."""
    out = {k: v for k, v in data.items() if "." not in k and k != "face"}
    out.update({k: list(store.data[k]) for k in canonical.CLIP_LIST_FIELDS}, version=1)
    return out


def test_version_1_files_are_refused_with_the_upgrade_command_and_upgrade_exactly(tmp_path: Path) -> None:
    clips = _clips()
    for c in clips:
        c.face = None  # version 1 had no faces
    data = canonical.encode_clips(clips, 20.0, 2)
    old = tmp_path / "old.pt"
    torch.save(_as_v1(data, canonical.CanonicalStore(data)), old)
    with pytest.raises(CanonicalFormatError, match=r"version 1, this stickgen reads version 2.*upgrade"):
        canonical.load(old)
    summary = upgrade_store(old, tmp_path / "new.pt")
    assert summary["clips"] == 3 and summary["kind"] == "canonical"
    canonical.save(clips, tmp_path / "direct.pt", fps=20.0, max_actors=2)
    new, direct = canonical.load(tmp_path / "new.pt"), canonical.load(tmp_path / "direct.pt")
    assert new.raw.keys() == direct.raw.keys()
    for k, v in direct.raw.items():
        assert torch.equal(new.raw[k], v) if isinstance(v, torch.Tensor) else new.raw[k] == v, k
    with pytest.raises(CanonicalFormatError, match="already version 2"):
        upgrade_store(tmp_path / "new.pt", tmp_path / "again.pt")


def test_an_embedded_version_1_file_keeps_its_caption_table(tmp_path: Path) -> None:
    clips = _clips()
    data = canonical.encode_clips(clips, 20.0, 2, kind="embedded")
    v1 = _as_v1(data, canonical.CanonicalStore(data))
    captions = sorted({t for c in clips for t in c.texts})
    v1.update(
        text_encoder={"name": "fake", "dim": 4},
        captions=captions,
        caption_emb=torch.arange(4.0 * len(captions)).reshape(-1, 4),
        clip_caption_offsets=torch.tensor([0, 2, 3, 4]),
        clip_caption_index=torch.tensor([captions.index(t) for c in clips for t in c.texts]),
    )
    torch.save(v1, tmp_path / "old.pt")
    upgrade_store(tmp_path / "old.pt", tmp_path / "new.pt", chunk_rows=7)
    store = canonical.load(tmp_path / "new.pt")
    assert list(store.data["captions"]) == captions and store.data["text_encoder"]["dim"] == 4
    assert torch.equal(store.data["caption_emb"], v1["caption_emb"])
    assert torch.equal(store.data["root"], data["root"]) and not store.data["face"].any()


def test_upgrade_errors_name_the_file_and_leave_no_output(tmp_path: Path, capsys) -> None:
    data = canonical.encode_clips(_clips(), 20.0, 2)
    v1 = _as_v1(data, canonical.CanonicalStore(data))
    v1["texts"][1] = "not a list"
    torch.save(v1, tmp_path / "bad.pt")
    assert cli_main(["upgrade-store", str(tmp_path / "bad.pt"), str(tmp_path / "out.pt")]) == 1
    err = capsys.readouterr().err
    assert "bad.pt" in err and "entry 1 is str" in err and not (tmp_path / "out.pt").exists()
    (tmp_path / "junk.pt").write_bytes(b"not a zip")
    assert cli_main(["upgrade-store", str(tmp_path / "junk.pt"), str(tmp_path / "out.pt")]) == 1
    assert "junk.pt: cannot be read" in capsys.readouterr().err
    good = _as_v1(data, canonical.CanonicalStore(data))
    torch.save(good, tmp_path / "good.pt")
    # a folder as either path, a name too long: one line (IsADirectoryError, WriteError tracebacks before)
    for src, dst, words in (
        (tmp_path / "good.pt", tmp_path, "is a folder: name a file to write"),
        (tmp_path, tmp_path / "out.pt", "is a folder: name the .pt file to upgrade"),
        (tmp_path / "good.pt", tmp_path / ("a" * 300 + ".pt"), "File name too long"),
    ):
        assert cli_main(["upgrade-store", str(src), str(dst)]) == 1
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1, err
    assert cli_main(["upgrade-store", str(tmp_path / "good.pt"), str(tmp_path / "out.pt"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["clips"] == 3
