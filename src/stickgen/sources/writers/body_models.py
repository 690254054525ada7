"""Small synthetic SMPL / SMPL-H / SMPL-X body-model files, for tests and benchmarks (the real ones
are licensed and never shipped).

The arrays have the real models' keys and shapes (docs/datasets.md#body-models) but few vertices:
the first vertices sit on a human rest skeleton (this project's template) and the joint regressor
averages small vertex clusters around them, so the regressed joints form a plausible body; shape
directions and hand components are seeded random, pose correctives are zero. Skinning weights are random
too, except on each joint's cluster, which is skinned to that joint alone (as a real model's vertices around
a joint follow it), so the regressor applied to a posed mesh gives the posed joints.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stickgen.sources.bodymodel import template_rest

# joints per family, and how many vertices each file gets (a full smplx forward pass of SMPL-X reads
# vertex ids up to 9929)
JOINTS = {"smpl": 24, "smplh": 52, "smplx": 55}
VERTICES = {"smpl": 200, "smplh": 240, "smplx": 9930}
SHAPE_DIMS = {"smpl": 10, "smplh": 16, "smplx": 20}
CLUSTER = 3  # vertices averaged into each joint


def parents(family: str) -> np.ndarray:
    """The kinematic tree: 22 body joints in SMPL order, then hands (and jaw/eyes for SMPL-X)."""
    body = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19]
    if family == "smpl":
        return np.array(body + [20, 21])
    extra = [15, 15, 15] if family == "smplx" else []
    out = body + extra
    for wrist in (20, 21):
        for _finger in range(5):
            base = len(out)
            out += [wrist, base, base + 1]
    assert len(out) == JOINTS[family], (family, len(out))
    return np.array(out)


def rest_joints(family: str) -> np.ndarray:
    """Rest joint positions: the template's 22 plus hand/face joints near their parents."""
    body = template_rest("neutral") + np.array([0.0, 0.2, 0.0])  # SMPL's pelvis is off the origin
    par = parents(family)
    out = np.zeros((JOINTS[family], 3))
    out[:22] = body
    rng = np.random.default_rng(7)
    for j in range(22, JOINTS[family]):
        out[j] = out[par[j]] + rng.normal(0.0, 0.02, 3)
    return out


def write_model(folder: Path, family: str, gender: str = "neutral", ext: str = "npz", seed: int = 0) -> Path:
    """Write `<folder>/<family>/<FAMILY>_<GENDER>.<ext>` and return its path."""
    rng = np.random.default_rng([seed, JOINTS[family], len(gender)])
    j, v, s = JOINTS[family], VERTICES[family], SHAPE_DIMS[family]
    joints = rest_joints(family)
    v_template = rng.normal(0.0, 0.3, (v, 3)) + np.array([0.0, 0.2, 0.0])
    regressor = np.zeros((j, v))
    for k in range(j):
        ids = np.arange(k * CLUSTER, (k + 1) * CLUSTER)
        v_template[ids] = joints[k] + rng.normal(0.0, 0.005, (CLUSTER, 3))
        regressor[k, ids] = 1.0 / CLUSTER
    weights = rng.random((v, j))
    for k in range(j):  # each cluster moves with its joint
        weights[k * CLUSTER : (k + 1) * CLUSTER] = np.eye(j)[k]
    arrays = {
        "v_template": v_template,
        "shapedirs": rng.normal(0.0, 0.004, (v, 3, s)),
        "posedirs": np.zeros((v, 3, (j - 1) * 9)),
        "J_regressor": regressor,
        "weights": weights / weights.sum(axis=1, keepdims=True),
        "kintree_table": np.stack([parents(family), np.arange(j)]).astype(np.int64),
        "f": rng.integers(0, v, (64, 3)).astype(np.int64),
    }
    if family in ("smplh", "smplx"):
        for side in "lr":
            arrays[f"hands_components{side}"] = np.linalg.qr(rng.normal(size=(45, 45)))[0]
            arrays[f"hands_mean{side}"] = rng.normal(0.0, 0.1, 45)
    if family == "smplx":
        arrays["lmk_faces_idx"] = rng.integers(0, 64, 51).astype(np.int64)
        arrays["lmk_bary_coords"] = np.full((51, 3), 1.0 / 3.0)
    path = folder / family / f"{family.upper()}_{gender.upper()}.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if ext == "npz":
        np.savez(
            path,
            **{k: np.asarray(val, np.float32) if val.dtype.kind == "f" else val for k, val in arrays.items()},
        )
    else:
        import pickle

        with path.open("wb") as fh:
            pickle.dump(arrays, fh)
    return path
