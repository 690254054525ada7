"""Rendering: GIF frames and colours, the front-view convention, the follow camera, trails, MP4, HTML."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from inferkit import articulated_motion
from PIL import Image

from stickgen.core.skeleton import JOINT_INDEX, PELVIS
from stickgen.generate.motion import Motion
from stickgen.generate.render import (
    PALETTE,
    Camera,
    RenderOptions,
    html_player,
    layout,
    mp4_available,
    render,
    render_frames,
)

SMALL = RenderOptions(width=160, height=160)


def _colour_mask(rgb: np.ndarray, hex_colour: str, tol: int = 40) -> np.ndarray:
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.abs(rgb.astype(int) - target).max(axis=-1) <= tol


def test_gif_has_one_frame_per_motion_frame_at_the_motion_rate_and_a_colour_per_actor(tmp_path) -> None:
    m = articulated_motion(frames=16, actors=2)
    path = render(m, tmp_path / "m.gif", SMALL)
    im = Image.open(path)
    assert im.n_frames == 16 and im.info["duration"] == 50 and im.size == (160, 160)
    im.seek(8)
    rgb = np.asarray(im.convert("RGB"))
    assert rgb.std() > 10, "blank frame"
    for a in range(2):
        assert _colour_mask(rgb, PALETTE[a]).sum() > 50, f"actor {a}'s colour {PALETTE[a]} is missing"


def test_front_view_puts_the_figures_left_on_screen_right_and_the_head_above_the_ground() -> None:
    m = articulated_motion(frames=4)
    front = layout(m, 200, 200, Camera())
    left, right = JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"]
    assert (front.joints[:, 0, left, 0] > front.joints[:, 0, right, 0]).all()
    assert (front.joints[:, 0, JOINT_INDEX["head"], 1] < front.ground_y).all()  # pixels grow downwards
    assert np.allclose(front.joints[:, 0, JOINT_INDEX["left_foot"], 1].max(), front.ground_y, atol=3.0)
    back = layout(m, 200, 200, Camera(azimuth_deg=180))
    assert (back.joints[:, 0, left, 0] < back.joints[:, 0, right, 0]).all()
    top = layout(m, 200, 200, Camera(elevation_deg=60))  # from above, the toes (+Z) come below the ankles
    assert (
        top.joints[:, 0, JOINT_INDEX["left_foot"], 1] > top.joints[:, 0, JOINT_INDEX["left_ankle"], 1]
    ).all()


def test_two_actors_facing_each_other_are_seen_from_the_side_by_default() -> None:
    """Two figures 1 m apart along Z (the front view's line of sight) overlap from the front; the default
    camera looks across the line between them, while one actor keeps the front view."""
    from stickgen.generate.render import auto_azimuth

    one = articulated_motion(frames=10)
    pair = np.concatenate([one.joints, one.joints + np.array([0.0, 0.0, 1.0])], axis=1)
    m = Motion(pair, one.fps, "two people shake hands", {})
    assert auto_azimuth(one.joints) == 0.0 and abs(auto_azimuth(pair)) == 90.0
    gap = lambda screen: np.abs(screen.joints[:, 1, PELVIS, 0] - screen.joints[:, 0, PELVIS, 0]).min()  # noqa: E731
    assert gap(layout(m, 200, 200, Camera(azimuth_deg=0.0))) < 2 and gap(layout(m, 200, 200, Camera())) > 50
    np.testing.assert_array_equal(
        layout(one, 200, 200, Camera()).joints, layout(one, 200, 200, Camera(0.0)).joints
    )
    sideways = np.concatenate([one.joints, one.joints + np.array([1.0, 0.0, 0.0])], axis=1)
    assert auto_azimuth(sideways) == 0.0  # side by side: the front view already separates them


def test_the_follow_camera_keeps_travelling_motion_in_view_and_scrolls_the_ground() -> None:
    m = articulated_motion(frames=60, travel_x=6.0)
    auto = layout(m, 200, 200, Camera())
    fixed = layout(m, 200, 200, Camera(follow=False))
    assert auto.follow and not fixed.follow
    root_auto, root_fixed = auto.joints[:, 0, PELVIS, 0], fixed.joints[:, 0, PELVIS, 0]
    assert np.ptp(root_fixed) > 100 and np.ptp(root_auto) < 20
    assert np.ptp(auto.tick_offsets) > 100  # the ground marks move instead
    assert not layout(articulated_motion(frames=60), 200, 200, Camera()).follow  # walking in place: no follow


def test_trails_draw_the_recent_path_of_hands_and_feet() -> None:
    m = articulated_motion(frames=20)
    plain = np.asarray(render_frames(m, SMALL)[15])
    trails = np.asarray(render_frames(m, RenderOptions(width=160, height=160, trail_frames=10))[15])
    inked = lambda rgb: int((rgb.min(axis=-1) < 250).sum())  # noqa: E731
    assert inked(trails) > inked(plain) + 20


@pytest.mark.skipif(
    not mp4_available(), reason="MP4 needs the optional package imageio-ffmpeg (not installed)"
)
def test_mp4_decodes_to_the_motions_frames(tmp_path) -> None:
    import imageio_ffmpeg

    m = articulated_motion(frames=12)
    path = render(m, tmp_path / "m.mp4", SMALL)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    frames = [np.frombuffer(f, np.uint8).reshape(160, 160, 3) for f in reader]
    assert meta["size"] == (160, 160) and meta["fps"] == pytest.approx(20.0)
    assert len(frames) == 12 and frames[6].std() > 10
    assert _colour_mask(frames[6], PALETTE[0], tol=60).sum() > 50


def test_html_player_is_self_contained_and_carries_every_frame(tmp_path) -> None:
    m = articulated_motion(frames=10, actors=2)
    m.prompt = "two <figures> & a test"
    page = html_player(m, SMALL)
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page), (
        "the player must not load anything"
    )
    assert "two &lt;figures&gt; &amp; a test" in page
    data = json.loads(re.search(r'id="stickgen-motion">(.*?)</script>', page, re.S).group(1))
    assert data["frames"] == 10 and data["actors"] == 2 and len(data["pts"]) == 10 * 2 * 22 * 2
    assert page.count("<circle") == 2 and 'id="actor0"' in page and 'id="actor1"' in page  # frame 0 inline
    render(m, tmp_path / "m.html", SMALL)
    assert (tmp_path / "m.html").read_text(encoding="utf-8") == page


def test_bad_options_and_formats_are_named(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"RenderOptions.width must be an even number"):
        RenderOptions(width=101)
    with pytest.raises(ValueError, match=r"elevation_deg must be in \[-90, 90\]"):
        Camera(elevation_deg=120)
    for azimuth in (float("nan"), float("inf")):  # before: a GIF of nothing (every point NaN)
        with pytest.raises(ValueError, match=r"azimuth_deg must be a finite angle"):
            Camera(azimuth_deg=azimuth)
    with pytest.raises(ValueError, match=r"unsupported render format \[\.png\]"):
        render(Motion(articulated_motion().joints, 20.0), tmp_path / "m.png")
