"""The posed body mesh of an SMPL export: one Wavefront `.obj` per frame, through smplx (docs/inference.md,
"SMPL").

    folder = save_mesh_sequence("wave_poses.npz", "SMPLH_NEUTRAL.npz")   # wave_poses.mesh/frame_0000.obj, ...

The pose parameters are read back from the AMASS `.npz` that `stickgen.generate.smpl` wrote (any AMASS
SMPL-H `*_poses.npz` or SMPL-X `*_stageii.npz` works): `poses` (T, 3 J), `trans`, `betas` and
`surface_model_type`. The body model file (an SMPL-H / SMPL-X model, read as `stickgen.sources.bodymodel`
reads it) is posed by `smplx.lbs.lbs`, the linear blend skinning of smplx's own models (shape blend shapes,
pose correctives, skinning), with the full pose vector as AMASS stores it (hands as given, no hand mean
added, i.e. smplx's `flat_hand_mean=True`), in chunks of frames.

Each `.obj` holds the mesh of one frame in the motion's canonical axes (metres, Y up, the front at +Z: what
OBJ importers expect; Blender's default import puts it upright) with the model's vertex order and faces, so
the model's `J_regressor` applies to it. A folder holds one actor's frames, `frame_0000.obj` onwards; frame
files of an earlier, longer run in that folder are removed so the sequence is exactly this motion's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stickgen.core.atomic import atomic_write_text
from stickgen.sources.bodymodel import read_model_arrays
from stickgen.sources.units import Y_UP_TO_Z_UP

CHUNK_FRAMES = 64  # frames posed at once: bounds memory to about 64 x V x 16 floats
FAMILY_JOINTS = {"smplh": 52, "smplx": 55}
MESH_FOLDER_SUFFIX = ".mesh"


@dataclass(frozen=True)
class BodyModel:
    """The arrays smplx's linear blend skinning needs, as float32 (smplx's own models' layout)."""

    v_template: np.ndarray  # (V, 3)
    shapedirs: np.ndarray  # (V, 3, S) shape components only
    posedirs: np.ndarray  # ((J - 1) * 9, V * 3)
    J_regressor: np.ndarray  # (J, V)
    parents: np.ndarray  # (J,) int64, -1 for the root
    weights: np.ndarray  # (V, J)
    faces: np.ndarray  # (F, 3) int64

    @property
    def joints(self) -> int:
        return int(self.J_regressor.shape[0])


def load_body_model(path: str | os.PathLike, family: str) -> BodyModel:
    """An SMPL-H / SMPL-X model file; `ValueError` naming the file for anything unusable."""
    path = Path(path)
    try:
        a = read_model_arrays(path)
    except Exception as exc:  # a damaged or chumpy pickle, a truncated npz, ...
        raise ValueError(
            f"body model {path} cannot be read ({type(exc).__name__}: {exc}); .pkl files must hold plain "
            "numpy arrays (docs/datasets.md)"
        ) from None
    keys = ("v_template", "shapedirs", "posedirs", "J_regressor", "kintree_table", "weights", "f")
    missing = [k for k in keys if k not in a]
    if missing:
        raise ValueError(f"body model {path} lacks {missing}: not an SMPL-family model file")
    reg = a["J_regressor"]
    reg = np.asarray(reg.todense() if hasattr(reg, "todense") else reg, np.float32)
    v = np.asarray(a["v_template"], np.float32)
    shapedirs = np.asarray(a["shapedirs"], np.float32)
    if shapedirs.ndim == 2:
        shapedirs = shapedirs[:, :, None]
    if family == "smplx":  # shape components come first, then expression ones (as smplx reads them)
        shapedirs = shapedirs[:, :, : 300 if shapedirs.shape[-1] >= 400 else 10]
    posedirs = np.asarray(a["posedirs"], np.float32)
    j = reg.shape[0]
    if j != FAMILY_JOINTS[family] or posedirs.shape != (v.shape[0], 3, (j - 1) * 9):
        raise ValueError(
            f"body model {path}: {j} joints and posedirs {posedirs.shape}; an {family.upper()} model has "
            f"{FAMILY_JOINTS[family]} joints"
        )
    return BodyModel(
        v_template=v,
        shapedirs=shapedirs,
        posedirs=posedirs.reshape(-1, posedirs.shape[-1]).T.copy(),  # as smplx stores it
        J_regressor=reg,
        parents=np.asarray(a["kintree_table"], np.int64)[0].copy(),
        weights=np.asarray(a["weights"], np.float32),
        faces=np.asarray(a["f"], np.int64),
    )


def posed_vertices(model: BodyModel, poses: np.ndarray, trans: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """(T, V, 3) vertices in AMASS's world (Z up, metres) for AMASS `poses` (T, 3 J), `trans` (T, 3) and
    `betas` (extra betas beyond the model's shape components are ignored)."""
    import torch
    from smplx.lbs import lbs

    if poses.shape[1] != 3 * model.joints:
        raise ValueError(
            f"poses have {poses.shape[1]} values per frame; this body model takes {3 * model.joints}"
        )
    n = min(len(betas), model.shapedirs.shape[-1])
    shapedirs = torch.from_numpy(np.ascontiguousarray(model.shapedirs[:, :, :n]))
    fixed = {
        "v_template": torch.from_numpy(model.v_template)[None],
        "shapedirs": shapedirs,
        "posedirs": torch.from_numpy(model.posedirs),
        "J_regressor": torch.from_numpy(model.J_regressor),
        "parents": torch.from_numpy(model.parents),
        "lbs_weights": torch.from_numpy(model.weights),
    }
    b = torch.from_numpy(np.asarray(betas[:n], np.float32))[None]
    out = np.empty((len(poses), model.v_template.shape[0], 3))
    with torch.no_grad():
        for s in range(0, len(poses), CHUNK_FRAMES):
            pose = torch.from_numpy(np.asarray(poses[s : s + CHUNK_FRAMES], np.float32))
            verts, _ = lbs(b.expand(len(pose), -1), pose, **fixed)
            out[s : s + len(pose)] = verts.numpy()
    return out + trans[:, None]


def obj_text(vertices: np.ndarray, faces_text: str, header: str) -> str:
    """One `.obj`: a comment, `v` lines (0.01 mm), then the faces (1-based `f` lines, `faces_lines`)."""
    v = np.asarray(vertices, np.float64)
    return f"# {header}\n" + ("v %.5f %.5f %.5f\n" * len(v)) % tuple(v.ravel()) + faces_text


def faces_lines(faces: np.ndarray) -> str:
    return ("f %d %d %d\n" * len(faces)) % tuple((faces + 1).ravel())


def mesh_folder(amass_path: str | os.PathLike) -> Path:
    """Where the frames of an AMASS file go: `<stem>.mesh/` beside it."""
    path = Path(amass_path)
    return path.with_name(path.stem + MESH_FOLDER_SUFFIX)


def save_mesh_sequence(
    amass_path: str | os.PathLike, body_model: str | os.PathLike, folder: str | os.PathLike | None = None
) -> Path:
    """Pose `body_model` by the AMASS file's parameters and write one `.obj` per frame into `folder`
    (default `mesh_folder(amass_path)`); returns the folder.

    Args:
        amass_path: an AMASS `.npz` (`stickgen.generate.smpl.save_amass` writes them).
        body_model: the SMPL-H / SMPL-X model file of the file's `surface_model_type`.
    """
    with np.load(amass_path, allow_pickle=False) as z:
        poses, trans = z["poses"].astype(np.float64), z["trans"].astype(np.float64)
        betas = z["betas"].astype(np.float64) if "betas" in z.files else np.zeros(0)
        family = str(z["surface_model_type"]) if "surface_model_type" in z.files else "smplh"
        fps = float(z["mocap_framerate"]) if "mocap_framerate" in z.files else 0.0
    if family not in FAMILY_JOINTS:
        raise ValueError(
            f"{amass_path}: surface_model_type {family!r}; meshes are made for {tuple(FAMILY_JOINTS)}"
        )
    model = load_body_model(body_model, family)
    verts = posed_vertices(model, poses, trans, betas) @ Y_UP_TO_Z_UP  # AMASS's Z up -> canonical Y up
    out = mesh_folder(amass_path) if folder is None else Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    faces = faces_lines(model.faces)
    digits = max(4, len(str(len(verts) - 1)))
    names = set()
    for t, v in enumerate(verts):
        name = f"frame_{t:0{digits}d}.obj"
        header = f"stickgen {family} body, frame {t} of {len(verts)} at {fps:g} fps; metres, Y up"
        atomic_write_text(out / name, obj_text(v, faces, header))
        names.add(name)
    for stale in out.glob("frame_*.obj"):  # an earlier, longer sequence's frames
        if stale.name not in names:
            stale.unlink()
    return out
