"""SMPL-family pose parameters -> the 22 body joints, with a user's body model or a built-in template.

AMASS (SMPL-H / SMPL-X), InterHuman (SMPL-X) and AIST++ (SMPL) store motion as axis-angle joint
rotations, a root translation and shape coefficients (betas). Their joints come from one of:

- **A user-supplied body model** (`convert.body_models`: a folder in the `smplx` package layout,
  `smpl/SMPL_{GENDER}.pkl`, `smplh/SMPLH_{GENDER}.npz|pkl`, `smplx/SMPLX_{GENDER}.npz|pkl`; AMASS's own
  `smplh/{gender}/model.npz` also works). The files are licensed, so users download them (see
  docs/datasets.md); `.pkl` files must hold plain numpy arrays (the official SMPL pickles hold chumpy
  objects; convert them first). The joints are computed with `smplx`'s linear-blend-skinning functions
  WITHOUT the mesh: joint locations are linear in the shaped template, so the model's joint regressor
  is applied to the template and to the shape directions once per model file
  (`J = J_template + J_dirs @ betas`, once per sequence), and batched rigid forward kinematics
  (`posed_joints`, with `smplx.lbs.batch_rodrigues`) poses those 22 joints. This equals the joints of
  the full `smplx` forward pass (a test checks it) and never touches the 6890-10475 vertices. Every
  shape component
  the file has is used (SMPL-H: 16; SMPL-X: the first 300, or 10 for files with fewer than 400
  columns, as `smplx` does).
- **The built-in template** when no model is supplied (or the folder lacks the model a file needs):
  this project's own rest skeleton (`stickgen.core.rig`, a T-pose in the SMPL joint order with
  the SMPL rest axes: Y up, facing +Z) at a fixed stature per gender (`TEMPLATE_STATURE_M`), posed by
  the same rotations and the same forward kinematics. Body shape (betas) is then ignored. Clips say
  which in their meta:
  `body_model` ("smplh", "smplx", "smpl" or "template").
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.core.rig import PROPORTIONS, forward_kinematics, rest_offsets
from stickgen.core.skeleton import NUM_JOINTS, PARENTS
from stickgen.sources.base import SourceError
from stickgen.sources.files import text_value

FAMILIES: tuple[str, ...] = ("smpl", "smplh", "smplx")
GENDERS: tuple[str, ...] = ("male", "female", "neutral")
# The template's stature per gender (metres): this project's round adult figures.
TEMPLATE_STATURE_M: dict[str, float] = {"male": 1.75, "female": 1.63, "neutral": 1.70}
_REQUIRED_KEYS = ("v_template", "shapedirs", "J_regressor", "kintree_table")
_SMPLX_SHAPE_DIM, _SMPLX_EXPR_DIM = 300, 100
MAX_ROTATION_RAD = 100.0  # fitted axis-angle values stay within a few pi; far larger is not a pose


def normalize_gender(value: Any, label: str = "") -> str:
    """`male` / `female` / `neutral` from str, bytes or a 0-d numpy array (any case); none stored (or an
    empty text) is neutral; anything else a `SourceError` naming `label`'s field (the gender picks the body
    and the template's stature: 1.63-1.75 m)."""
    text = (text_value(value) or "").lower()
    if not text:
        return "neutral"
    if text not in GENDERS:
        raise SourceError(f"{label}: `gender` {text[:40]!r} is not one of {', '.join(GENDERS)}")
    return text


def find_model_file(body_models: str, family: str, gender: str) -> tuple[Path, str] | None:
    """The model file for (family, gender) under `body_models`, else the neutral one; None if neither.

    Returns:
        (path, gender of the file found).
    """
    if not body_models:
        return None
    root = Path(body_models) / family
    for g in dict.fromkeys((gender, "neutral")):
        for candidate in (
            root / f"{family.upper()}_{g.upper()}.npz",
            root / f"{family.upper()}_{g.upper()}.pkl",
            root / g / "model.npz",
            root / g / "model.pkl",
        ):
            if candidate.is_file():
                return candidate, g
    return None


def check_body_models_dir(body_models: str) -> None:
    """Raise `SourceError` when `convert.body_models` names a folder that does not exist."""
    if body_models and not Path(body_models).is_dir():
        raise SourceError(
            f"convert.body_models is {body_models!r}, which is not a folder; set it to the folder holding "
            f'smpl/ smplh/ smplx/ model files, or to "" for the built-in template skeleton'
        )


@dataclass(frozen=True)
class RestJoints:
    """What the pose needs from one body-model file: 22 joints, linear in the betas."""

    template: np.ndarray  # (22, 3) joints of the mean shape
    shape_dirs: np.ndarray  # (22, 3, S) joint displacement per beta
    parents: tuple[int, ...]  # 22 parent indices (-1 for the root)

    def at(self, betas: np.ndarray) -> np.ndarray:
        """(22, 3) rest joints for `betas` (extra betas beyond the model's components are ignored)."""
        n = min(int(betas.shape[-1]), self.shape_dirs.shape[-1])
        return self.template + self.shape_dirs[:, :, :n] @ betas[:n]


def read_model_arrays(path: Path) -> dict[str, Any]:
    """Every array of an SMPL-family model file (`.npz`, or a `.pkl` of plain numpy arrays)."""
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=True) as data:  # a user's own model file, trusted like code
            return {k: data[k] for k in data.files}
    with path.open("rb") as fh:
        return dict(pickle.load(fh, encoding="latin1"))


@lru_cache(maxsize=8)
def _load_rest_joints(path: str, family: str, stamp: tuple[int, int]) -> RestJoints:
    """Regress the 22 joints of the template and of every shape direction, with smplx's functions."""
    import torch
    from smplx.lbs import vertices2joints

    try:
        arrays = read_model_arrays(Path(path))
    except Exception as exc:  # a damaged or chumpy pickle, a truncated npz, ...
        raise SourceError(
            f"body model {path} cannot be read ({type(exc).__name__}: {exc}); .pkl files must hold plain "
            f"numpy arrays (see docs/datasets.md)"
        ) from None
    missing = [k for k in _REQUIRED_KEYS if k not in arrays]
    if missing:
        raise SourceError(f"body model {path} lacks {missing}: not an SMPL-family model file")
    try:
        v_template = np.asarray(arrays["v_template"], dtype=np.float64)
        shapedirs = np.asarray(arrays["shapedirs"], dtype=np.float64)
        regressor = arrays["J_regressor"]
        regressor = np.asarray(
            regressor.todense() if hasattr(regressor, "todense") else regressor, np.float64
        )
        parents = np.asarray(arrays["kintree_table"], dtype=np.int64)[0]
    except (TypeError, ValueError) as exc:
        raise SourceError(f"body model {path}: arrays of the wrong type ({exc})") from None
    if shapedirs.ndim == 2:
        shapedirs = shapedirs[:, :, None]
    if family == "smplx":
        n_shape = _SMPLX_SHAPE_DIM if shapedirs.shape[-1] >= _SMPLX_SHAPE_DIM + _SMPLX_EXPR_DIM else 10
        shapedirs = shapedirs[:, :, :n_shape]
    v = v_template.shape[0]
    if v_template.shape != (v, 3) or shapedirs.shape[:2] != (v, 3) or regressor.shape[1:] != (v,):
        raise SourceError(
            f"body model {path}: inconsistent shapes v_template {v_template.shape}, shapedirs "
            f"{shapedirs.shape}, J_regressor {regressor.shape}"
        )
    if (
        regressor.shape[0] < NUM_JOINTS
        or parents.shape[0] < NUM_JOINTS
        or (parents[1:NUM_JOINTS] >= NUM_JOINTS).any()
    ):
        raise SourceError(f"body model {path}: fewer than {NUM_JOINTS} body joints in SMPL order")
    reg = torch.from_numpy(regressor[:NUM_JOINTS])
    template = vertices2joints(reg, torch.from_numpy(v_template)[None])[0].numpy()  # (22, 3)
    s = shapedirs.shape[-1]
    dirs = torch.from_numpy(np.ascontiguousarray(shapedirs.transpose(2, 0, 1)))  # (S, V, 3)
    shape_dirs = vertices2joints(reg, dirs).numpy().transpose(1, 2, 0)  # (22, 3, S)
    assert shape_dirs.shape == (NUM_JOINTS, 3, s), shape_dirs.shape
    return RestJoints(
        template, np.ascontiguousarray(shape_dirs), (-1, *(int(p) for p in parents[1:NUM_JOINTS]))
    )


def load_rest_joints(path: Path, family: str) -> RestJoints:
    """The (cached per process) rest joints of one body-model file."""
    st = path.stat()
    return _load_rest_joints(os.fspath(path), family, (st.st_mtime_ns, st.st_size))


def posed_joints(rest: np.ndarray, parents: tuple[int, ...], pose: np.ndarray) -> np.ndarray:
    """Batched rigid forward kinematics: (T, 22, 3) joints, the root at rest[0].

    The rotations come from `smplx.lbs.batch_rodrigues`; the kinematic chain is walked once for all
    frames, in float64 (float32 results differ between CPUs by more than the canonical grid; see
    docs/reproducibility.md), computing only the joint positions and the world rotations of joints that have
    children (what `smplx.lbs.batch_rigid_transform` gives for the joints, without its skinning
    transforms: about four times faster).

    Args:
        rest: (22, 3) rest joints.
        parents: their parents (parents precede children).
        pose: (T, 22, 3) axis-angle rotations (root orientation first).
    """
    import torch
    from smplx.lbs import batch_rodrigues

    t = pose.shape[0]
    inner = sorted(set(parents[1:]))  # joints whose rotation moves a child
    with torch.no_grad():
        aa = torch.from_numpy(np.ascontiguousarray(pose[:, inner], dtype=np.float64)).reshape(-1, 3)
        rot = batch_rodrigues(aa).view(t, len(inner), 3, 3)
        local = {j: rot[:, k] for k, j in enumerate(inner)}
        bone = torch.from_numpy((rest - rest[[max(p, 0) for p in parents]]).astype(np.float64))  # (22, 3)
        world = {0: local[0]}
        pos = [torch.from_numpy(rest[0].astype(np.float64)).expand(t, 3)]
        for j in range(1, len(parents)):
            p = parents[j]
            pos.append(pos[p] + world[p] @ bone[j])
            if j in local:
                world[j] = world[p] @ local[j]
        return torch.stack(pos, dim=1).numpy()


def template_rest(gender: str) -> np.ndarray:
    """(22, 3) rest joints of the built-in template (pelvis at the origin)."""
    offsets = rest_offsets(TEMPLATE_STATURE_M[gender], PROPORTIONS)
    pos, _ = forward_kinematics(np.zeros(3), np.broadcast_to(np.eye(3), (NUM_JOINTS, 3, 3)), offsets)
    return pos


def smpl_family_joints(
    pose: np.ndarray,
    trans: np.ndarray,
    betas: np.ndarray,
    gender: str,
    families: tuple[str, ...],
    body_models: str,
) -> tuple[np.ndarray, dict[str, Any]]:
    """World joints (T, 22, 3) in the data's own axes and metres, and meta saying how they were made.

    Args:
        pose: (T, 22, 3) axis-angle: root orientation then the 21 body joints.
        trans: (T, 3) root translation (the SMPL `transl`).
        betas: (S,) shape coefficients.
        gender: `male`, `female` or `neutral`.
        families: body-model families the data was fitted with, in order of preference.
        body_models: `convert.body_models` ("" = template).

    Raises:
        SourceError: rotations of more than `MAX_ROTATION_RAD` (not axis-angle data).
    """
    largest = float(np.abs(pose).max()) if pose.size else 0.0
    if not largest <= MAX_ROTATION_RAD:
        raise SourceError(f"a joint rotation of {largest:.3g} rad: not axis-angle pose data")
    for family in families:
        found = find_model_file(body_models, family, gender)
        if found is None:
            continue
        path, file_gender = found
        rest = load_rest_joints(path, family)
        joints = posed_joints(rest.at(np.asarray(betas, np.float64).reshape(-1)), rest.parents, pose)
        rel = os.path.relpath(path, body_models)
        meta = {
            "body_model": family,
            "body_model_file": Path(rel).as_posix(),
            "body_model_gender": file_gender,
        }
        return joints + trans[:, None, :], meta
    joints = posed_joints(template_rest(gender), PARENTS, pose) + trans[:, None, :]
    meta = {
        "body_model": "template",
        "template_stature_m": TEMPLATE_STATURE_M[gender],
        "body_model_gender": gender,
    }
    if body_models:
        meta["body_model_missing"] = f"no {'/'.join(families)} model for {gender} under {body_models}"
    return joints, meta
