"""Export a `Motion`: JSON (docs/inference.md), NPZ, BVH on the canonical skeleton, v3 stick segments.

    save_motion(motion, "walk.json")    # or .npz / .bvh / .npy (v3 segments), by suffix
    motion = load_motion("walk.json")   # .json and .npz read back losslessly (JSON to 0.1 mm)

BVH: one file per actor (actor 0 at the given path, actor k at `<stem>.actor<k>.bvh`), Y up, centimetres,
channels `Xposition Yposition Zposition Zrotation Xrotation Yrotation` on the root (pelvis) and
`Zrotation Xrotation Yrotation` on every other joint (rotation matrix Rz @ Rx @ Ry). The rest pose
(OFFSETs) is the actor's frame-0 posture with each bone at its median length over the clip, so a motion
with rigid bones reads back exactly; bone-length changes (which BVH cannot express) are absorbed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from stickgen.atomic import atomic_open, atomic_write_text
from stickgen.inference.motion import Motion
from stickgen.skeleton import JOINT_NAMES, NUM_JOINTS, PARENTS, V3_SEGMENTS, project, segments

JSON_FORMAT = "stickgen-motion"
JSON_VERSION = 1
JSON_DECIMALS = 4  # 0.1 mm
AXES = "metres; Y up; floor at y = 0; actor 0 faces +Z at frame 0, its left side at +X"
BVH_SCALE = 100.0  # BVH lengths in centimetres
SUFFIXES = (".json", ".npz", ".bvh", ".npy")
CHILDREN: tuple[tuple[int, ...], ...] = tuple(
    tuple(c for c, p in enumerate(PARENTS) if p == j) for j in range(NUM_JOINTS)
)


# --- v3 stick segments ---------------------------------------------------------------------------


def v3_segments(motion: Motion, azimuth_deg: float = 0.0, elevation_deg: float = 0.0) -> np.ndarray:
    """The 48-value v3 stick-figure layout (skeleton.V3_SEGMENTS): float32 (T, A, 48), metres on screen.

    Each segment is (x1, y1, x2, y2) in the camera's screen plane (x right, y up; front view by default).
    """
    return segments(project(motion.joints, azimuth_deg, elevation_deg), "v3").astype(np.float32)


# --- JSON ----------------------------------------------------------------------------------------


def to_json_dict(motion: Motion, include_segments: bool = False) -> dict:
    """The JSON document of docs/inference.md (`format: stickgen-motion`, `version: 1`)."""
    doc = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "prompt": motion.prompt,
        "fps": motion.fps,
        "frames": motion.frames,
        "actors": motion.actors,
        "units": "m",
        "axes": AXES,
        "joint_names": list(JOINT_NAMES),
        "parents": list(PARENTS),
        "joints": np.round(motion.joints.astype(np.float64), JSON_DECIMALS).tolist(),
        "meta": motion.meta,
    }
    if include_segments:
        doc["segments_v3"] = {
            "layout": [list(s) for s in V3_SEGMENTS],
            "camera": {"azimuth_deg": 0.0, "elevation_deg": 0.0},
            "values": np.round(v3_segments(motion).astype(np.float64), JSON_DECIMALS).tolist(),
        }
    return doc


def from_json_dict(doc: dict, where: str = "<json>") -> Motion:
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ValueError(f"{where}: not a stickgen motion (format={got!r}, want {JSON_FORMAT!r})")
    if doc.get("version") != JSON_VERSION:
        raise ValueError(
            f"{where}: motion JSON version {doc.get('version')!r}; this stickgen reads {JSON_VERSION}"
        )
    if doc.get("joint_names") != list(JOINT_NAMES):
        raise ValueError(f"{where}: joint_names differ from the canonical 22 SMPL joints")
    joints = np.asarray(doc["joints"], dtype=np.float32)
    if joints.shape[:2] != (doc.get("frames"), doc.get("actors")):
        raise ValueError(
            f"{where}: joints {joints.shape} disagree with frames={doc.get('frames')} "
            f"actors={doc.get('actors')}"
        )
    return Motion(joints, float(doc["fps"]), doc.get("prompt", ""), dict(doc.get("meta", {})))


# --- NPZ -----------------------------------------------------------------------------------------


def save_npz(motion: Motion, path: str | os.PathLike) -> None:
    """`joints` float32 (T, A, 22, 3) canonical, `fps` float64, `prompt` str, `meta` JSON str (no pickle)."""
    with atomic_open(path) as fh:
        np.savez_compressed(
            fh,
            joints=motion.joints.astype(np.float32),
            fps=np.float64(motion.fps),
            prompt=np.str_(motion.prompt),
            meta=np.str_(json.dumps(motion.meta)),
        )


def load_npz(path: str | os.PathLike) -> Motion:
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in ("joints", "fps") if k not in z.files]
        if missing:
            raise ValueError(f"{path}: not a stickgen motion NPZ (missing {missing})")
        prompt = str(z["prompt"]) if "prompt" in z.files else ""
        meta = json.loads(str(z["meta"])) if "meta" in z.files else {}
        return Motion(z["joints"], float(z["fps"]), prompt, meta)


# --- BVH -----------------------------------------------------------------------------------------


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


def _min_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations taking unit vectors a (T, 3) onto b (T, 3) by the shortest arc."""
    v = np.cross(a, b)
    c = np.einsum("ti,ti->t", a, b)
    k = np.zeros((len(a), 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -v[:, 2], v[:, 1], -v[:, 0]
    k[:, 1, 0], k[:, 2, 0], k[:, 2, 1] = v[:, 2], -v[:, 1], v[:, 0]
    eye = np.broadcast_to(np.eye(3), k.shape)
    r = eye + k + (k @ k) / np.maximum(1.0 + c, 1e-12)[:, None, None]
    flip = c < -1.0 + 1e-9  # opposite vectors: half turn about any axis perpendicular to a
    if flip.any():
        a_f = a[flip]
        axis = np.cross(a_f, np.where(np.abs(a_f[:, :1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]]))
        axis = _unit(axis)
        r[flip] = 2.0 * axis[:, :, None] * axis[:, None, :] - np.eye(3)
    return r


def _kabsch(rest: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations R minimising sum_i |R rest_i - cur_i|^2; rest (K, 3), cur (T, K, 3)."""
    h = np.einsum("ki,tkj->tij", rest, cur)  # (T, 3, 3) cross-covariance
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.swapaxes(vt, 1, 2) @ np.swapaxes(u, 1, 2)))
    fix = np.broadcast_to(np.eye(3), h.shape).copy()
    fix[:, 2, 2] = d
    return np.swapaxes(vt, 1, 2) @ fix @ np.swapaxes(u, 1, 2)


def _euler_zxy(r: np.ndarray) -> np.ndarray:
    """Angles (..., 3) in degrees, ordered (z, x, y), with r = Rz(z) @ Rx(x) @ Ry(y)."""
    x = np.arcsin(np.clip(r[..., 2, 1], -1.0, 1.0))
    y = np.arctan2(-r[..., 2, 0], r[..., 2, 2])
    z = np.arctan2(-r[..., 0, 1], r[..., 1, 1])
    lock = np.abs(r[..., 2, 1]) > 1.0 - 1e-9  # x = +-90 deg: only z +- y is defined; put it all in z
    if np.any(lock):
        y = np.where(lock, 0.0, y)
        z = np.where(lock, np.arctan2(r[..., 1, 0], r[..., 0, 0]), z)
    return np.degrees(np.stack([z, x, y], axis=-1))


def rotation_zxy(angles_deg: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) = Rz @ Rx @ Ry from (..., 3) angles (z, x, y) in degrees."""
    z, x, y = np.moveaxis(np.radians(angles_deg), -1, 0)
    cz, sz, cx, sx, cy, sy = np.cos(z), np.sin(z), np.cos(x), np.sin(x), np.cos(y), np.sin(y)
    return np.stack(
        [
            np.stack([cz * cy - sz * sx * sy, -sz * cx, cz * sy + sz * sx * cy], -1),
            np.stack([sz * cy + cz * sx * sy, cz * cx, sz * sy - cz * sx * cy], -1),
            np.stack([-cx * sy, sx, cx * cy], -1),
        ],
        -2,
    )


def bvh_pose(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One actor's joints (T, 22, 3) in metres -> (offsets (22, 3), root positions (T, 3), local angles
    (T, 22, 3) in degrees, (z, x, y) order). Offsets: frame-0 directions, median bone lengths."""
    t = joints.shape[0]
    j = joints.astype(np.float64)
    offsets = np.zeros((NUM_JOINTS, 3))
    for c in range(1, NUM_JOINTS):
        bone = j[:, c] - j[:, PARENTS[c]]
        length = float(np.median(np.linalg.norm(bone, axis=-1)))
        direction = bone[0] if np.linalg.norm(bone[0]) > 1e-9 else bone.mean(0)
        if np.linalg.norm(direction) < 1e-9:
            direction = np.array([0.0, 1.0, 0.0])
        offsets[c] = _unit(direction) * length
    glob = np.zeros((t, NUM_JOINTS, 3, 3))
    for p in range(NUM_JOINTS):  # parents come before children in the SMPL order
        kids = CHILDREN[p]
        parent_rot = glob[:, PARENTS[p]] if p > 0 else np.broadcast_to(np.eye(3), (t, 3, 3))
        if len(kids) == 0:
            glob[:, p] = parent_rot
        elif len(kids) == 1:
            c = kids[0]
            a = _unit(parent_rot @ _unit(offsets[c]))
            glob[:, p] = _min_rotation(a, _unit(j[:, c] - j[:, p])) @ parent_rot
        else:
            cur = _unit(j[:, list(kids)] - j[:, p : p + 1])
            glob[:, p] = _kabsch(_unit(offsets[list(kids)]), cur)
    local = glob.copy()
    for p in range(1, NUM_JOINTS):
        local[:, p] = np.swapaxes(glob[:, PARENTS[p]], 1, 2) @ glob[:, p]
    return offsets, j[:, 0].copy(), _euler_zxy(local)


def bvh_forward(offsets: np.ndarray, root: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """Forward kinematics of `bvh_pose`'s output: joints (T, 22, 3)."""
    local = rotation_zxy(angles_deg)
    glob = np.zeros_like(local)
    out = np.zeros((root.shape[0], NUM_JOINTS, 3))
    out[:, 0], glob[:, 0] = root, local[:, 0]
    for c in range(1, NUM_JOINTS):
        p = PARENTS[c]
        glob[:, c] = glob[:, p] @ local[:, c]
        out[:, c] = out[:, p] + glob[:, p] @ offsets[c]
    return out


def _dfs_order() -> list[int]:
    order: list[int] = []

    def visit(j: int) -> None:
        order.append(j)
        for c in CHILDREN[j]:
            visit(c)

    visit(0)
    return order


def bvh_text(joints: np.ndarray, fps: float) -> str:
    """One actor's joints (T, 22, 3) in canonical metres as a BVH document (see the module docstring)."""
    offsets, root, angles = bvh_pose(joints)
    s = BVH_SCALE
    lines = ["HIERARCHY"]

    def write(j: int, depth: int) -> None:
        pad = "  " * depth
        kind = "ROOT" if j == 0 else "JOINT"
        lines.append(f"{pad}{kind} {JOINT_NAMES[j]}")
        lines.append(f"{pad}{{")
        off = offsets[j] * s
        lines.append(f"{pad}  OFFSET {off[0]:.6f} {off[1]:.6f} {off[2]:.6f}")
        chans = (
            "Xposition Yposition Zposition Zrotation Xrotation Yrotation"
            if j == 0
            else ("Zrotation Xrotation Yrotation")
        )
        lines.append(f"{pad}  CHANNELS {6 if j == 0 else 3} {chans}")
        for c in CHILDREN[j]:
            write(c, depth + 1)
        if not CHILDREN[j]:  # an end site continues the incoming bone by a quarter of its length
            end = offsets[j] * 0.25 * s
            site = f"{pad}    OFFSET {end[0]:.6f} {end[1]:.6f} {end[2]:.6f}"
            lines.extend([f"{pad}  End Site", f"{pad}  {{", site, f"{pad}  }}"])
        lines.append(f"{pad}}}")

    write(0, 0)
    order = _dfs_order()
    lines += ["MOTION", f"Frames: {joints.shape[0]}", f"Frame Time: {1.0 / fps:.8f}"]
    values = np.concatenate([root * s, angles[:, order].reshape(len(root), -1)], axis=1)
    lines += [" ".join(f"{v:.5f}" for v in row) for row in values]
    return "\n".join(lines) + "\n"


def bvh_paths(path: str | os.PathLike, actors: int) -> list[Path]:
    """Where `save_bvh` writes: the path itself for actor 0, `<stem>.actor<k>.bvh` for actor k."""
    path = Path(path)
    return [path] + [path.with_name(f"{path.stem}.actor{k}{path.suffix}") for k in range(1, actors)]


def save_bvh(motion: Motion, path: str | os.PathLike) -> list[Path]:
    """Write one BVH file per actor; returns the paths written."""
    paths = bvh_paths(path, motion.actors)
    for a, p in enumerate(paths):
        atomic_write_text(p, bvh_text(motion.joints[:, a], motion.fps))
    return paths


# --- by suffix -----------------------------------------------------------------------------------


def save_motion(motion: Motion, path: str | os.PathLike) -> list[Path]:
    """Write `motion` in the format its suffix names (.json, .npz, .bvh, .npy = v3 segments).

    Every file is written atomically (`stickgen.atomic`): a failed or killed write, or another process
    writing the same path, never leaves a truncated or mixed file there.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"unsupported export format [{suffix or path.name}]; choose one of {SUFFIXES}")
    if suffix == ".json":
        atomic_write_text(path, json.dumps(to_json_dict(motion), separators=(",", ":")) + "\n")
    elif suffix == ".npz":
        save_npz(motion, path)
    elif suffix == ".npy":
        with atomic_open(path) as fh:
            np.save(fh, v3_segments(motion), allow_pickle=False)
    else:
        return save_bvh(motion, path)
    return [path]


def load_motion(path: str | os.PathLike) -> Motion:
    """Read a motion written by `save_motion` (.json or .npz)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"motion file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            doc = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from None
        return from_json_dict(doc, str(path))
    if suffix == ".npz":
        return load_npz(path)
    raise ValueError(
        f"unsupported motion file [{suffix or path.name}]; stickgen reads .json and .npz motions"
    )
