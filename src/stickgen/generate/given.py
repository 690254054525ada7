"""The given motion of a continuation or an in-betweening: a stickgen motion file or a BVH file.

    prefix = load_given(Path("walk.npz"))                 # written by `stickgen generate` (.npz / .json)
    known = load_given(Path("01_01.bvh"), fps=gen.fps)    # any human BVH rig, at the model's frame rate
    m = directed.continue_motion(gen, prefix, "the person sits down", duration_s=4.0)
    m = directed.inbetween(gen, "a person jumps", known, keep=frame_mask)   # mask at known's frames

A BVH file is read as `stickgen convert bvh` reads one (`sources.bvh.read_bvh`: the rig mapping, the CMU
thorax repair, up axis, units and sides found from the animation, an added rest frame dropped) and must
pass the conversion's checks of a take (`sources.base.check_take`: body size, up axis, a plausible human).
Its joints are then placed as converted clips are (`skeleton.to_canonical_frame`: facing +Z with the pelvis
at x = z = 0 on the first frame, the lowest foot point on the floor) and, with `fps`, resampled to it
(`retime.resample`, bones kept at their lengths). One BVH file holds one actor. A file the reader rejects
is one `ValueError` line naming the file and the reason.
"""

from __future__ import annotations

from pathlib import Path

from stickgen.core.skeleton import to_canonical_frame
from stickgen.generate.export import load_motion
from stickgen.generate.motion import Motion
from stickgen.generate.retime import resample

BVH_META = ("native_fps", "rig", "units", "up_axis", "sides", "dropped_first_frame")


def load_given(path: Path, fps: float | None = None) -> Motion:
    """The motion in `path` (.bvh, or .npz / .json of `stickgen generate`), resampled to `fps` when given."""
    path = Path(path)
    motion = read_bvh_motion(path) if path.suffix.lower() == ".bvh" else load_motion(path)
    return motion if fps is None else resample(motion, fps)


def read_bvh_motion(path: Path, rig: str = "") -> Motion:
    """One actor's canonical joints from the BVH file `path` at its own frame rate (`rig`: a rig mapping to
    force, `sources.rigs.rig_choices()`; "" recognises it); `meta.bvh` records what the reader found."""
    from stickgen.sources.base import SourceError, Take, check_take
    from stickgen.sources.bvh import read_bvh

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"motion file not found: {path}")
    label = str(path)
    try:
        read = read_bvh(path, label, rig)
        # the conversion's checks of a take; its caption and action are placeholders that nothing reads
        take = Take(label, read.joints[:, None], read.fps, ["a given motion"], "unknown", meta=read.meta)
        check_take(take, max_actors=1)
    except SourceError as exc:
        raise ValueError(
            f"{label}: not read as a motion by the BVH converter: {_reason(str(exc), label)}"
        ) from None
    meta = {"source_file": label, "bvh": {k: read.meta[k] for k in BVH_META if k in read.meta}}
    return Motion(to_canonical_frame(read.joints[:, None]), read.fps, "", meta)


def _reason(message: str, label: str) -> str:
    """The converter's message without its own naming of the file (the caller names it once)."""
    for prefix in (f"{label}: ", f"take [{label}]: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message
