"""InterHuman (`interhuman`): two-person SMPL-X motions with captions; Z up, metres.

Layout (the release's folders): `data/raw/interhuman/motions/<id>.pkl` and `annots/<id>.txt`, and
optionally `ignore_list.txt` (names skipped and reported, as InterGen does) and
`train.txt` / `val.txt` / `test.txt` (the split goes into meta). Each pickle holds `person1` and
`person2`, each with `trans` (T, 3), `root_orient` (T, 3), `pose_body` (T, 63) and `betas`; a
`mocap_framerate` (or `frame_rate`, `fps`) at the top or in a person, else `NATIVE_FPS` (the raw
capture rate; the release's processed 30 fps copies are half as long). Both people must have the
same number of frames. The annotation file has one caption per line.

Joints come from the user's SMPL-X (else SMPL-H) neutral model under `convert.body_models`, else
the template (`sources.bodymodel`). The world is Z up, turned to Y up by a rotation about X; both
people keep their relative placement (the clip is placed by person 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from stickgen.core.vocab import infer_action
from stickgen.sources.base import Converter, SourceError, Take
from stickgen.sources.bodymodel import check_body_models_dir, normalize_gender, smpl_family_joints
from stickgen.sources.files import array, frame_rate, listed_names
from stickgen.sources.safe_pickle import load_pickle
from stickgen.sources.units import Z_UP_TO_Y_UP

NAME = "interhuman"
NATIVE_FPS = 59.94
MOTIONS_DIR = "motions"
ANNOTS_DIR = "annots"
IGNORE_LIST = "ignore_list.txt"
SPLITS: tuple[str, ...] = ("train", "val", "test")
PEOPLE: tuple[str, ...] = ("person1", "person2")
FPS_KEYS: tuple[str, ...] = ("mocap_framerate", "mocap_frame_rate", "frame_rate", "fps")
LICENCE = "InterHuman: CC BY-NC-SA 4.0, non-commercial, no redistribution (see docs/datasets.md#interhuman)"


def read_captions(path: Path, label: str) -> list[str]:
    """The non-empty lines of an annotation file, without duplicates."""
    if not path.is_file():
        raise SourceError(f"{label}: no caption file {ANNOTS_DIR}/{path.name}")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{label}: cannot read {ANNOTS_DIR}/{path.name}: {exc}") from None
    captions = list(dict.fromkeys(" ".join(line.split()) for line in lines if line.strip()))
    if not captions:
        raise SourceError(f"{label}: {ANNOTS_DIR}/{path.name} has no caption")
    return captions


def person_params(person: Any, who: str, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(pose (T, 22, 3), trans (T, 3), betas, gender) of one person's dict."""
    where = f"{label} {who}"
    if not isinstance(person, dict):
        raise SourceError(f"{where}: expected a dict of arrays, got {type(person).__name__}")
    root = array(person, "root_orient", (None, 3), where)
    frames = root.shape[0]
    if frames == 0:
        raise SourceError(f"{where}: the motion is empty (0 frames)")
    body = array(person, "pose_body", (frames, 63), where)
    trans = array(person, "trans", (frames, 3), where)
    betas = array(
        {"betas": np.asarray(person.get("betas", np.zeros(0))).reshape(-1)}, "betas", (None,), where
    )
    pose = np.concatenate([root, body], axis=1).reshape(frames, 22, 3)
    return pose, trans, betas, normalize_gender(person.get("gender"), where)


class InterHumanConverter(Converter):
    """InterHuman's raw motions (see the module docstring)."""

    name = NAME

    def _files(self, raw_dir: Path) -> list[Path]:
        folder = raw_dir / MOTIONS_DIR
        return sorted(p for p in folder.glob("*.pkl") if p.is_file()) if folder.is_dir() else []

    def list_items(self, raw_dir: Path) -> list[Path]:
        check_body_models_dir(self.body_models)
        ignored = listed_names(raw_dir / IGNORE_LIST)
        return [p for p in self._files(raw_dir) if p.stem not in ignored]

    def skipped_items(self, raw_dir: Path) -> list[dict[str, str]]:
        ignored = listed_names(raw_dir / IGNORE_LIST)
        return [
            {"file": p.relative_to(raw_dir).as_posix(), "reason": f"listed in {IGNORE_LIST}"}
            for p in self._files(raw_dir)
            if p.stem in ignored
        ]

    def read(self, raw_dir: Path, item: Path) -> list[Take]:
        label = self.item_label(raw_dir, item)
        captions = read_captions(raw_dir / ANNOTS_DIR / f"{item.stem}.txt", label)
        data = load_pickle(item, label)
        if not isinstance(data, dict) or not all(p in data for p in PEOPLE):
            raise SourceError(f"{label}: expected a dict with {' and '.join(PEOPLE)}")
        actors, bodies = [], []
        frames = None
        fps_source: dict[str, Any] = {k: data[k] for k in FPS_KEYS if k in data}
        for who in PEOPLE:
            pose, trans, betas, gender = person_params(data[who], who, label)
            if frames is not None and pose.shape[0] != frames:
                raise SourceError(f"{label}: person1 has {frames} frames, person2 {pose.shape[0]}")
            frames = pose.shape[0]
            fps_source.update({k: data[who][k] for k in FPS_KEYS if k in data[who] and k not in fps_source})
            joints, body = smpl_family_joints(
                pose, trans, betas, gender, ("smplx", "smplh"), self.body_models
            )
            actors.append(joints @ Z_UP_TO_Y_UP.T)
            bodies.append(body)
        fps = frame_rate(fps_source, FPS_KEYS, label) if fps_source else NATIVE_FPS
        split = next((s for s in SPLITS if item.stem in listed_names(raw_dir / f"{s}.txt")), "")
        meta = {
            "native_fps": fps,
            "fps_source": "file" if fps_source else "assumed (InterHuman capture rate)",
            "units": "m",
            "up_axis": "z",
            "derived_joints": [],
            "source_split": split,
            "licence": LICENCE,
            **bodies[0],
        }
        return [
            Take(
                path=item.stem,
                joints=np.stack(actors, axis=1),
                fps=fps,
                texts=captions,
                action=infer_action(captions),
                meta=meta,
            )
        ]
