"""The arguments of `stickgen generate` and `stickgen render` (their commands: `stickgen.cli.generate`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from stickgen.cli.generate import cmd_generate, cmd_render


def _bvh_options(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("BVH (.bvh): T-pose rest, rotations with limb twist (docs/inference.md)")
    g.add_argument(
        "--rig",
        choices=("smpl", "mixamo"),
        default="smpl",
        help="joint names: SMPL's or Mixamo's (mixamorig:)",
    )
    g.add_argument("--up", choices=("y", "z"), default="y", help="up axis (z: Blender's, facing -Y)")
    g.add_argument("--units", choices=("cm", "m"), default="cm", help="length unit")
    s = ap.add_argument_group("SMPL (.npz --smpl): pose parameters in the AMASS layout (docs/inference.md)")
    s.add_argument("--smpl", action="store_true", help="write SMPL-H / SMPL-X poses (AMASS .npz), not joints")
    s.add_argument(
        "--body-model",
        type=Path,
        default=None,
        metavar="FILE",
        help="the SMPL-H / SMPL-X model file to pose (default: the built-in template skeleton)",
    )
    s.add_argument("--family", choices=("smplh", "smplx"), default="smplh", help="the body model's family")
    s.add_argument("--gender", choices=("neutral", "male", "female"), default="neutral")
    s.add_argument(
        "--mesh",
        action="store_true",
        help="with --body-model: also the posed body mesh, one .obj per frame in <stem>.mesh/ per actor",
    )


def _view_options(ap: argparse.ArgumentParser) -> None:
    g = ap.add_argument_group("rendering (.gif / .mp4 / .html)")
    g.add_argument(
        "--azimuth",
        type=float,
        default=None,
        help="camera orbit to the figure's left, degrees (0: front; default: front for one actor, across "
        "the line between actors for several)",
    )
    g.add_argument("--elevation", type=float, default=0.0, help="camera height angle, degrees (-90..90)")
    g.add_argument(
        "--follow",
        choices=("auto", "on", "off"),
        default="auto",
        help="follow camera (auto: when the motion travels)",
    )
    g.add_argument("--trails", type=int, default=0, metavar="FRAMES", help="hand and foot trails (0: none)")
    g.add_argument("--size", type=int, default=480, metavar="PX", help="picture width and height (even)")


FORMATS = "FILE.gif|.mp4|.html (animation), .json|.npz|.bvh|.glb (motion), .npy (v3 segments)"


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register generate and render on the `stickgen` parser's subparsers."""
    g = sub.add_parser("generate", help="generate motions from text prompts with a trained checkpoint")
    _what_options(g)
    _directed_options(g)
    _sampling_options(g)
    _view_options(g)
    _bvh_options(g)
    g.set_defaults(func=cmd_generate)

    r = sub.add_parser("render", help="render or convert a motion file (.json / .npz)")
    r.add_argument("motion", type=Path, help="a motion written by `stickgen generate` (.json or .npz)")
    r.add_argument("--out", type=Path, required=True, help=FORMATS)
    r.add_argument("--json", action="store_true", help="print one JSON object")
    _view_options(r)
    _bvh_options(r)
    r.set_defaults(func=cmd_render)


def _what_options(g: argparse.ArgumentParser) -> None:
    """What to generate: prompts, checkpoint, output, samples, duration."""
    g.add_argument(
        "prompt", nargs="?", default=None, help='what happens, e.g. "a person waves with the right hand"'
    )
    g.add_argument(
        "--prompts",
        type=Path,
        default=None,
        metavar="FILE",
        help="one prompt per line, or JSON lines with prompt, seconds, actors, seed, action, style "
        "(one output per line and sample: OUT's name plus the line number and the seed)",
    )
    g.add_argument("--checkpoint", type=Path, required=True, help="a .pth checkpoint or a published folder")
    g.add_argument("--out", type=Path, required=True, help=FORMATS)
    g.add_argument(
        "--samples",
        "--num-samples",
        dest="samples",
        type=int,
        default=1,
        metavar="N",
        help="motions per prompt, each with its own seed, written as OUT's name plus -seed<K> (default 1)",
    )
    g.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="duration (default: predicted from the text by the model's length estimator, else 5); beyond "
        "the model's window (10 s) made in overlapping windows, up to 600",
    )
    g.add_argument(
        "--length-estimator",
        type=Path,
        default=None,
        metavar="FILE",
        help="the length estimator to predict durations with (default: a published folder's length.json)",
    )


def _directed_options(g: argparse.ArgumentParser) -> None:
    d = g.add_argument_group("directed motion (docs/inference.md, 'Directed motion')")
    d.add_argument(
        "--no-split",
        action="store_true",
        help='make a sequence prompt ("a person waves, then sits down") in one pass, not as a timeline of '
        "its parts",
    )
    d.add_argument(
        "--timeline",
        default=None,
        metavar="SPANS",
        help='one motion from timed texts: "0-3: a person walks forward; 3-5: jumps over a puddle" (seconds)',
    )
    d.add_argument(
        "--timeline-file",
        type=Path,
        default=None,
        metavar="FILE",
        help='the timeline as a JSON list of {"start": s, "end": s, "text": "..."}',
    )
    d.add_argument(
        "--continue-from",
        type=Path,
        default=None,
        metavar="MOTION",
        help="a motion (.npz / .json, or any human .bvh) to continue for --seconds more with the prompt; "
        "writes the whole",
    )
    d.add_argument(
        "--inbetween",
        type=Path,
        default=None,
        metavar="MOTION",
        help="a motion (.npz / .json / .bvh) whose --keep ranges are kept; the rest follows the prompt",
    )
    d.add_argument(
        "--keep",
        default=None,
        metavar="RANGES",
        help='with --inbetween: the seconds to keep, e.g. "0-1, 4-5" (key poses: "2-2.05")',
    )
    d.add_argument(
        "--path",
        default=None,
        metavar="POINTS",
        help='floor points "x,z; x,z; ..." (metres) the root walks at constant speed over --seconds',
    )
    d.add_argument(
        "--fps",
        type=float,
        default=None,
        help="resample the output to this frame rate (timing unchanged; default: the model's)",
    )


def _sampling_options(g: argparse.ArgumentParser) -> None:
    """Actors, seed, conditions, the sampler's and the post-processing's switches, device, output."""
    g.add_argument("--actors", type=int, default=None, help="number of actors (default: from the prompt)")
    g.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed (default: drawn and printed); sample i of N uses seed + i * attempts",
    )
    g.add_argument(
        "--action", default=None, help="an action label of stickgen.core.vocab (e.g. wave, walk, jump)"
    )
    g.add_argument("--style", default=None, help='a motion style, e.g. a 100STYLE name such as "Proud"')
    g.add_argument(
        "--diffusion",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="refine with the diffusion refiner (default: params diffusion.use_diffusion; else off)",
    )
    g.add_argument(
        "--steps", type=int, default=None, help="diffusion steps (default: params diffusion_steps, 20)"
    )
    g.add_argument(
        "--lock-feet",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="hold planted feet in place (default: params inference.lock_feet; on without params)",
    )
    g.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="sample in bf16 where the device computes it natively, float32 elsewhere (default: params "
        "inference.bf16; on without params)",
    )
    g.add_argument("--no-safety-check", action="store_true", help="skip the safety critic")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    g.add_argument("--params", type=Path, help="inference settings (default: params.yaml, if present)")
    g.add_argument("--json", action="store_true", help="print one JSON object (the motions written)")
