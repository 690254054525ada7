"""Render a `Motion` as stick figures: GIF (Pillow), MP4 (imageio-ffmpeg, optional) or an HTML/SVG player.

    render(motion, "wave.gif")                                   # front view, suffix picks the format
    render(motion, "wave.html", RenderOptions(camera=Camera(azimuth_deg=45), trail_frames=10))

Figures: the v3 stick segments (skeleton.V3_SEGMENTS) plus the feet, a round head, one colour per actor,
a ground line (with ticks that scroll under a follow camera), optional fading trails of the hands and feet.
The camera is orthographic (skeleton.project): azimuth 0 / elevation 0 is the front view, where the
figure faces the viewer and its left side is on screen right; by default (`azimuth_deg=None`) several
actors are seen from the side across the line between them (`auto_azimuth`), so two people facing each
other do not hide each other. A follow camera keeps travelling motion
centred horizontally; `follow=None` switches it on when the roots travel more than `follow_threshold_m`
across the screen. The HTML player is one self-contained file (inline SVG + script, no network): play,
pause, a frame slider, and the space bar; the first frame is in the markup, so it shows without script.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from stickgen.core.atomic import atomic_open, atomic_path, atomic_write_text
from stickgen.core.skeleton import JOINT_INDEX, PELVIS, V3_SEGMENTS, camera_basis, project
from stickgen.generate import face_draw
from stickgen.generate.motion import Motion

PALETTE: tuple[str, ...] = (
    "#1f6fd1",
    "#d62728",
    "#2a9d3a",
    "#8e44ad",
    "#e67e22",
    "#7f5539",
    "#e0529c",
    "#17a2b8",
)
BACKGROUND = "#ffffff"
GROUND = "#8a8a8a"
DRAW_SEGMENTS: tuple[tuple[int, int], ...] = tuple(
    (JOINT_INDEX[a], JOINT_INDEX[b])
    for a, b in (*V3_SEGMENTS, ("left_ankle", "left_foot"), ("right_ankle", "right_foot"))
)
HEAD = JOINT_INDEX["head"]
TRAIL_JOINTS: tuple[int, ...] = tuple(
    JOINT_INDEX[n] for n in ("left_wrist", "right_wrist", "left_foot", "right_foot")
)
HEAD_RADIUS_M = 0.11
LINE_WIDTH_M = 0.035
MARGIN = 0.08  # of the picture, on every side
MIN_VIEW_M = 1.2  # the view never zooms in tighter than this (a still, small motion stays life-sized)
TICK_SPACING_M = 0.5
MIN_ACTOR_GAP_M = 0.2  # closer than this, actors overlap from every side: auto_azimuth keeps the front view
FORMATS = (".gif", ".mp4", ".html")


@dataclass(frozen=True)
class Camera:
    """Orthographic camera. Azimuth orbits towards the figure's left (None: `auto_azimuth`); elevation
    raises the camera."""

    azimuth_deg: float | None = None
    elevation_deg: float = 0.0
    follow: bool | None = None  # None: follow when the roots travel more than follow_threshold_m
    follow_threshold_m: float = 2.0

    def __post_init__(self) -> None:
        if self.azimuth_deg is not None and not np.isfinite(self.azimuth_deg):
            raise ValueError(f"Camera.azimuth_deg must be a finite angle in degrees, got {self.azimuth_deg}")
        if not -90.0 <= self.elevation_deg <= 90.0:
            raise ValueError(f"Camera.elevation_deg must be in [-90, 90], got {self.elevation_deg}")
        if not self.follow_threshold_m > 0:
            raise ValueError(f"Camera.follow_threshold_m must be > 0, got {self.follow_threshold_m}")


@dataclass(frozen=True)
class RenderOptions:
    width: int = 480
    height: int = 480
    camera: Camera = field(default_factory=Camera)
    trail_frames: int = 0  # 0: no trails
    supersample: int = 2  # Pillow draws at this multiple and downsamples (anti-aliasing)

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            v = getattr(self, name)
            if not (64 <= v <= 4096 and v % 2 == 0):
                raise ValueError(
                    f"RenderOptions.{name} must be an even number of pixels in [64, 4096], got {v}"
                )
        if self.trail_frames < 0:
            raise ValueError(f"RenderOptions.trail_frames must be >= 0, got {self.trail_frames}")
        if self.supersample not in (1, 2, 3, 4):
            raise ValueError(f"RenderOptions.supersample must be 1..4, got {self.supersample}")


@dataclass(frozen=True)
class Screen:
    """A motion laid out in pixels: joints (T, A, 22, 2) (x right, y down), the ground line and its ticks."""

    joints: np.ndarray
    ground_y: np.ndarray  # (T,) the floor under the actors (moves only when the camera is elevated)
    head_radius: float
    line_width: float
    tick_offsets: np.ndarray  # (T,) horizontal shift of the ground ticks, pixels (follow camera)
    tick_spacing: float
    depth_order: np.ndarray  # (T, A) actors back to front
    follow: bool
    width: int
    height: int
    basis: np.ndarray | None = None  # camera_basis rows (right, up, view): faces turn with the heads


def _smooth(x: np.ndarray, window: int) -> np.ndarray:
    window = min(window, len(x))
    if window <= 1 or len(x) < 3:
        return x
    # odd reflection continues the track linearly past its ends: no lag at the start or end of a steady walk
    pad = np.pad(x, (window // 2, window - 1 - window // 2), mode="reflect", reflect_type="odd")
    return np.convolve(pad, np.ones(window) / window, mode="valid")


def auto_azimuth(joints: np.ndarray) -> float:
    """The camera azimuth for `Camera(azimuth_deg=None)`: the front view (0) for one actor; for several, the
    view across the line between the first two actors' roots (actors who face each other stand apart along
    the front view's line of sight and would hide each other), from the side nearer the front."""
    if joints.shape[1] < 2:
        return 0.0
    gap = (joints[:, 1, PELVIS] - joints[:, 0, PELVIS]).mean(axis=0)  # (3,)
    if float(np.hypot(gap[0], gap[2])) < MIN_ACTOR_GAP_M:
        return 0.0
    az = float(np.degrees(np.arctan2(-gap[2], gap[0])))  # screen right (cos az, 0, -sin az) along the gap
    return az - 180.0 if az > 90.0 else az + 180.0 if az < -90.0 else az


def layout(motion: Motion, width: int, height: int, camera: Camera) -> Screen:
    """Project and fit a motion into a width x height picture (one fixed scale for the whole clip)."""
    if camera.azimuth_deg is None:
        camera = dataclasses.replace(camera, azimuth_deg=auto_azimuth(motion.joints))
    pts = project(motion.joints, camera.azimuth_deg, camera.elevation_deg)  # (T, A, 22, 2) metres
    centre = pts[:, :, PELVIS, 0].mean(axis=1)  # (T,) screen x of the actors' mean root
    follow = camera.follow
    if follow is None:
        follow = float(centre.max() - centre.min()) > camera.follow_threshold_m
    shift = (
        _smooth(centre - centre[0], max(1, int(round(motion.fps * 0.5)))) if follow else np.zeros_like(centre)
    )
    pts = pts.copy()
    pts[..., 0] -= shift[:, None, None]
    # per frame, the floor under the actors' mean root (at elevation 0 it is always screen y = 0)
    floor_points = motion.joints[:, :, PELVIS].mean(axis=1) * np.array([1.0, 0.0, 1.0])  # (T, 3)
    floor_y = project(floor_points, camera.azimuth_deg, camera.elevation_deg)[:, 1]  # (T,)
    lo = np.minimum(pts.reshape(-1, 2).min(0) - HEAD_RADIUS_M, [np.inf, floor_y.min()])
    hi = np.maximum(pts.reshape(-1, 2).max(0) + HEAD_RADIUS_M, [-np.inf, floor_y.max()])
    mid, ext = (lo + hi) / 2, np.maximum(hi - lo, MIN_VIEW_M)
    scale = min(width * (1 - 2 * MARGIN) / ext[0], height * (1 - 2 * MARGIN) / ext[1])
    px = np.empty_like(pts)
    px[..., 0] = width / 2 + (pts[..., 0] - mid[0]) * scale
    px[..., 1] = height / 2 - (pts[..., 1] - mid[1]) * scale
    basis = camera_basis(camera.azimuth_deg, camera.elevation_deg)
    depth = motion.joints[:, :, PELVIS] @ basis[2]  # larger = further from the camera
    return Screen(
        joints=px,
        ground_y=height / 2 - (floor_y - mid[1]) * scale,
        head_radius=HEAD_RADIUS_M * scale,
        line_width=max(1.5, LINE_WIDTH_M * scale),
        tick_offsets=-shift * scale,
        tick_spacing=TICK_SPACING_M * scale,
        depth_order=np.argsort(-depth, axis=1),
        follow=bool(follow),
        width=width,
        height=height,
        basis=basis,
    )


def actor_color(a: int) -> str:
    return PALETTE[a % len(PALETTE)]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _blend(hex_colour: str, amount: float) -> tuple[int, int, int]:
    """`amount` of the colour over the white background."""
    return tuple(int(round(255 + (c - 255) * amount)) for c in _rgb(hex_colour))  # type: ignore[return-value]


def _ticks(screen: Screen, t: int) -> np.ndarray:
    if not screen.follow:
        return np.zeros(0)
    start = screen.tick_offsets[t] % screen.tick_spacing
    return np.arange(start, screen.width, screen.tick_spacing)


def render_frames(motion: Motion, options: RenderOptions | None = None) -> list[Image.Image]:
    """One RGB Pillow image per frame."""
    o = options or RenderOptions()
    k = o.supersample
    screen = layout(motion, o.width * k, o.height * k, o.camera)
    lw, r = int(round(screen.line_width)), screen.head_radius
    frames = []
    for t in range(motion.frames):
        im = Image.new("RGB", (o.width * k, o.height * k), BACKGROUND)
        draw = ImageDraw.Draw(im)
        gy = float(screen.ground_y[t])
        draw.line([(0, gy), (im.width, gy)], fill=GROUND, width=max(1, lw // 2))
        for x in _ticks(screen, t):
            draw.line(
                [(x, gy), (x - 0.35 * screen.tick_spacing, gy + 0.25 * screen.tick_spacing)],
                fill=GROUND,
                width=max(1, lw // 3),
            )
        faces = face_draw.frame_faces(motion.joints, motion.face, t, screen.basis)
        for a in screen.depth_order[t]:
            colour = actor_color(int(a))
            if o.trail_frames:
                for j in TRAIL_JOINTS:
                    track = screen.joints[max(0, t - o.trail_frames) : t + 1, a, j]
                    for i in range(1, len(track)):
                        fade = 0.15 + 0.45 * i / len(track)
                        draw.line(
                            [tuple(track[i - 1]), tuple(track[i])],
                            fill=_blend(colour, fade),
                            width=max(1, lw // 2),
                        )
            p = screen.joints[t, a]
            for i, j in DRAW_SEGMENTS:
                draw.line([tuple(p[i]), tuple(p[j])], fill=colour, width=lw, joint="curve")
                for q in (p[i], p[j]):  # round line ends
                    draw.ellipse([q[0] - lw / 2, q[1] - lw / 2, q[0] + lw / 2, q[1] + lw / 2], fill=colour)
            hx, hy = p[HEAD]
            draw.ellipse([hx - r, hy - r, hx + r, hy + r], fill=BACKGROUND, outline=colour, width=lw)
            if faces[a]:  # the head's inside: the radius less the outline
                face_draw.draw_face(draw, faces[a], (hx, hy), r - lw, colour, face_draw.stroke_width(lw))
        if k > 1:
            im = im.reduce(k)  # box filter: anti-aliased edges
        frames.append(im)
    return frames


def _gif_palette(actors: int) -> Image.Image:
    """Background, then 16 shades (over the background) of the ground and of each actor's colour."""
    colours = [GROUND] + [actor_color(a) for a in range(min(actors, len(PALETTE)))]
    values = list(_rgb(BACKGROUND))
    for c in colours:
        for k in range(1, 17):
            values += _blend(c, k / 16)
    pal = Image.new("P", (1, 1))
    pal.putpalette(values + values[:3] * (256 - len(values) // 3))
    return pal


def save_gif(motion: Motion, path: str | os.PathLike, options: RenderOptions | None = None) -> Path:
    pal = _gif_palette(motion.actors)
    frames = [f.quantize(palette=pal, dither=Image.Dither.NONE) for f in render_frames(motion, options)]
    with atomic_open(path) as fh:
        frames[0].save(
            fh,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=int(round(1000 / motion.fps)),
            loop=0,
            disposal=1,
        )
    return Path(path)


def mp4_available() -> bool:
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


def save_mp4(motion: Motion, path: str | os.PathLike, options: RenderOptions | None = None) -> Path:
    """H.264 MP4 through imageio-ffmpeg (an optional dependency: `pip install imageio-ffmpeg`)."""
    if not mp4_available():
        raise RuntimeError(
            "MP4 output needs the optional package imageio-ffmpeg: pip install imageio-ffmpeg "
            "(or render to .gif / .html)"
        )
    import imageio_ffmpeg

    o = options or RenderOptions()
    with atomic_path(path) as tmp:  # ffmpeg writes a file by name; it replaces `path` once complete
        writer = imageio_ffmpeg.write_frames(
            str(tmp),
            (o.width, o.height),
            fps=motion.fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            macro_block_size=2,
            output_params=["-loglevel", "error"],
        )
        writer.send(None)  # start the encoder
        try:
            for im in render_frames(motion, o):
                writer.send(np.ascontiguousarray(np.asarray(im, dtype=np.uint8)))
        finally:
            writer.close()
    return Path(path)


# --- the HTML / SVG player -----------------------------------------------------------------------

_PLAYER_SCRIPT = """
(function () {
  var D = JSON.parse(document.getElementById("stickgen-motion").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("stage");
  var slider = document.getElementById("frame"), label = document.getElementById("label");
  var button = document.getElementById("play");
  var stride = D.actors * D.joints * 2, frame = 0, playing = true;
  function pt(t, a, j) { var k = t * stride + (a * D.joints + j) * 2; return [D.pts[k], D.pts[k + 1]]; }
  function line(el, p, q) {
    el.setAttribute("x1", p[0]); el.setAttribute("y1", p[1]);
    el.setAttribute("x2", q[0]); el.setAttribute("y2", q[1]);
  }
  var figures = [];
  for (var a = 0; a < D.actors; a++) {
    var g = document.getElementById("actor" + a);
    var trails = [];
    if (D.trail > 0) {
      for (var i = 0; i < D.trailJoints.length; i++) {
        var pl = document.createElementNS(NS, "polyline");
        pl.setAttribute("fill", "none"); pl.setAttribute("stroke", D.colors[a]);
        pl.setAttribute("stroke-opacity", "0.45"); pl.setAttribute("stroke-width", D.lineWidth / 2);
        g.insertBefore(pl, g.firstChild); trails.push(pl);
      }
    }
    figures.push({g: g, lines: g.querySelectorAll("line"), head: g.querySelector("circle"), trails: trails});
  }
  var ticks = document.getElementById("ticks");
  function show(t) {
    frame = t;
    for (var a = 0; a < D.actors; a++) {
      var f = figures[a];
      for (var s = 0; s < D.segments.length; s++) {
        line(f.lines[s], pt(t, a, D.segments[s][0]), pt(t, a, D.segments[s][1]));
      }
      var h = pt(t, a, D.head);
      f.head.setAttribute("cx", h[0]); f.head.setAttribute("cy", h[1]);
      for (var i = 0; i < f.trails.length; i++) {
        var ps = [];
        for (var u = Math.max(0, t - D.trail); u <= t; u++) { ps.push(pt(u, a, D.trailJoints[i]).join(",")); }
        f.trails[i].setAttribute("points", ps.join(" "));
      }
    }
    var order = D.order[t];
    for (var r = 0; r < order.length; r++) { svg.appendChild(figures[order[r]].g); }
    var ground = document.getElementById("ground"), dy = D.groundY[t] - D.groundY[0];
    ground.setAttribute("y1", D.groundY[t]); ground.setAttribute("y2", D.groundY[t]);
    if (ticks) { ticks.setAttribute("transform", "translate(" + D.tickOffsets[t] + "," + dy + ")"); }
    slider.value = t;
    label.textContent = "frame " + (t + 1) + " / " + D.frames + "  (" + (t / D.fps).toFixed(2) + " s)";
  }
  button.addEventListener("click", function () {
    playing = !playing; button.textContent = playing ? "pause" : "play";
  });
  slider.addEventListener("input", function () {
    playing = false; button.textContent = "play"; show(+slider.value);
  });
  document.addEventListener("keydown", function (e) {
    if (e.code === "Space") { e.preventDefault(); button.click(); }
  });
  setInterval(function () { if (playing) { show((frame + 1) % D.frames); } }, 1000 / D.fps);
  show(0);
})();
"""


def _svg_frame(screen: Screen, t: int, trail_frames: int, faces: list | None = None) -> str:
    """The SVG body of frame t: ground, ticks and one <g id="actorA"> per actor (back to front); `faces`:
    `face_draw.svg_face_data`, None without a face track."""
    w, lw = screen.width, screen.line_width
    gy = float(screen.ground_y[t])
    parts = [
        f'<line id="ground" x1="0" y1="{gy:.1f}" x2="{w}" y2="{gy:.1f}" stroke="{GROUND}" '
        f'stroke-width="{lw / 2:.2f}"/>'
    ]
    if screen.follow:
        sp = screen.tick_spacing
        xs = np.arange(-sp, w + 2 * sp, sp)
        ticks = "".join(
            f'<line x1="{x:.1f}" y1="{gy:.1f}" x2="{x - 0.35 * sp:.1f}" y2="{gy + 0.25 * sp:.1f}"/>'
            for x in xs
        )
        shift = screen.tick_offsets[t] % sp
        parts.append(
            f'<g id="ticks" stroke="{GROUND}" stroke-width="{lw / 3:.2f}" '
            f'transform="translate({shift:.1f},0)">{ticks}</g>'
        )  # drawn at ground_y[0]
    for a in screen.depth_order[t]:
        p, colour = screen.joints[t, a], actor_color(int(a))
        lines = "".join(
            f'<line x1="{p[i][0]:.1f}" y1="{p[i][1]:.1f}" x2="{p[j][0]:.1f}" y2="{p[j][1]:.1f}"/>'
            for i, j in DRAW_SEGMENTS
        )
        parts.append(
            f'<g id="actor{a}" stroke="{colour}" stroke-width="{lw:.2f}" stroke-linecap="round">{lines}'
            f'<circle cx="{p[HEAD][0]:.1f}" cy="{p[HEAD][1]:.1f}" r="{screen.head_radius:.1f}" '
            f'fill="{BACKGROUND}"/>'
            + ("" if faces is None else face_draw.svg_markup(faces[t][a], colour, face_draw.stroke_width(lw)))
            + "</g>"
        )
    return "".join(parts)


def html_player(motion: Motion, options: RenderOptions | None = None) -> str:
    """A self-contained HTML page (inline SVG + script) that plays the motion in a browser."""
    o = options or RenderOptions()
    screen = layout(motion, o.width, o.height, o.camera)
    follow_ticks = screen.tick_offsets % screen.tick_spacing if screen.follow else np.zeros(motion.frames)
    inside = screen.head_radius - screen.line_width / 2  # SVG centres the outline on the circle
    faces = face_draw.svg_face_data(
        motion.joints, motion.face, screen.basis, screen.joints[:, :, HEAD], inside
    )
    data = {
        "fps": motion.fps,
        "frames": motion.frames,
        "actors": motion.actors,
        "joints": int(screen.joints.shape[2]),
        "segments": [list(s) for s in DRAW_SEGMENTS],
        "head": HEAD,
        "colors": [actor_color(a) for a in range(motion.actors)],
        "lineWidth": round(screen.line_width, 2),
        "trail": o.trail_frames,
        "trailJoints": list(TRAIL_JOINTS),
        "order": screen.depth_order.tolist(),
        "tickOffsets": np.round(follow_ticks, 1).tolist(),
        "groundY": np.round(screen.ground_y, 1).tolist(),
        "pts": np.round(screen.joints.reshape(-1), 1).tolist(),
    }
    script = _PLAYER_SCRIPT
    if faces is not None:
        data["faces"], script = faces, face_draw.with_face_script(script)
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    title = html.escape(motion.prompt or "stickgen motion")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="stickgen">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 16px; color: #222; background: #f4f4f4; }}
  svg {{ background: {BACKGROUND}; display: block; border: 1px solid #ccc; }}
  .controls {{ display: flex; gap: 12px; align-items: center; margin-top: 8px; width: {o.width}px; }}
  .controls input {{ flex: 1; }}
  h1 {{ font-size: 16px; font-weight: 600; margin: 0 0 8px; max-width: {o.width}px; }}
</style>
</head>
<body>
<h1>{title}</h1>
<svg id="stage" xmlns="http://www.w3.org/2000/svg" width="{o.width}" height="{o.height}"
     viewBox="0 0 {o.width} {o.height}">{_svg_frame(screen, 0, o.trail_frames, faces)}</svg>
<div class="controls">
  <button id="play" type="button">pause</button>
  <input id="frame" type="range" min="0" max="{motion.frames - 1}" value="0" aria-label="frame">
  <span id="label">frame 1 / {motion.frames}</span>
</div>
<script type="application/json" id="stickgen-motion">{payload}</script>
<script>{script}</script>
</body>
</html>
"""


def save_html(motion: Motion, path: str | os.PathLike, options: RenderOptions | None = None) -> Path:
    atomic_write_text(path, html_player(motion, options))
    return Path(path)


def render(motion: Motion, path: str | os.PathLike, options: RenderOptions | None = None) -> Path:
    """Render to the format the suffix names: .gif, .mp4 (needs imageio-ffmpeg) or .html."""
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".gif": save_gif, ".mp4": save_mp4, ".html": save_html}
    if suffix not in writers:
        raise ValueError(f"unsupported render format [{suffix or path.name}]; choose one of {FORMATS}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return writers[suffix](motion, path, options)
