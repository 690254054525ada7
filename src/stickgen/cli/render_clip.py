"""`stickgen render-clip FILE.pt CLIP --out clip.gif`: render (or export) one clip of a canonical, curated or
embedded file, with its face track when it has one.

    stickgen render-clip data/canonical/humanml3d.pt 000021 --out clip.gif   # by clip id
    stickgen render-clip data/curated/train.pt 0 --out first.html --azimuth 45  # or by index in the file

The output formats and view options are `stickgen render`'s (.gif / .mp4 / .html, .json / .npz / .bvh /
.glb, .npy); the motion's prompt is the clip's first caption and `meta.clip` says which clip it is.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stickgen.cli.generate import fail
from stickgen.cli.generate_args import FORMATS, _bvh_options, _view_options
from stickgen.cli.output import check_output, check_smpl, write_motion
from stickgen.generate.batch import UsageError


def _clip_index(store, clip: str) -> int:
    if clip in store.ids:
        return store.index(clip)
    if clip.isdigit() and int(clip) < len(store):
        return int(clip)
    shown = ", ".join(store.ids[:3]) + (", ..." if len(store) > 3 else "")
    raise UsageError(
        f"{store.path}: no clip [{clip}] (give an id such as {shown}, or an index below {len(store)})"
    )


def cmd_render_clip(args: argparse.Namespace) -> int:
    from stickgen.core.canonical import CanonicalFormatError, load
    from stickgen.generate.motion import motion_of_clip

    try:
        check_output(args)
        check_smpl(args)
        store = load(args.file)
        clip = store.clip(_clip_index(store, args.clip))
        motion = motion_of_clip(clip, store.fps)
        written = write_motion(motion, args.out, args)
    except (CanonicalFormatError, ValueError, OSError, RuntimeError) as exc:
        return fail("render-clip", exc)
    face = motion.face is not None and bool(motion.face.known.any())
    if args.json:
        info = {"files": [str(f) for f in written], "clip": clip.id, "frames": motion.frames}
        print(json.dumps({**info, "actors": motion.actors, "fps": motion.fps, "face": face}, indent=2))
        return 0
    print(
        f"{', '.join(map(str, written))}: clip {clip.id}, {motion.frames} frames, {motion.actors} actor(s) "
        f"at {motion.fps:g} fps, {'with' if face else 'no'} face"
    )
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register render-clip on the `stickgen` parser's subparsers."""
    r = sub.add_parser("render-clip", help="render or export one clip of a canonical / curated .pt file")
    r.add_argument("file", type=Path, help="a canonical, curated or embedded .pt file")
    r.add_argument("clip", help="the clip's id, or its index in the file")
    r.add_argument("--out", type=Path, required=True, help=FORMATS)
    r.add_argument("--json", action="store_true", help="print one JSON object")
    _view_options(r)
    _bvh_options(r)
    r.set_defaults(func=cmd_render_clip)
