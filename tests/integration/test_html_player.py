"""The HTML/SVG player in a real browser: headless Chromium shows the figure and the animation plays."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
from browserkit import artifact_dir, require_chromium
from inferkit import articulated_motion
from PIL import Image

from stickgen.generate.render import PALETTE, Camera, RenderOptions, layout, render

OPTIONS = RenderOptions(width=320, height=320, camera=Camera(follow=False))


def _screenshot(page: Path, out: Path, virtual_ms: int) -> np.ndarray:
    cmd = [
        require_chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={out.parent / 'chromium-profile'}",
        "--hide-scrollbars",
        "--window-size=400,460",
        f"--virtual-time-budget={virtual_ms}",
        f"--screenshot={out}",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.is_file(), f"chromium wrote no screenshot (rc {proc.returncode}):\n{proc.stderr[-2000:]}"
    return np.asarray(Image.open(out).convert("RGB"))


def _figure_pixels(rgb: np.ndarray) -> np.ndarray:
    target = np.array([int(PALETTE[0][i : i + 2], 16) for i in (1, 3, 5)])
    return np.argwhere(np.abs(rgb.astype(int) - target).max(axis=-1) <= 40)  # (N, 2) rows, cols


def test_the_player_shows_the_figure_where_the_layout_puts_it_and_plays(tmp_path) -> None:
    m = articulated_motion(frames=40, actors=1)
    page = render(m, tmp_path / "player.html", OPTIONS)
    early = _screenshot(page, tmp_path / "early.png", 50)
    late = _screenshot(page, tmp_path / "late.png", 1000)  # 1 s later: frame ~20 of a 20 fps clip
    assert early.std() > 10, "the screenshot is blank"
    # the SVG: its corner is the top-left of the page's pure white (the page itself is light grey)
    origin = np.argwhere((early == 255).all(axis=-1)).min(0)
    stage = (slice(origin[0], origin[0] + OPTIONS.height), slice(origin[1], origin[1] + OPTIONS.width))
    pix = _figure_pixels(early[stage])
    assert len(pix) > 200, "the figure's colour is not in the player"
    # the figure's pixels sit inside the box the layout computes for the clip
    screen = layout(m, OPTIONS.width, OPTIONS.height, OPTIONS.camera)
    xs, ys = screen.joints[..., 0], screen.joints[..., 1]
    r = screen.head_radius + screen.line_width + 3
    (top, left), (bottom, right) = pix.min(0), pix.max(0)
    assert xs.min() - r <= left and right <= xs.max() + r, (left, right, xs.min(), xs.max())
    assert ys.min() - r <= top and bottom <= ys.max() + r, (top, bottom, ys.min(), ys.max())
    assert right - left > 0.5 * (xs.max() - xs.min()) and bottom - top > 0.8 * (ys.max() - ys.min())
    # it plays: later, the figure has moved (its arms swing)
    moved = np.abs(late[stage].astype(int) - early[stage].astype(int)).max(axis=-1) > 60
    assert moved.sum() > 50, "the animation did not advance"
    shutil.copy(tmp_path / "late.png", artifact_dir() / "html-player.png")
