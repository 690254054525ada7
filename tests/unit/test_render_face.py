"""Faces on the rendered heads (#19): where they draw, what changes them, that no face changes nothing,
and the face track through export and Motion's checks."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from helpers import standing_body

from stickgen.core.face import EXPRESSION_INDEX, EYE_INDEX, VISEME_INDEX, FaceTrack
from stickgen.core.skeleton import rotation_y
from stickgen.generate.export import load_motion, save_motion
from stickgen.generate.motion import Motion
from stickgen.generate.render import HEAD, Camera, RenderOptions, html_player, layout, render, render_frames

SIZE = RenderOptions(width=256, height=256, camera=Camera(azimuth_deg=0.0))


def _motion(frames: int = 2, yaw_deg: float = 0.0, **face: str | float) -> Motion:
    """A still standing actor (facing +Z turned by yaw) with the given face in every frame but the last."""
    body = standing_body() @ rotation_y(np.deg2rad(yaw_deg)).T
    joints = np.repeat(body[None, None], frames, axis=0).astype(np.float32)
    track = FaceTrack.unknown(frames, 1)
    known = slice(0, frames - 1)
    track.expression[known] = EXPRESSION_INDEX[str(face.get("expression", "neutral"))]
    track.mouth_open[known] = float(face.get("mouth_open", 0.0))
    track.viseme[known] = VISEME_INDEX[str(face.get("viseme", "rest"))]
    track.eyes[known] = EYE_INDEX[str(face.get("eyes", "open"))]
    track.speaking[known] = track.mouth_open[known] > 0
    return Motion(joints, 20.0, "a face", face=track)


def _plain(m: Motion) -> Motion:
    return Motion(m.joints, m.fps, m.prompt, m.meta)


def _pixels(m: Motion) -> list[np.ndarray]:
    return [np.asarray(im).astype(int) for im in render_frames(m, SIZE)]


def _face_mask(m: Motion, t: int = 0) -> np.ndarray:
    """Pixels of frame t that the face changed."""
    return np.abs(_pixels(m)[t] - _pixels(_plain(m))[t]).max(axis=-1) > 0


def test_the_face_draws_inside_the_head_only_in_frames_where_it_is_known() -> None:
    m = _motion(expression="happy", mouth_open=0.8, viseme="open")
    screen = layout(m, SIZE.width, SIZE.height, SIZE.camera)
    hx, hy = screen.joints[0, 0, HEAD]
    changed = _face_mask(m, 0)
    assert changed.sum() > 15, "no face drawn in a frame with a known face"
    ys, xs = np.nonzero(changed)
    assert np.hypot(xs + 0.5 - hx, ys + 0.5 - hy).max() <= screen.head_radius, "face pixels outside the head"
    assert not _face_mask(m, 1).any(), "the last frame's face is unknown: its head must draw as before"


@pytest.mark.parametrize(
    "other",
    [
        {"expression": "angry", "mouth_open": 0.8, "viseme": "wide"},
        {"expression": "sad"},
        {"expression": "happy", "mouth_open": 0.0},
        {"expression": "happy", "mouth_open": 0.8, "viseme": "open", "eyes": "closed"},
        {"expression": "surprised", "mouth_open": 0.8, "viseme": "round", "eyes": "wide"},
    ],
)
def test_expressions_eyes_and_mouth_openings_draw_differently(other: dict) -> None:
    happy_laugh = _pixels(_motion(expression="happy", mouth_open=0.8, viseme="open"))[0]
    assert (_pixels(_motion(**other))[0] != happy_laugh).any(axis=-1).sum() > 5


def test_a_wider_opening_darkens_more_of_the_head() -> None:
    closed = _face_mask(_motion(expression="neutral", mouth_open=0.0, viseme="open")).sum()
    shout = _face_mask(_motion(expression="neutral", mouth_open=1.0, viseme="open")).sum()
    assert shout > closed


def test_the_face_turns_with_the_head_and_hides_from_behind() -> None:
    front = _face_mask(_motion(expression="happy", mouth_open=0.5, viseme="open"))
    side = _motion(yaw_deg=90.0, expression="happy", mouth_open=0.5, viseme="open")  # faces +X: screen right
    hx = layout(side, SIZE.width, SIZE.height, SIZE.camera).joints[0, 0, HEAD, 0]
    xs = np.nonzero(_face_mask(side))[1]
    assert xs.size and xs.mean() > hx + 1, "in profile the features shift to the facing side"
    assert np.nonzero(front)[1].mean() == pytest.approx(
        layout(_motion(), SIZE.width, SIZE.height, SIZE.camera).joints[0, 0, HEAD, 0], abs=1.0
    )
    behind = _motion(yaw_deg=180.0, expression="happy", mouth_open=0.5, viseme="open")
    assert not _face_mask(behind).any(), "a face seen from behind shows nothing"


def test_without_a_face_every_output_is_unchanged(tmp_path) -> None:
    m = _motion(frames=3)
    unknown = Motion(m.joints, m.fps, m.prompt, m.meta, FaceTrack.unknown(3, 1))
    for a, b in zip(_pixels(_plain(m)), _pixels(unknown), strict=True):
        assert (a == b).all()
    assert html_player(_plain(m), SIZE).count("<path") == 0
    behind = _motion(frames=3, yaw_deg=180.0, expression="angry")  # a face seen from behind draws nothing
    assert all((a == b).all() for a, b in zip(_pixels(_plain(behind)), _pixels(behind), strict=True))
    for suffix in (".gif", ".html"):
        plain = render(_plain(m), tmp_path / f"plain{suffix}", SIZE).read_bytes()
        assert render(unknown, tmp_path / f"unknown{suffix}", SIZE).read_bytes() == plain, suffix
    plain_doc = html_player(_plain(m), SIZE)
    assert '"faces"' not in plain_doc and "D.faces" not in plain_doc


def test_the_html_player_carries_every_frames_face() -> None:
    m = _motion(frames=4, expression="angry", mouth_open=0.7, viseme="open")
    doc = html_player(m, SIZE)
    data = json.loads(re.search(r'id="stickgen-motion">(.*?)</script>', doc, re.S).group(1))
    assert len(data["faces"]) == 4 and all(len(f) == 1 and len(f[0]) == 2 for f in data["faces"])
    assert data["faces"][0][0][0] and data["faces"][0][0][1], "frame 0 strokes and fills"
    assert data["faces"][3][0] == ["", ""], "the last frame's face is unknown"
    assert "D.faces[t][a]" in doc and doc.count("<path") == 2


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_export_round_trips_the_face_track(tmp_path, suffix: str) -> None:
    m = _motion(frames=5, expression="happy", mouth_open=0.6, viseme="wide", eyes="squint")
    m.face.speaking[2] = False
    back = load_motion(save_motion(m, tmp_path / f"m{suffix}")[0])
    assert back.face is not None
    for name in ("expression", "viseme", "speaking", "eyes"):
        assert (np.asarray(getattr(back.face, name)) == np.asarray(getattr(m.face, name))).all(), name
    assert np.allclose(back.face.mouth_open, m.face.mouth_open, atol=1 / 255)
    assert (back.face.encode() == m.face.encode()).all()
    plain = load_motion(save_motion(_plain(m), tmp_path / f"plain{suffix}")[0])
    assert plain.face is None


def test_json_face_is_named_fields_and_tables(tmp_path) -> None:
    m = _motion(frames=3, expression="sad")
    doc = json.loads(save_motion(m, tmp_path / "m.json")[0].read_text())
    face = doc["face"]
    assert set(face) == {"tables", "expression", "mouth_open", "viseme", "speaking", "eyes"}
    assert face["tables"]["expression"][face["expression"][0][0]] == "sad"
    assert "face" not in json.loads(save_motion(_plain(m), tmp_path / "p.json")[0].read_text())


def test_motion_rejects_a_face_of_the_wrong_shape_or_type() -> None:
    joints = np.zeros((4, 2, 22, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"Motion face: face expression must be \(4, 2\), got \(4, 1\)"):
        Motion(joints, 20.0, face=FaceTrack.unknown(4, 1))
    with pytest.raises(TypeError, match="Motion face must be a FaceTrack"):
        Motion(joints, 20.0, face={"expression": []})  # type: ignore[arg-type]
    bad = FaceTrack.unknown(4, 2)
    bad.mouth_open[0, 0] = 2.0
    with pytest.raises(ValueError, match="mouth_open"):
        Motion(joints, 20.0, face=bad)


def _clip(frames: int = 6):
    from stickgen.core.canonical import Clip

    m = _motion(frames=frames, expression="happy", mouth_open=0.9, viseme="open", eyes="squint")
    return Clip(id="laugh01", joints=m.joints, texts=["a person laughs"], face=m.face)


def test_motion_of_clip_keeps_the_face_caption_and_origin() -> None:
    from stickgen.generate.motion import motion_of_clip

    clip = _clip()
    m = motion_of_clip(clip, 20.0)
    assert m.face is clip.face and m.prompt == "a person laughs" and m.meta["clip"]["id"] == "laugh01"
    assert m.fps == 20.0 and m.joints.shape == clip.joints.shape


def test_render_clip_command_writes_a_gif_of_a_stored_clip(tmp_path, capsys) -> None:
    from stickgen.cli import main
    from stickgen.core.canonical import load, save

    save([_clip()], tmp_path / "clips.pt", 20.0)
    out = tmp_path / "clip.gif"
    assert main(["render-clip", str(tmp_path / "clips.pt"), "laugh01", "--out", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["files"] == [str(out)] and info["frames"] == 6 and out.is_file()
    assert info["face"] == (load(tmp_path / "clips.pt").clip(0).face is not None)  # stored faces: v2 files
    assert main(["render-clip", str(tmp_path / "clips.pt"), "7", "--out", str(out)]) == 2
    assert "no clip [7]" in capsys.readouterr().err


def test_resampling_keeps_the_face_of_the_nearest_frame() -> None:
    from stickgen.generate.retime import resample

    m = _motion(frames=9, expression="happy", mouth_open=0.5)
    m.face.mouth_open[:8, 0] = np.linspace(0.0, 0.7, 8)
    out = resample(m, 40.0)
    assert out.frames == 17 and out.face.shape == (17, 1)
    np.testing.assert_array_equal(out.face.mouth_open[::2, 0], m.face.mouth_open[:, 0])
    assert out.face.expression[-1, 0] == 0 and out.face.expression[0, 0] == EXPRESSION_INDEX["happy"]
