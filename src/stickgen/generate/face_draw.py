"""Faces on the stick figures' round heads: eyes, brows and a mouth, drawn from a `FaceTrack` frame.

The features live on the head seen as a sphere. Each is laid out in face coordinates (a towards the actor's
left, b up, both in head radii, the face looking along c), put on the sphere in the head's 3D frame (up from
the pelvis to the neck, forward across the shoulder and hip lines) and projected with the camera, so a face
turns with the body. As cartoons do, the face turns only `TURN` of the way (a profile shows the features
shifted to the facing side, not squashed on the outline), and a face turned more than `MAX_TURN_DEG` from the
camera (seen from behind) shows nothing. Points on the sphere's far half are dropped.

    shapes = face_shapes(joints[t, a], FaceTrack frame values..., camera_basis(az, el))
    draw_face(draw, shapes, centre_px, radius_px, colour, width_px)    # Pillow
    stroke_d, fill_d = svg_paths(shapes, centre_px, radius_px)         # SVG <path d=...>

Shapes are in unit face coordinates on screen (x right, y down, 1 = the face radius: the head's inside).

What shows what:
- eyes (`EYES`): open a dot, closed a line, squint a short line, wide a bigger ring with a pupil;
- brows: angry brings the inner ends down, sad and fearful raise them, surprised raises both, disgusted
  lowers one;
- mouth: its width and least opening come from the viseme, its opening from `mouth_open`, and the
  expression bends it (happy corners up, sad, angry, fearful and disgusted down). An open mouth is filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import ImageDraw

from stickgen.core.face import EXPRESSION_INDEX, EYE_INDEX, UNKNOWN, VISEME_INDEX
from stickgen.core.skeleton import JOINT_INDEX, PELVIS

_NECK, _HEAD = JOINT_INDEX["neck"], JOINT_INDEX["head"]
_ACROSS = tuple((JOINT_INDEX[f"left_{n}"], JOINT_INDEX[f"right_{n}"]) for n in ("shoulder", "hip", "collar"))
EYE_X, EYE_Y = 0.36, 0.1  # eye centres, face coordinates (head radii)
BROW_Y = 0.38
MOUTH_Y = -0.42
MOUTH_MAX_OPEN = 0.42  # the opening at mouth_open = 1
TURN = 0.55  # the drawn face turns this fraction of the head's angle away from the camera
MAX_TURN_DEG = 105.0  # beyond this the face is hidden
MIN_VISIBLE = 0.02  # a point shows when its sphere normal points this much towards the camera
# half width and least opening (as a fraction of the width) of the mouth per viseme
_VISEME_SHAPE = {
    "rest": (0.3, 0.0),
    "closed": (0.26, 0.0),
    "open": (0.28, 0.25),
    "wide": (0.38, 0.0),
    "round": (0.18, 0.8),
    "pursed": (0.11, 0.7),
    "teeth": (0.3, 0.12),
}
VISEME_SHAPE = tuple(_VISEME_SHAPE[v] for v in sorted(VISEME_INDEX, key=VISEME_INDEX.get))
# per expression: brow (inner, outer) heights above BROW_Y, mouth bend (corners up > 0) and the share of the
# opening above the mouth line (a laugh opens downwards, a sad mouth upwards)
_EXPRESSION_STYLE = {
    "neutral": ((0.0, 0.0), 0.0, 0.5),
    "happy": ((0.04, 0.04), 0.14, 0.15),
    "sad": ((0.13, -0.05), -0.12, 0.8),
    "angry": ((-0.12, 0.06), -0.06, 0.5),
    "surprised": ((0.13, 0.13), 0.0, 0.5),
    "fearful": ((0.13, 0.0), -0.06, 0.6),
    "disgusted": ((-0.08, 0.02), -0.08, 0.6),
}
EXPRESSION_STYLE = {EXPRESSION_INDEX[k]: v for k, v in _EXPRESSION_STYLE.items()}


@dataclass
class FaceShapes:
    """A face in unit face coordinates on screen (x right, y down): polylines to stroke, polygons to fill."""

    strokes: list[np.ndarray] = field(default_factory=list)
    fills: list[np.ndarray] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.strokes or self.fills)


def head_frame(joints_frame: np.ndarray) -> np.ndarray:
    """Rows: the head's left, up and forward unit vectors (canonical coordinates) for one frame (22, 3)."""
    j = np.asarray(joints_frame, dtype=np.float64)
    up = j[_NECK] - j[PELVIS]
    up = up / n if (n := np.linalg.norm(up)) > 1e-9 else np.array([0.0, 1.0, 0.0])
    across = sum(j[a] - j[b] for a, b in _ACROSS)
    forward = np.cross(across, up)  # across = +X (left), up = +Y -> forward = +Z
    n = np.linalg.norm(forward)
    forward = forward / n if n > 1e-9 else np.array([0.0, 0.0, 1.0])
    return np.stack([np.cross(up, forward), up, forward])


def drawn_frame(joints_frame: np.ndarray, basis: np.ndarray) -> np.ndarray | None:
    """`head_frame` turned towards the camera by 1 - `TURN` of its angle from it (about the head's up
    axis); None when the face looks more than `MAX_TURN_DEG` away (or the camera looks along the up axis)."""
    _, up, forward = head_frame(joints_frame)
    towards = -np.asarray(basis[2], dtype=np.float64)
    towards = towards - (towards @ up) * up  # the camera's direction in the head's horizontal plane
    n = np.linalg.norm(towards)
    if n < 1e-6:  # seen from straight above or below the head: no turn to measure, draw it as it is
        return np.stack([np.cross(up, forward), up, forward])
    towards /= n
    angle = np.arctan2(np.cross(towards, forward) @ up, towards @ forward)
    if abs(np.degrees(angle)) > MAX_TURN_DEG:
        return None
    turned = np.cos(TURN * angle) * towards + np.sin(TURN * angle) * np.cross(up, towards)
    return np.stack([np.cross(up, turned), up, turned])


def _project(ab: np.ndarray, frame: np.ndarray, basis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face points (n, 2) on the unit sphere -> screen points (n, 2) (y down) and how much each faces the
    camera (n,)."""
    ab = np.asarray(ab, dtype=np.float64)
    c = np.sqrt(np.clip(1.0 - (ab**2).sum(axis=1), 0.0, None))
    world = np.column_stack([ab, c]) @ frame  # (n, 3) sphere normals
    screen = world @ basis[:2].T
    return screen * np.array([1.0, -1.0]), -(world @ basis[2])


def _circle(cx: float, cy: float, rx: float, ry: float, n: int = 12) -> np.ndarray:
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return np.column_stack([cx + rx * np.cos(t), cy + ry * np.sin(t)])


def _eyes(eyes: int, side: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One eye's (strokes, fills) in face coordinates; side +1 the actor's left eye, -1 the right."""
    x = side * EYE_X
    if eyes == EYE_INDEX["closed"]:
        return [np.array([[x - 0.13, EYE_Y - 0.02], [x, EYE_Y - 0.05], [x + 0.13, EYE_Y - 0.02]])], []
    if eyes == EYE_INDEX["squint"]:
        return [np.array([[x - 0.08, EYE_Y], [x + 0.08, EYE_Y]])], []
    if eyes == EYE_INDEX["wide"]:
        ring = _circle(x, EYE_Y, 0.16, 0.17)
        return [np.vstack([ring, ring[:1]])], [_circle(x, EYE_Y, 0.06, 0.06, 8)]
    return [], [_circle(x, EYE_Y, 0.09, 0.1, 10)]


def _brow(expression: int, side: float) -> np.ndarray:
    (inner, outer), _, _ = EXPRESSION_STYLE.get(expression, EXPRESSION_STYLE[EXPRESSION_INDEX["neutral"]])
    if expression == EXPRESSION_INDEX["disgusted"] and side < 0:  # one brow down, the other flat
        inner, outer = 0.0, 0.0
    return np.array([[side * 0.14, BROW_Y + inner], [side * 0.52, BROW_Y + outer]])


def _mouth(expression: int, mouth_open: float, viseme: int) -> tuple[np.ndarray, bool]:
    """The mouth's outline (closed polygon when open, else a polyline) and whether it is open."""
    half, least = VISEME_SHAPE[viseme] if 0 <= viseme < len(VISEME_SHAPE) else VISEME_SHAPE[0]
    _, bend, up_share = EXPRESSION_STYLE.get(expression, EXPRESSION_STYLE[EXPRESSION_INDEX["neutral"]])
    opening = max(float(np.clip(mouth_open, 0.0, 1.0)) * MOUTH_MAX_OPEN, least * 2.0 * half)
    u = np.linspace(-1.0, 1.0, 11)
    line = MOUTH_Y + bend * u**2
    if opening < 0.04:
        return np.column_stack([half * u, line]), False
    bulge = np.sqrt(1.0 - u**2)
    upper = np.column_stack([half * u, line + opening * up_share * bulge])
    lower = np.column_stack([half * u, line - opening * (1.0 - up_share) * bulge])
    return np.vstack([upper, lower[::-1][1:-1]]), True


def face_shapes(
    joints_frame: np.ndarray,
    expression: int,
    mouth_open: float,
    viseme: int,
    eyes: int,
    basis: np.ndarray,
) -> FaceShapes:
    """The face of one actor in one frame, seen through `basis` (`skeleton.camera_basis` rows); empty when
    the expression is unknown or the face looks away from the camera."""
    out = FaceShapes()
    expression = int(expression)
    if expression == UNKNOWN:
        return out
    frame = drawn_frame(joints_frame, basis)
    if frame is None:
        return out
    strokes: list[np.ndarray] = []
    fills: list[np.ndarray] = []
    for side in (1.0, -1.0):
        s, f = _eyes(int(eyes), side)
        strokes += s
        fills += f
        strokes.append(_brow(expression, side))
    mouth, is_open = _mouth(expression, mouth_open, int(viseme))
    (fills if is_open else strokes).append(mouth)
    for shapes, target, least in ((strokes, out.strokes, 2), (fills, out.fills, 3)):
        for ab in shapes:
            xy, facing = _project(ab, frame, basis)
            keep = facing > MIN_VISIBLE
            if keep.sum() >= least:
                target.append(xy[keep])
    return out


def frame_faces(joints: np.ndarray, face, t: int, basis: np.ndarray) -> list[FaceShapes]:
    """Every actor's `face_shapes` in frame t of (T, A, 22, 3) joints and a `FaceTrack` (None: no faces)."""
    if face is None:
        return [FaceShapes() for _ in range(joints.shape[1])]
    return [
        face_shapes(
            joints[t, a],
            face.expression[t, a],
            face.mouth_open[t, a],
            face.viseme[t, a],
            face.eyes[t, a],
            basis,
        )
        for a in range(joints.shape[1])
    ]


def draw_face(
    draw: ImageDraw.ImageDraw,
    shapes: FaceShapes,
    centre: tuple[float, float],
    radius: float,
    colour: str,
    width: int,
) -> None:
    """Draw `shapes` with Pillow on a head at `centre` whose inside has `radius` pixels."""
    c = np.asarray(centre, dtype=np.float64)
    for poly in shapes.fills:
        pts = [tuple(p) for p in c + poly * radius]
        draw.polygon(pts, fill=colour, outline=colour)
    for line in shapes.strokes:
        pts = c + line * radius
        draw.line([tuple(p) for p in pts], fill=colour, width=width, joint="curve")
        for q in (pts[0], pts[-1]):  # round ends
            draw.ellipse(
                [q[0] - width / 2, q[1] - width / 2, q[0] + width / 2, q[1] + width / 2], fill=colour
            )


def svg_paths(shapes: FaceShapes, centre: tuple[float, float], radius: float) -> tuple[str, str]:
    """SVG path data (strokes, fills) of `shapes` on a head at `centre` whose inside has `radius` pixels."""

    def d(polys: list[np.ndarray], close: bool) -> str:
        parts = []
        for poly in polys:
            pts = np.asarray(centre) + poly * radius
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + ("Z" if close else ""))
        return "".join(parts)

    return d(shapes.strokes, False), d(shapes.fills, True)


def stroke_width(line_width: float) -> int:
    """The width of the face's lines for a figure drawn `line_width` pixels wide."""
    return max(1, int(round(line_width * 0.45)))


# --- the HTML player: path data per frame, set by a few lines of script ----------------------------------

_SCRIPT_ANCHORS = (
    (
        'head: g.querySelector("circle"),',
        'head: g.querySelector("circle"), face: g.querySelectorAll("path"),',
    ),
    (
        'f.head.setAttribute("cx", h[0]); f.head.setAttribute("cy", h[1]);',
        'f.head.setAttribute("cx", h[0]); f.head.setAttribute("cy", h[1]);\n'
        '      f.face[0].setAttribute("d", D.faces[t][a][0]); f.face[1].setAttribute("d", D.faces[t][a][1]);',
    ),
)


def with_face_script(script: str) -> str:
    """The player script that also redraws each head's two face paths from `D.faces[t][a]`; only motions with
    a face get it, so a player without faces stays as it was."""
    for old, new in _SCRIPT_ANCHORS:
        assert script.count(old) == 1, f"the player script lost its face anchor {old!r}"
        script = script.replace(old, new)
    return script


def svg_face_data(
    joints: np.ndarray, face, basis: np.ndarray, heads_px: np.ndarray, radius: float
) -> list[list[list[str]]] | None:
    """[t][a] = [stroke path data, fill path data] of every frame's faces; heads_px (T, A, 2) the head
    centres in pixels and `radius` the heads' inside. None when no frame has a face (the player stays as
    it is without one)."""
    if face is None or not face.known.any():
        return None
    return [
        [
            list(svg_paths(s, tuple(heads_px[t, a]), radius))
            for a, s in enumerate(frame_faces(joints, face, t, basis))
        ]
        for t in range(joints.shape[0])
    ]


def svg_markup(paths: list[str], colour: str, width: float) -> str:
    """The two <path> elements of a head's face inside the actor's <g> (which sets its stroke colour)."""
    return (
        f'<path d="{paths[0]}" fill="none" stroke-width="{width:.2f}" stroke-linejoin="round"/>'
        f'<path d="{paths[1]}" fill="{colour}" stroke-width="{width / 2:.2f}"/>'
    )
