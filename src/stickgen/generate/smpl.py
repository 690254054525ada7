"""SMPL pose parameters in the AMASS `.npz` layout from a motion's joints (docs/inference.md, "SMPL").

    paths = save_amass(motion, "wave.npz")                       # one file per actor: <stem>.actor<k>.npz
    paths = save_amass(motion, "wave.npz", body_model="SMPLH_NEUTRAL.npz", family="smplh")

Per frame: the root orientation and the 21 body joints' rotations as axis-angle (SMPL order), solved as the
BVH's are (`stickgen.generate.bvh.solve`: all child directions, limb twist from the hierarchy) but
relative to the body model's own rest pose (the SMPL T-pose: the user's model file at betas 0 when given,
else the built-in template skeleton the AMASS converter uses, `stickgen.sources.bodymodel`). Hands are
left flat (zeros). The world is AMASS's: Z up, metres; `trans` puts the pelvis where the motion has it.

Keys (AMASS SMPL-H, as `*_poses.npz`; SMPL-X: 165 pose values): `poses` (T, 156) float64, `trans` (T, 3),
`betas` (16,) zeros, `gender`, `mocap_framerate`, `surface_model_type`; plus `stickgen_prompt`.

The motion's bone lengths and torso shape are not the body model's: every limb and spine bone keeps its
direction, the two torso blocks (hips + lower spine, neck + collars) are fitted whole, and the re-posed
body's joints differ from the motion's by those differences (none for a motion made on that body;
`AmassExport.max_error_m` says how much).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stickgen.core.atomic import atomic_open
from stickgen.core.rotations import matrix_to_axis_angle
from stickgen.core.skeleton import PARENTS
from stickgen.generate.bvh import local_rotations, solve
from stickgen.generate.motion import Motion
from stickgen.sources.bodymodel import load_rest_joints, posed_joints, template_rest
from stickgen.sources.units import Y_UP_TO_Z_UP

# pose widths of AMASS's layouts: root + 21 body joints + hands (SMPL-H), + jaw, eyes (SMPL-X); 3 values each
POSE_WIDTHS = {"smplh": 156, "smplx": 165}
NUM_BETAS = 16
GENDERS = ("neutral", "male", "female")


@dataclass(frozen=True)
class AmassExport:
    """One actor's AMASS arrays and how far the re-posed body model is from the motion's joints."""

    poses: np.ndarray  # (T, 156)
    trans: np.ndarray  # (T, 3)
    max_error_m: float


def rest_joints(body_model: str | os.PathLike | None, family: str, gender: str) -> np.ndarray:
    """(22, 3) rest joints (SMPL's frame: Y up, facing +Z) of a body-model file at betas 0, or the
    built-in template of `gender`."""
    if body_model is None:
        return template_rest(gender)
    rest = load_rest_joints(Path(body_model), family)
    if tuple(rest.parents) != tuple(PARENTS):
        raise ValueError(f"{body_model}: its first 22 joints are not the SMPL body chain")
    return rest.at(np.zeros(0))


def amass_arrays(joints: np.ndarray, rest: np.ndarray, family: str = "smplh") -> AmassExport:
    """One actor's canonical joints (T, 22, 3) -> AMASS `poses` (T, 156 or 165) and `trans` (T, 3) posing
    `rest`."""
    j = joints.astype(np.float64)
    offsets = np.zeros_like(rest)
    offsets[1:] = rest[1:] - rest[list(PARENTS[1:])]
    local = local_rotations(solve(j, offsets))  # in SMPL's own frame (Y up, facing +Z), as canonical is
    local[:, 0] = Y_UP_TO_Z_UP @ local[:, 0]  # the root orientation carries the body into AMASS's Z-up world
    body = matrix_to_axis_angle(local)  # (T, 22, 3)
    poses = np.zeros((len(j), POSE_WIDTHS[family]))
    poses[:, :66] = body.reshape(len(j), 66)
    # the body model's pelvis sits at rest[0] whatever the pose: trans moves it onto the motion's
    trans = j[:, 0] @ Y_UP_TO_Z_UP.T - rest[0]
    reposed = posed_joints(rest, PARENTS, body) + trans[:, None]
    error = float(np.linalg.norm(reposed - j @ Y_UP_TO_Z_UP.T, axis=-1).max())
    return AmassExport(poses, trans, error)


def amass_paths(path: str | os.PathLike, actors: int) -> list[Path]:
    path = Path(path)
    return [path] + [path.with_name(f"{path.stem}.actor{k}{path.suffix}") for k in range(1, actors)]


def save_amass(
    motion: Motion,
    path: str | os.PathLike,
    body_model: str | os.PathLike | None = None,
    family: str = "smplh",
    gender: str = "neutral",
) -> list[Path]:
    """Write one AMASS `.npz` per actor (see the module docstring); returns the paths written.

    Args:
        body_model: an SMPL-H / SMPL-X model file (None: the built-in template skeleton).
        family: `smplh` (156 pose values, as AMASS `*_poses.npz`) or `smplx` (165, as `*_stageii.npz`).
        gender: recorded in the file; picks the template's stature when there is no body model.
    """
    if family not in POSE_WIDTHS:
        raise ValueError(f"family must be one of {tuple(POSE_WIDTHS)}, got {family!r}")
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {GENDERS}, got {gender!r}")
    rest = rest_joints(body_model, family, gender)
    paths = amass_paths(path, motion.actors)
    for a, p in enumerate(paths):
        out = amass_arrays(motion.joints[:, a], rest, family)
        with atomic_open(p) as fh:
            np.savez_compressed(
                fh,
                poses=out.poses,
                trans=out.trans,
                betas=np.zeros(NUM_BETAS),
                gender=np.str_(gender),
                mocap_framerate=np.float64(motion.fps),
                surface_model_type=np.str_(family),
                stickgen_prompt=np.str_(motion.prompt),
            )
    return paths
