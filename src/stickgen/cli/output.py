"""What `--out` names, checked before anything is made, and the motion written there (`stickgen generate`,
`render`, `render-clip`): an animation (GIF, MP4, HTML) with its render options, or motion data (JSON, NPZ,
BVH, glTF, v3 segments, an AMASS .npz with --smpl)."""

from __future__ import annotations

import argparse
import errno
import os
from pathlib import Path

from stickgen.generate.batch import UsageError

RENDER_SUFFIXES = (".gif", ".mp4", ".html")
EXPORT_SUFFIXES = (".json", ".npz", ".bvh", ".glb", ".npy")


def _check_out(out: Path) -> str:
    """The output's format, once `out` is known to name a file that can be written (before any motion is
    made: a refused write after minutes of generating lost them)."""
    if out.parent.exists() and not out.parent.is_dir():
        raise UsageError(f"--out {out}: {out.parent} is a file, not a folder")
    _check_writable(out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder: name the file to write, e.g. {out / 'motion.gif'}")
    suffix = out.suffix.lower()
    if suffix not in RENDER_SUFFIXES + EXPORT_SUFFIXES:
        raise UsageError(
            f"unsupported output [{suffix or out.name}]: choose .gif, .mp4 or .html (animation), .json, .npz "
            "or .bvh (motion data), .glb (skinned glTF animation) or .npy (v3 stick segments)"
        )
    if suffix == ".mp4":
        from stickgen.generate.render import mp4_available

        if not mp4_available():
            raise UsageError(
                "MP4 output needs the optional package imageio-ffmpeg (pip install 'stickgen[video]')"
            )
    return suffix


def check_output(args: argparse.Namespace) -> None:
    """`--out` and, for an animation, the render options, checked before anything is made."""
    if _check_out(args.out) in RENDER_SUFFIXES:
        render_options(args)


def _check_writable(out: Path) -> None:
    """`UsageError` unless a file named `out` can be made where it is to go (its folder made if missing):
    tried with a file of that name, removed at once, where none is yet."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            if not (os.access(out, os.W_OK) and os.access(out.parent, os.W_OK)):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        else:
            out.open("xb").close()
            out.unlink()
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there: {exc.strerror or exc}") from None


def check_smpl(args: argparse.Namespace) -> None:
    if not args.smpl:
        if args.body_model is not None or args.mesh:
            raise UsageError("--body-model and --mesh pose an SMPL body: add --smpl (and an .npz --out)")
        return
    if args.out.suffix.lower() != ".npz":
        raise UsageError(f"--smpl writes an AMASS .npz; --out {args.out} is not one")
    if args.body_model is not None and not args.body_model.is_file():
        raise UsageError(f"--body-model {args.body_model}: no such file")
    if args.mesh and args.body_model is None:
        raise UsageError("--mesh poses a body model's mesh: give its file with --body-model FILE")


# the render settings' fields, as the options that set them
_RENDER_OPTIONS = {
    "RenderOptions.width": "--size",
    "RenderOptions.height": "--size",
    "RenderOptions.trail_frames": "--trails",
    "Camera.azimuth_deg": "--azimuth",
    "Camera.elevation_deg": "--elevation",
}


def render_options(args: argparse.Namespace):
    """The render settings of the options; a bad one is a `UsageError` naming the option."""
    from stickgen.generate.render import Camera, RenderOptions

    follow = {"auto": None, "on": True, "off": False}[args.follow]
    try:
        camera = Camera(azimuth_deg=args.azimuth, elevation_deg=args.elevation, follow=follow)
        return RenderOptions(width=args.size, height=args.size, camera=camera, trail_frames=args.trails)
    except ValueError as exc:
        message = str(exc)
        for field, option in _RENDER_OPTIONS.items():
            message = message.replace(field, option)
        raise UsageError(message) from None


def write_motion(motion, out: Path, args: argparse.Namespace) -> list[Path]:
    from stickgen.generate.export import save_motion
    from stickgen.generate.render import render

    if out.suffix.lower() in RENDER_SUFFIXES:
        return [render(motion, out, render_options(args))]
    if args.smpl:
        from stickgen.generate.smpl import save_amass

        paths = save_amass(motion, out, body_model=args.body_model, family=args.family, gender=args.gender)
        if not args.mesh:
            return paths
        from stickgen.generate.body_mesh import save_mesh_sequence

        return paths + [save_mesh_sequence(p, args.body_model) for p in paths]
    from stickgen.generate.bvh import BvhOptions

    return save_motion(motion, out, bvh=BvhOptions(rig=args.rig, up=args.up, units=args.units))
