"""AMASS (`amass`): SMPL-H (`*_poses.npz`) and SMPL-X (`*_stageii.npz`) motion files, Z up, metres.

Layout: `data/raw/amass/<sub-dataset>/<subject>/<take>.npz` (the release's folders, any depth). Each
motion file holds `poses` (T, 156) for SMPL-H or (T, 165) for SMPL-X (root orientation, 21 body
joints, then hands / jaw / eyes; only the first 22 rotations move the body joints), `trans` (T, 3),
`betas`, `gender` (str or bytes) and `mocap_framerate` (SMPL-H) or `mocap_frame_rate` (SMPL-X).
Shape-only files (`shape.npz`, `*_stagei.npz`) are skipped and reported; any other `.npz` without
`poses` is rejected.

Joints come from the user's SMPL-H / SMPL-X model when `convert.body_models` has one for the file's
family and gender (else the neutral one), otherwise from the built-in template skeleton
(`sources.bodymodel`; meta `body_model` says which). AMASS's world is Z up: positions are turned to
Y up by a rotation about X. AMASS has no captions: they are templated from the take's label (its
file name without `_poses` / `_stageii`, e.g. `B3 - walk1` -> `walk`), and a label without an action
word gives action `unknown`. Meta keeps the label, the sub-dataset and the body model used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stickgen.core.vocab import infer_action
from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.bodymodel import check_body_models_dir, normalize_gender, smpl_family_joints
from stickgen.sources.captions import action_phrase, label_words, templated
from stickgen.sources.files import array, frame_rate, load_npz, text_value
from stickgen.sources.units import Z_UP_TO_Y_UP

NAME = "amass"
LICENCE = "AMASS licence: non-commercial research, per sub-dataset terms (see docs/datasets.md#amass)"
POSE_WIDTHS: dict[int, str] = {156: "smplh", 165: "smplx"}
FPS_KEYS: tuple[str, ...] = ("mocap_framerate", "mocap_frame_rate")
LABEL_SUFFIXES: tuple[str, ...] = ("_poses", "_stageii")
# the members read from a motion file (nothing else in the archive is decompressed)
MEMBERS: tuple[str, ...] = ("poses", "trans", "betas", "gender", "surface_model_type", *FPS_KEYS)


def is_shape_file(path: Path) -> bool:
    """AMASS's body-shape files: `shape.npz` (SMPL-H) and `*_stagei.npz` (SMPL-X)."""
    return path.name == "shape.npz" or path.stem.endswith("_stagei")


def take_label(stem: str) -> str:
    """The take's label: the file stem without AMASS's `_poses` / `_stageii` suffix."""
    for suffix in LABEL_SUFFIXES:
        if stem.endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def amass_caption(label: str, key: str) -> tuple[list[str], str]:
    """(templated captions, action) from a take label."""
    action = infer_action([label_words(label)])
    return templated(action_phrase(action), key), action


class AMASSConverter(Converter):
    """AMASS motion files (see the module docstring)."""

    name = NAME

    def list_items(self, raw_dir: Path) -> list[Path]:
        check_body_models_dir(self.body_models)
        return sorted(p for p in raw_dir.rglob("*.npz") if p.is_file() and not is_shape_file(p))

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        return [
            {"file": p.relative_to(raw_dir).as_posix(), "reason": "a body-shape file (no motion)"}
            for p in sorted(raw_dir.rglob("*.npz"))
            if is_shape_file(p)
        ]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        data = load_npz(item, label, MEMBERS)
        if "poses" not in data:
            raise SourceError(f"{label}: no `poses` array: not an AMASS motion file")
        width = data["poses"].shape[-1] if data["poses"].ndim == 2 else -1
        if width not in POSE_WIDTHS:
            raise SourceError(
                f"{label}: `poses` has shape {data['poses'].shape}; want (T, 156) SMPL-H or (T, 165) SMPL-X"
            )
        family = POSE_WIDTHS[width]
        declared = text_value(data.get("surface_model_type"))
        if declared is not None and declared != family:
            raise SourceError(f"{label}: surface_model_type {declared!r} disagrees with {width}-wide poses")
        poses = array(data, "poses", (None, width), label)
        frames = poses.shape[0]
        if frames == 0:
            raise SourceError(f"{label}: the motion is empty (0 frames)")
        trans = array(data, "trans", (frames, 3), label)
        betas = array(data, "betas", (None,), label) if "betas" in data else np.zeros(0)
        fps = frame_rate(data, FPS_KEYS, label)
        gender = normalize_gender(data.get("gender"), label)
        joints, body = smpl_family_joints(
            poses[:, :66].reshape(frames, 22, 3), trans, betas, gender, (family,), self.body_models
        )
        path = label[: -len(item.suffix)]
        take_name = take_label(item.stem)
        texts, action = amass_caption(take_name, path)
        parts = Path(label).parts
        meta = {
            "native_fps": fps,
            "units": "m",
            "up_axis": "z",
            "derived_joints": [],
            "surface_model": family,
            "gender": gender,
            "label": take_name,
            "sub_dataset": parts[0] if len(parts) > 1 else "",
            "licence": LICENCE,
            **body,
        }
        return [
            Take(
                path=path,
                joints=(joints @ Z_UP_TO_Y_UP.T)[:, None],
                fps=fps,
                texts=texts,
                action=action,
                meta=meta,
            )
        ]
