"""Export a `Motion`: JSON (docs/inference.md), NPZ, BVH on the canonical skeleton, glTF binary, v3 stick
segments.

    save_motion(motion, "walk.json")    # or .npz / .bvh / .glb / .npy (v3 segments), by suffix
    motion = load_motion("walk.json")   # .json and .npz read back losslessly (JSON to 0.1 mm)

BVH: one file per actor (actor 0 at the given path, actor k at `<stem>.actor<k>.bvh`), written by
`stickgen.generate.bvh`: a T-pose rest skeleton with SMPL (or Mixamo) joint names and rotations that keep
limb twist, Y up and centimetres unless `BvhOptions` says otherwise. A motion with rigid bones reads back
exactly; bone-length changes (which BVH cannot express) are absorbed. glTF (`.glb`, every actor in one
file): the same armature and rotations with a skinned stick-figure mesh, `stickgen.generate.gltf`.

Faces (`Motion.face`, `stickgen.core.face`): JSON and NPZ carry the face track when the motion has one, and
read it back; a motion without a face writes exactly what it wrote before. BVH, glTF and the v3 segments
hold the skeleton only and drop the face.
- JSON: a `face` object, every field (T, A) like `joints`' first two axes: `expression`, `viseme` and
  `eyes` integer ids into the tables it names in `tables` (`{"expression": [...], "viseme": [...],
  "eyes": [...]}`; expression 0 "unknown" = no face in that frame), `mouth_open` in [0, 1] (4 decimals),
  `speaking` booleans.
- NPZ: `face` uint8 (T, A, 4), the rows of `FaceTrack.encode` (expression id, round(mouth_open * 255), viseme
  id, flags: bit 0 speaking, bits 1-2 eye state), with the tables as string arrays `face_expressions`,
  `face_visemes` and `face_eyes`.
A file whose tables differ from this stickgen's is refused rather than misread.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stickgen.core.atomic import atomic_open, atomic_write_text
from stickgen.core.face import BYTES_PER_ROW, EXPRESSIONS, EYES, VISEMES, FaceTrack, check_rows
from stickgen.core.jsonable import read_json
from stickgen.core.skeleton import JOINT_NAMES, PARENTS, V3_SEGMENTS, project, segments
from stickgen.generate.bvh import BvhOptions, bvh_text
from stickgen.generate.bvh import bvh_forward as bvh_forward  # re-exported: the BVH writer's FK
from stickgen.generate.bvh import bvh_pose as bvh_pose  # re-exported
from stickgen.generate.motion import Motion

JSON_FORMAT = "stickgen-motion"
JSON_VERSION = 1
JSON_DECIMALS = 4  # 0.1 mm
AXES = "metres; Y up; floor at y = 0; actor 0 faces +Z at frame 0, its left side at +X"
SUFFIXES = (".json", ".npz", ".bvh", ".glb", ".npy")


# --- v3 stick segments ---------------------------------------------------------------------------


def v3_segments(motion: Motion, azimuth_deg: float = 0.0, elevation_deg: float = 0.0) -> np.ndarray:
    """The 48-value v3 stick-figure layout (skeleton.V3_SEGMENTS): float32 (T, A, 48), metres on screen.

    Each segment is (x1, y1, x2, y2) in the camera's screen plane (x right, y up; front view by default).
    """
    return segments(project(motion.joints, azimuth_deg, elevation_deg), "v3").astype(np.float32)


# --- the face track --------------------------------------------------------------------------------

FACE_TABLES = {"expression": list(EXPRESSIONS), "viseme": list(VISEMES), "eyes": list(EYES)}
NPZ_FACE_TABLES = {"face_expressions": EXPRESSIONS, "face_visemes": VISEMES, "face_eyes": EYES}


def face_to_json(face: FaceTrack) -> dict:
    """The JSON `face` object (module docstring): named (T, A) fields and the tables their ids index."""
    return {
        "tables": FACE_TABLES,
        "expression": np.asarray(face.expression, dtype=np.int64).tolist(),
        "mouth_open": np.round(np.asarray(face.mouth_open, dtype=np.float64), JSON_DECIMALS).tolist(),
        "viseme": np.asarray(face.viseme, dtype=np.int64).tolist(),
        "speaking": np.asarray(face.speaking, dtype=bool).tolist(),
        "eyes": np.asarray(face.eyes, dtype=np.int64).tolist(),
    }


def face_from_json(doc: dict, where: str) -> FaceTrack:
    if not isinstance(doc, dict) or doc.get("tables") != FACE_TABLES:
        raise ValueError(f"{where}: the face's tables differ from this stickgen's {FACE_TABLES}")
    missing = [k for k in ("expression", "mouth_open", "viseme", "speaking", "eyes") if k not in doc]
    if missing:
        raise ValueError(f"{where}: the face misses {missing}")
    return FaceTrack(
        expression=np.asarray(doc["expression"]).astype(np.uint8),
        mouth_open=np.asarray(doc["mouth_open"], dtype=np.float32),
        viseme=np.asarray(doc["viseme"]).astype(np.uint8),
        speaking=np.asarray(doc["speaking"], dtype=bool),
        eyes=np.asarray(doc["eyes"]).astype(np.uint8),
    )


def _face_from_npz(z: dict[str, np.ndarray], frames: int, actors: int, where: str) -> FaceTrack:
    for key, table in NPZ_FACE_TABLES.items():
        if key not in z or [str(v) for v in z[key]] != list(table):
            raise ValueError(f"{where}: NPZ {key} missing or different from this stickgen's {list(table)}")
    rows = z["face"]
    if rows.shape != (frames, actors, BYTES_PER_ROW):
        raise ValueError(
            f"{where}: NPZ face must be uint8 ({frames}, {actors}, {BYTES_PER_ROW}), got {rows.shape}"
        )
    rows = rows.reshape(-1, BYTES_PER_ROW)
    check_rows(rows, where)
    return FaceTrack.decode(rows, frames, actors)


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
    if motion.face is not None:
        doc["face"] = face_to_json(motion.face)
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
    missing = [k for k in ("fps", "frames", "actors", "joints") if k not in doc]
    if missing:
        raise ValueError(f"{where}: not a stickgen motion (missing {missing})")
    try:
        joints = np.asarray(doc["joints"], dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{where}: joints are not a (frames, actors, 22, 3) array of numbers: {exc}"
        ) from None
    if joints.shape[:2] != (doc.get("frames"), doc.get("actors")):
        raise ValueError(
            f"{where}: joints {joints.shape} disagree with frames={doc.get('frames')} "
            f"actors={doc.get('actors')}"
        )
    face = face_from_json(doc["face"], where) if doc.get("face") is not None else None
    try:
        return Motion(joints, doc["fps"], doc.get("prompt", ""), doc.get("meta", {}), face)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None


# --- NPZ -----------------------------------------------------------------------------------------


def save_npz(motion: Motion, path: str | os.PathLike) -> None:
    """`joints` float32 (T, A, 22, 3) canonical, `fps` float64, `prompt` str, `meta` JSON str (no pickle);
    with a face, `face` uint8 (T, A, 4) and its tables (module docstring)."""
    face = {}
    if motion.face is not None:
        face["face"] = motion.face.encode().reshape(motion.frames, motion.actors, BYTES_PER_ROW)
        face.update({k: np.array(v, dtype=np.str_) for k, v in NPZ_FACE_TABLES.items()})
    with atomic_open(path) as fh:
        np.savez_compressed(
            fh,
            joints=motion.joints.astype(np.float32),
            fps=np.float64(motion.fps),
            prompt=np.str_(motion.prompt),
            meta=np.str_(json.dumps(motion.meta)),
            **face,
        )


def open_npz(path: str | os.PathLike) -> np.lib.npyio.NpzFile:
    """`np.load` of an NPZ archive, pickles refused; any other file raises ValueError naming it and why
    (`np.load`'s own errors, an EOFError or a zip error among them, say neither)."""
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not an NPZ archive ({numpy_failure(exc)})") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: not an NPZ archive (one array, as np.save writes)")
    return z


def npz_arrays(z: np.lib.npyio.NpzFile, keys: Sequence[str], where: str) -> dict[str, np.ndarray]:
    """The arrays `keys` of an open NPZ, each read whole (a damaged member: ValueError naming `where`)."""
    try:
        return {k: z[k] for k in keys}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"{where}: not an NPZ archive ({numpy_failure(exc)})") from None


def numpy_failure(exc: BaseException) -> str:
    """Why `np.load` could not read a file or an archive's member, in a few words."""
    if isinstance(exc, EOFError):
        return "the file is empty"
    if isinstance(exc, zipfile.BadZipFile | zlib.error):
        return f"its zip archive is damaged or cut short: {exc}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if "pickle" in str(exc).lower() or "object arrays" in str(exc).lower():
        return "not NumPy arrays of numbers and text: stickgen does not unpickle"
    return str(exc)


def load_npz(path: str | os.PathLike) -> Motion:
    """Read a motion `save_npz` wrote; any other file raises ValueError naming it and why."""
    with open_npz(path) as z:
        missing = [k for k in ("joints", "fps") if k not in z.files]
        if missing:
            raise ValueError(f"{path}: not a stickgen motion NPZ (missing {missing})")
        arrays = npz_arrays(z, z.files, str(path))
    return _npz_motion(arrays, str(path))


def _npz_motion(arrays: dict[str, np.ndarray], where: str) -> Motion:
    """The motion of an NPZ's arrays (`save_npz`'s keys), or ValueError naming `where` and the field."""
    for key in ("fps", "prompt", "meta"):
        if key in arrays and arrays[key].ndim != 0:
            raise ValueError(f"{where}: {key} must be one value, got an array of shape {arrays[key].shape}")
    meta = {}
    if "meta" in arrays:
        try:
            meta = json.loads(str(arrays["meta"]))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: meta is not JSON ({exc})") from None
    joints = arrays["joints"]
    face = None
    if "face" in arrays:
        actors = joints.shape[1] if joints.ndim == 4 else 1  # (T, 22, 3): one actor
        face = _face_from_npz(arrays, joints.shape[0] if joints.ndim else 0, actors, where)
    prompt = str(arrays["prompt"]) if "prompt" in arrays else ""
    try:
        return Motion(joints, arrays["fps"].item(), prompt, meta, face)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None


# --- BVH (stickgen.generate.bvh: T-pose rest, SMPL / Mixamo names, twist, axes and units) ---------------


def bvh_paths(path: str | os.PathLike, actors: int) -> list[Path]:
    """Where `save_bvh` writes: the path itself for actor 0, `<stem>.actor<k>.bvh` for actor k."""
    path = Path(path)
    return [path] + [path.with_name(f"{path.stem}.actor{k}{path.suffix}") for k in range(1, actors)]


def save_bvh(motion: Motion, path: str | os.PathLike, options: BvhOptions | None = None) -> list[Path]:
    """Write one BVH file per actor; returns the paths written."""
    paths = bvh_paths(path, motion.actors)
    for a, p in enumerate(paths):
        atomic_write_text(p, bvh_text(motion.joints[:, a], motion.fps, options))
    return paths


# --- by suffix -----------------------------------------------------------------------------------


def save_motion(motion: Motion, path: str | os.PathLike, bvh: BvhOptions | None = None) -> list[Path]:
    """Write `motion` in the format its suffix names (.json, .npz, .bvh, .glb, .npy = v3 segments); `bvh`: the
    BVH rig, axes and units (default: SMPL names, Y up, centimetres).

    Every file is written atomically (`stickgen.core.atomic`): a failed or killed write, or another process
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
    elif suffix == ".glb":
        from stickgen.generate.gltf import save_glb

        return save_glb(motion, path)
    else:
        return save_bvh(motion, path, bvh)
    return [path]


def load_motion(path: str | os.PathLike) -> Motion:
    """Read a motion written by `save_motion` (.json or .npz)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"motion file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return from_json_dict(read_json(path), str(path))
    if suffix == ".npz":
        return load_npz(path)
    raise ValueError(
        f"unsupported motion file [{suffix or path.name}]; stickgen reads .json and .npz motions"
    )
