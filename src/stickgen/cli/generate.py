"""`stickgen generate` and `stickgen render` (the parser: `stickgen.cli`).

    stickgen generate "a person waves" --checkpoint CKPT --out wave.gif [--seconds S --actors N --seed K]
    stickgen generate "a person waves" --checkpoint CKPT --out wave.gif --samples 3   # wave-seed<K>.gif x3
    stickgen generate --prompts prompts.jsonl --checkpoint CKPT --out out/m.gif  # out/m-<line>-seed<K>.gif
    stickgen generate --timeline "0-3: a person walks; 3-5: a person jumps" --checkpoint CKPT --out m.gif
    stickgen generate "a person dances" --seconds 60 --fps 30 --checkpoint CKPT --out m.bvh  # in windows
    stickgen generate "the person sits" --continue-from walk.npz --seconds 4 --checkpoint CKPT --out m.npz
    stickgen generate "the person sits" --continue-from 01_01.bvh --seconds 4 --checkpoint CKPT --out m.npz
    stickgen generate "a person jumps" --inbetween m.npz --keep 0-1,4-5 --checkpoint CKPT --out m2.npz
    stickgen generate "a person walks" --path "0,0; 3,0; 3,3" --seconds 8 --checkpoint CKPT --out m.npz
    stickgen render MOTION.json --out wave.html [--azimuth 30 --elevation 10 --trails 8]
    stickgen render MOTION.json --out wave.bvh --rig mixamo --up z --units m     # BVH for Blender / Mixamo
    stickgen render MOTION.json --out wave.glb                                   # skinned glTF animation
    stickgen render MOTION.json --out m_poses.npz --smpl --body-model SMPLH_NEUTRAL.npz --mesh  # + .obj/frame

Settings that params.yaml holds (`inference.*`, `diffusion.*`, `sampling.*`, `canonical.fps`) are read from
`--params` (default ./params.yaml) when that file exists; outside the repository the built-in defaults apply.
Every command that produces something prints one JSON object with `--json`. A bad argument or input file is
one line on stderr and exit status 2, before anything loads; a failure while working is one line and 1.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stickgen.cli.output import check_output, check_smpl, write_motion
from stickgen.core.config import MAX_DDIM_STEPS
from stickgen.entry import command_params
from stickgen.generate.batch import (
    Request,
    UsageError,
    check_request,
    output_path,
    read_prompts,
    sample_seeds,
)

if TYPE_CHECKING:  # loaded when a command runs: `stickgen --help` stays quick
    from stickgen.core.config import Params
    from stickgen.generate.generator import InferenceGenerator
    from stickgen.generate.settings import Checks, SamplingSettings

# `generate` bounds the refinement's DDIM steps (--steps or params diffusion.diffusion_steps) by the samplers'
# bound, stickgen.core.config.MAX_DDIM_STEPS; the bounds of seeds, samples and prompts:
# stickgen.generate.batch


def fail(command: str, exc: BaseException) -> int:
    """One line on stderr; status 2 for a bad argument or input (`UsageError`), 1 for anything else."""
    print(f"stickgen {command}: {exc}", file=sys.stderr)
    return 2 if isinstance(exc, UsageError) else 1


def _requests(args: argparse.Namespace, max_chars: int) -> list[Request]:
    """The prompt of the command line, or every line of --prompts, checked (`UsageError`)."""
    if args.steps is not None and not 1 <= args.steps <= MAX_DDIM_STEPS:
        raise UsageError(f"--steps must be in 1..{MAX_DDIM_STEPS}, got {args.steps}")
    # without --seconds (or a line's `seconds`) the length is predicted from the prompt
    # (stickgen.model.length)
    defaults = Request("", args.seconds, args.actors, args.seed, args.action, args.style)
    if args.prompts is not None:
        if args.prompt is not None:
            raise UsageError("give a prompt or --prompts FILE, not both")
        return read_prompts(args.prompts, defaults, max_chars)
    if args.prompt is None:
        raise UsageError('give a prompt (e.g. "a person waves") or --prompts FILE')
    return [check_request(replace(defaults, prompt=args.prompt), "", max_chars, flags=True)]


def load_generator(args: argparse.Namespace, p: Params | None) -> InferenceGenerator:
    """The generator of --checkpoint with params.yaml's settings (or the built-in defaults), loaded once."""
    from stickgen.generate.generator import InferenceGenerator
    from stickgen.generate.settings import Runtime

    checks = generation_checks(args, p)
    sampling = sampling_settings(args, p)
    runtime = Runtime(
        device=args.device,
        length_estimator=getattr(args, "length_estimator", None),  # serve has no such flag
        fps=p.canonical.fps if p is not None else None,
        bf16=args.bf16 if args.bf16 is not None else (p.inference.bf16 if p else True),
    )
    return InferenceGenerator(args.checkpoint, sampling, checks, runtime)


def generation_checks(args: argparse.Namespace, p: Params | None) -> Checks:
    """The safety check (off with --no-safety-check; the critic with params `safety` thresholds) and the
    limits of params `inference.*`, or the built-in defaults without params."""
    from stickgen.generate.settings import Checks

    safety = not args.no_safety_check
    if p is None:
        return Checks(safety=safety)
    critic = None
    if safety:
        from stickgen.core.safety import SafetyCritic

        critic = SafetyCritic.from_config(p.safety, p.canonical.fps)
    return Checks(
        safety=safety,
        max_regenerations=p.inference.max_regenerations,
        critic=critic,
        max_prompt_chars=p.inference.max_prompt_chars,
    )


def sampling_settings(args: argparse.Namespace, p: Params | None) -> SamplingSettings:
    """How the CLI's generator samples: --diffusion/--steps/--lock-feet over params (`sampling.*`,
    `diffusion.*`, `inference.lock_feet`) over the built-in defaults (not refined, as the embedded default;
    20 steps where refined; feet locked)."""
    from stickgen.generate.settings import SamplingSettings
    from stickgen.model.diffusion import Generation, Sampling

    steps = args.steps if args.steps is not None else (p.diffusion.diffusion_steps if p else 20)
    if not 1 <= steps <= MAX_DDIM_STEPS:
        raise ValueError(f"params diffusion.diffusion_steps must be in 1..{MAX_DDIM_STEPS}, got {steps}")
    lock = args.lock_feet if args.lock_feet is not None else (p.inference.lock_feet if p else True)
    use_diffusion = (
        args.diffusion if args.diffusion is not None else (p.diffusion.use_diffusion if p else False)
    )
    if p is None:
        return SamplingSettings(Generation(), Sampling(steps=steps) if use_diffusion else None, lock)
    from stickgen.wiring import generation, refinement

    return SamplingSettings(
        generation(p), replace(refinement(p), steps=steps) if use_diffusion else None, lock
    )


@dataclass(frozen=True, eq=False)
class _Directed:
    """What a directed generation is given besides its request (at most one kind is set)."""

    spans: list | None = None  # --timeline / --timeline-file
    prefix: Any = None  # --continue-from: the motion to continue
    given: Any = None  # --inbetween: the motion whose --keep ranges are kept
    keep: list[tuple[float, float]] | None = None
    path: list[tuple[float, float]] | None = None  # --path: floor points (x, z)
    split: bool = True  # a sequence prompt ("X, then Y") made as the timeline of its parts (not --no-split)

    @property
    def free(self) -> bool:
        """Nothing directs the motion (a plain prompt, perhaps longer than the model's window)."""
        return all(getattr(self, f.name) is None for f in fields(self) if f.name != "split")


def _given_motion(flag: str, path: Path, actors: int | None):
    """The motion file of `flag`, checked (one line on a bad file, or on `--actors` not its count)."""
    if not path.is_file():
        raise UsageError(f"{flag} {path}: no such file")
    from stickgen.generate.given import load_given

    try:
        motion = load_given(path)
    except ValueError as exc:
        raise UsageError(f"{flag} {exc}") from None
    if actors is not None and actors != motion.actors:
        raise UsageError(f"--actors {actors}: {path} has {motion.actors} actor(s)")
    return motion


def _directed_requests(args: argparse.Namespace, max_chars: int) -> tuple[list[Request] | None, _Directed]:
    """(requests, what directs them) of --timeline, --timeline-file, --continue-from, --inbetween with
    --keep, and --path, checked before anything loads (`UsageError`); (None, _Directed()) without them."""
    from stickgen.generate.motion import MAX_FPS, MIN_FPS

    if args.fps is not None and not MIN_FPS <= args.fps <= MAX_FPS:  # NaN compares False
        raise UsageError(f"--fps must be a number in [{MIN_FPS:g}, {MAX_FPS:g}], got {args.fps:g}")
    timeline_given = args.timeline is not None or args.timeline_file is not None
    kinds = [
        name
        for name, value in (
            ("--timeline", args.timeline if args.timeline is not None else args.timeline_file),
            ("--continue-from", args.continue_from),
            ("--inbetween", args.inbetween),
            ("--path", args.path),
        )
        if value is not None
    ]
    if len(kinds) > 1:
        raise UsageError(f"{' and '.join(kinds)} do not go together: give one of them")
    if (args.keep is not None) != (args.inbetween is not None):
        raise UsageError("--inbetween MOTION and --keep RANGES go together (e.g. --keep 0-1,4-5)")
    if kinds and kinds[0] != "--timeline" and args.prompts is not None:
        raise UsageError(f"{kinds[0]} directs one prompt: not with --prompts")
    if args.continue_from is not None:
        from stickgen.generate.timeline import MAX_SECONDS

        prefix = _given_motion("--continue-from", args.continue_from, args.actors)
        before = prefix.frames / prefix.fps
        if before + (args.seconds or 0.0) > MAX_SECONDS or before >= MAX_SECONDS:
            more = f" and --seconds {args.seconds:g}" if args.seconds else ""
            raise UsageError(
                f"--continue-from {args.continue_from} is {before:g} s{more}: a motion lasts at most "
                f"{MAX_SECONDS:g} s in all"
            )
        return _requests(args, max_chars), _Directed(prefix=prefix)
    if args.inbetween is not None:
        if args.seconds is not None:
            raise UsageError(f"--inbetween: the motion is as long as {args.inbetween}; drop --seconds")
        given = _given_motion("--inbetween", args.inbetween, args.actors)
        from stickgen.generate.timeline import parse_ranges

        try:
            keep = parse_ranges(args.keep, given.frames / given.fps)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return _requests(args, max_chars), _Directed(given=given, keep=keep)
    if args.path is not None:
        if args.actors not in (None, 1):
            raise UsageError(f"--path moves one actor, got --actors {args.actors}")
        from stickgen.generate.timeline import parse_path

        try:
            points = parse_path(args.path)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return _requests(args, max_chars), _Directed(path=points)
    if not timeline_given:
        return None, _Directed(split=not args.no_split)
    req, spans = _timeline_request(args, max_chars)
    return [req], _Directed(spans=spans)


def _timeline_request(args: argparse.Namespace, max_chars: int):
    """The one request of --timeline or --timeline-file and its spans, checked (`UsageError`)."""
    from stickgen.generate.generator import validate_prompt
    from stickgen.generate.timeline import format_timeline, parse_timeline, read_timeline_file

    clash = [
        name
        for name, value in (
            ("--timeline-file", args.timeline_file if args.timeline is not None else None),
            ("a prompt", args.prompt),
            ("--prompts", args.prompts),
            ("--seconds", args.seconds),
            ("--action", args.action),
        )
        if value is not None
    ]
    if clash:
        raise UsageError(f"a timeline sets the texts and the duration: drop {', '.join(clash)}")
    try:
        if args.timeline is not None:
            spans = parse_timeline(args.timeline)
        else:
            spans = read_timeline_file(args.timeline_file)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for i, span in enumerate(spans, 1):
        try:
            validate_prompt(span.text, max_chars)
        except ValueError as exc:
            raise UsageError(f"timeline span {i} ({span.start_s:g}-{span.end_s:g}): {exc}") from None
    req = check_request(
        Request(format_timeline(spans), spans[-1].end_s, args.actors, args.seed, None, args.style),
        "",
        max(max_chars, len(format_timeline(spans))),
        flags=True,
    )
    return req, spans


def _make(gen, req: Request, seed: int, d: _Directed):
    """One motion of a request: the generator's own, or a directed one (a timeline, a continuation, an
    in-betweening, a floor path, or longer than the model's window: `stickgen.generate.directed`).
    Without `req.seconds` the length is the one the prompt states ("for 8 seconds": `stickgen.generate.
    stated`; a sequence prompt's parts each their own) or the one the generator predicts from it (a
    continuation: of its new part)."""
    # a sequence prompt reads its parts' stated lengths itself; --no-split, a timeline and an in-betweening
    # take the words as written or the length they are given
    stating = d.prefix is not None or d.path is not None or (d.free and d.split and req.action is not None)
    if req.seconds is None and stating:
        from stickgen.generate.motion import length_meta
        from stickgen.generate.stated import stated_length
        from stickgen.generate.timeline import MAX_SECONDS

        words, stated = stated_length(req.prompt)
        if stated is not None:
            motion = _make(gen, replace(req, prompt=words, seconds=min(stated, MAX_SECONDS)), seed, d)
            motion.meta["length"] = length_meta("stated")
            return motion
    if (d.prefix is not None or d.path is not None) and req.seconds is None:
        seconds, length = gen.duration_for(gen.encode(req.prompt).cpu().numpy(), None)
        motion = _make(gen, replace(req, seconds=seconds), seed, d)
        motion.meta["length"] = length
        return motion
    if d.free and d.split and req.action is None:
        from stickgen.generate.sequence import generate_sequence

        motion = generate_sequence(gen, req.prompt, req.seconds, req.actors, seed, req.style)
        if motion is not None:
            return motion
    if d.free and round((req.seconds or 0) * gen.fps) <= gen.model.cfg.max_frames:
        return gen.generate(
            req.prompt,
            duration_s=req.seconds,
            num_actors=req.actors,
            seed=seed,
            action=req.action,
            style=req.style,
        )
    from stickgen.generate import directed

    if d.spans is not None:
        return directed.generate_timeline(gen, d.spans, req.actors, seed, req.style)
    if d.prefix is not None:
        return directed.continue_motion(gen, d.prefix, req.prompt, req.seconds, seed, req.action, req.style)
    if d.given is not None:
        import numpy as np

        from stickgen.generate.retime import resample
        from stickgen.generate.timeline import range_frames

        known = resample(d.given, gen.fps)
        keep = np.array(range_frames(d.keep, known.frames, gen.fps))
        if not keep.any():
            raise UsageError(
                f"--keep holds no frame of the motion at the model's {gen.fps:g} fps (one every "
                f"{1 / gen.fps:g} s): widen a range"
            )
        return directed.inbetween(gen, req.prompt, known, keep, seed, req.action, req.style)
    if d.path is not None:
        return directed.follow_path(gen, req.prompt, d.path, req.seconds, seed, req.action, req.style)
    return directed.generate_long(gen, req.prompt, req.seconds, req.actors, seed, req.action, req.style)


def cmd_generate(args: argparse.Namespace) -> int:
    """Check every request, load the model and text encoder once, then generate each request's samples."""
    results: list[dict[str, Any]] = []
    try:
        check_output(args)
        check_smpl(args)
        p = command_params(args.params, required=False)
        from stickgen.generate.settings import DEFAULT_MAX_PROMPT_CHARS, DEFAULT_MAX_REGENERATIONS

        max_chars = p.inference.max_prompt_chars if p else DEFAULT_MAX_PROMPT_CHARS
        if args.length_estimator is not None and not args.length_estimator.is_file():
            raise UsageError(f"--length-estimator {args.length_estimator}: no such file")
        requests, directing = _directed_requests(args, max_chars)
        if requests is None:
            requests = _requests(args, max_chars)
        regenerations = p.inference.max_regenerations if p else DEFAULT_MAX_REGENERATIONS
        attempts = 1 + (0 if args.no_safety_check else regenerations)
        plan = [
            (
                req,
                sample_seeds(
                    req.seed if req.seed is not None else secrets.randbelow(2**31), args.samples, attempts
                ),
            )
            for req in requests
        ]
        from stickgen.cli.generate_report import reported

        gen = load_generator(args, p)
        many = args.prompts is not None or args.samples > 1
        for req, seeds in plan:
            where = f"{args.prompts}:{req.line}: " if req.line is not None else ""
            for seed in seeds:
                try:
                    motion = _make(gen, req, seed, directing)
                except ValueError as exc:
                    kind = UsageError if isinstance(exc, UsageError) else ValueError  # its exit status kept
                    raise kind(f"{where}{exc}") from None
                if args.fps is not None:
                    from stickgen.generate.retime import resample

                    motion = resample(motion, args.fps)
                out = output_path(args.out, motion.meta["seed"], req.line) if many else args.out
                results.append(reported(gen, req, motion, write_motion(motion, out, args), args.json))
    except (ValueError, OSError, RuntimeError) as exc:  # OSError: a write refused (`core.atomic.WriteError`)
        return fail("generate", exc)
    if args.json:
        print(json.dumps({"checkpoint": str(args.checkpoint), "motions": results}, indent=2))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from stickgen.generate.export import load_motion

    try:
        check_output(args)
        check_smpl(args)
        motion = load_motion(args.motion)
        written = write_motion(motion, args.out, args)
    except (ValueError, OSError, RuntimeError) as exc:
        return fail("render", exc)
    if args.json:
        info = {"files": [str(f) for f in written], "frames": motion.frames, "actors": motion.actors}
        print(json.dumps({**info, "fps": motion.fps}, indent=2))
        return 0
    print(
        f"{', '.join(map(str, written))}: {motion.frames} frames, {motion.actors} actor(s) "
        f"at {motion.fps:g} fps"
    )
    return 0
