"""Directed motion: timelines, motions of any length, continuation, in-betweening and floor paths.

    from stickgen.generate import directed
    m = directed.generate_timeline(gen, "0-3: a person walks forward; 3-5: jumps over a puddle; 5-9: waves")
    m = directed.generate_long(gen, "a person walks then dances", duration_s=60.0, seed=7)
    m = directed.continue_motion(gen, load_motion("walk.npz"), "the person sits down", duration_s=4.0)
    m = directed.inbetween(gen, "a person jumps", known_joints, keep=frame_mask, seed=1)
    m = directed.follow_path(gen, "a person walks", [(0, 0), (2, 2), (0, 4)], duration_s=8.0)

`gen` is an `InferenceGenerator` (its model, statistics, text encoder, sampler settings, foot lock and safety
critic). Every call makes one continuous motion out of windows of at most the model's `max_frames` frames,
generated in order by the constrained sampler (`stickgen.generate.inpaint`):

- a window of the same text starts `Directing.overlap_s` before the motion so far ends, those frames kept
  exactly: the new window continues them (a 60-s motion: 8 windows of 10 s; time and memory linear);
- a timeline span's first window starts `Directing.transition_s` into the span before it, kept the same way,
  and is conditioned on its own text: the new span's window makes the transition;
- given frames (a prefix, key poses, a floor path's root x/z) are kept in every window they fall in.

A window is given to the model as training crops and templates were (`stickgen.generate.placement`): moved so
that actor 0's root is at x = z = 0 on its first frame, facing +Z at its seam, and moved back after. The
windows' features are decoded once, as one motion: rigid bones (the given frames' lengths where whole frames
are given), nothing under the floor, planted feet locked, the given frames put back. Several people doing
what one does (a long motion, a timeline of such spans) are made one by one and placed (`generate.together`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from stickgen.core.features import features_to_joints, joints_to_features
from stickgen.core.laterality import BOTH, motion_side
from stickgen.core.vocab import action_id
from stickgen.generate.inpaint import FADE_FRAMES, blend_kept, sample_constrained
from stickgen.generate.motion import Motion, motion_seed
from stickgen.generate.placement import placement
from stickgen.generate.retime import bone_lengths, resample, with_bone_lengths
from stickgen.generate.sample import decode_joints
from stickgen.generate.timeline import (
    Span,
    check_timeline,
    format_timeline,
    parse_timeline,
    read_timeline_file,
    span_frames,
)
from stickgen.generate.together import actor_count, directed_together, made_from, together_placement
from stickgen.generate.windows import Directing, Window, plan_windows
from stickgen.model.named import named
from stickgen.model.transformer import ROOT_XZ

if TYPE_CHECKING:
    from stickgen.generate.generator import InferenceGenerator

# the fastest a floor path may be walked: about a sprinter's top speed (12.4 m/s); a faster one is refused
MAX_PATH_SPEED_MPS = 12.5


@dataclass(frozen=True)
class _Part:
    """A span to generate: frames [start, end) with its text and optional action."""

    start: int
    end: int
    text: str
    action: str | None = None


@dataclass(frozen=True)
class _Given:
    """Given motion: canonical joints (T, A, 22, 3) and the features they keep ((T, A, 66) bool)."""

    joints: np.ndarray
    mask: np.ndarray


def generate_timeline(
    gen: InferenceGenerator,
    timeline: str | Path | Sequence[Span] | Sequence[dict],
    num_actors: int | None = None,
    seed: int | None = None,
    style: str | None = None,
    directing: Directing | None = None,
) -> Motion:
    """One continuous motion doing each span's text in its time: a string (`"0-3: ...; 3-5: ..."`), a
    JSON file's path, or spans (`Span` or `{start, end, text}` dicts)."""
    directing = directing or Directing()
    spans = _spans(timeline, directing.max_seconds)
    actors = actor_count(gen, [gen.check_prompt(s.text) for s in spans], num_actors)
    from stickgen.generate.sequence import timeline_in_turns  # sequence builds on this module

    turns = timeline_in_turns(gen, spans, actors, seed, style, directing)
    return turns if turns is not None else window_timeline(gen, spans, actors, seed, style, directing)


def window_timeline(
    gen: InferenceGenerator,
    spans: list[Span],
    actors: int,
    seed: int | None,
    style: str | None,
    directing: Directing,
) -> Motion:
    """Checked `spans` made in windows of all `actors` at once (none alone: `sequence.span_modes`)."""
    frames = span_frames(spans, gen.fps)
    parts = [_Part(a, b, s.text) for (a, b), s in zip(frames, spans, strict=True)]
    meta = {"timeline": [{**asdict(s), "frames": list(f)} for s, f in zip(spans, frames, strict=True)]}
    return _direct(gen, parts, format_timeline(spans), actors, seed, style, directing, "timeline", meta)


def generate_long(
    gen: InferenceGenerator,
    prompt: str,
    duration_s: float,
    num_actors: int | None = None,
    seed: int | None = None,
    action: str | None = None,
    style: str | None = None,
    directing: Directing | None = None,
) -> Motion:
    """One prompt for `duration_s` seconds, beyond the model's `max_frames` in overlapping windows."""
    directing = directing or Directing()
    actors = actor_count(gen, [gen.check_prompt(prompt)], num_actors)
    if (placement := together_placement(prompt, actors, action)) is not None:
        one = partial(generate_long, gen, prompt, duration_s, 1, action=action, style=style,
                      directing=directing)  # each made alone, as one person (`_direct`)  # fmt: skip
        return directed_together(gen, one, actors, placement, seed, style, directing, "long", action, prompt)
    frames = _frames(gen, duration_s, directing)
    parts = [_Part(0, frames, prompt, action)]
    return _direct(gen, parts, prompt, num_actors, seed, style, directing, "long", {})


def continue_motion(
    gen: InferenceGenerator,
    motion: Motion,
    prompt: str,
    duration_s: float,
    seed: int | None = None,
    action: str | None = None,
    style: str | None = None,
    directing: Directing | None = None,
    in_place: bool = False,
) -> Motion:
    """`motion` followed by `duration_s` more seconds of `prompt`: the whole motion, whose first frames
    are `motion`'s exactly (resampled to the model's rate first when it has another). `in_place` keeps each
    root's floor position where the motion ends (a figure told to stand still stays where it stands: a
    generated one drifts 0.1-0.3 m in a few seconds)."""
    directing = directing or Directing()
    prefix = resample(motion, gen.fps).joints
    new = _frames(gen, duration_s, directing, before=prefix.shape[0] / gen.fps)
    total = prefix.shape[0] + new
    joints = np.concatenate([prefix, np.repeat(prefix[-1:], new, axis=0)])
    mask = np.zeros((total, prefix.shape[1], 66), dtype=bool)
    mask[: prefix.shape[0]] = True
    if in_place:
        mask[prefix.shape[0] :, :, list(ROOT_XZ)] = True
    parts = [_Part(prefix.shape[0], total, prompt, action)]
    meta = {"prefix_frames": int(prefix.shape[0])}
    return _direct(
        gen,
        parts,
        prompt,
        prefix.shape[1],
        seed,
        style,
        directing,
        "continuation",
        meta,
        _Given(joints, mask),
    )


def inbetween(
    gen: InferenceGenerator,
    prompt: str,
    known: Motion | np.ndarray,
    keep: np.ndarray,
    seed: int | None = None,
    action: str | None = None,
    style: str | None = None,
    directing: Directing | None = None,
) -> Motion:
    """A motion as long as `known` that keeps its frames where `keep` (T,) is True and makes the rest
    follow `prompt` (key poses, a prefix, a suffix, a gap to fill). `known` is canonical joints
    (T, A, 22, 3) at the model's fps, or a `Motion` (resampled when at another rate, `keep` then given at
    the model's rate)."""
    directing = directing or Directing()
    joints = resample(known, gen.fps).joints if isinstance(known, Motion) else _joints(known)
    keep = np.asarray(keep)
    if keep.dtype != bool or keep.shape != (joints.shape[0],):
        raise ValueError(
            f"keep must be a bool frame mask of shape ({joints.shape[0]},), got {keep.dtype} {keep.shape}"
        )
    if not keep.any():
        raise ValueError("keep keeps no frame: use InferenceGenerator.generate for a free motion")
    _frames(gen, joints.shape[0] / gen.fps, directing)
    mask = np.broadcast_to(keep[:, None, None], (joints.shape[0], joints.shape[1], 66)).copy()
    parts = [_Part(0, joints.shape[0], prompt, action)]
    meta = {"kept_frames": int(keep.sum())}
    return _direct(
        gen, parts, prompt, joints.shape[1], seed, style, directing, "inbetween", meta, _Given(joints, mask)
    )


def follow_path(
    gen: InferenceGenerator,
    prompt: str,
    path: Sequence[Sequence[float]] | np.ndarray,
    duration_s: float,
    seed: int | None = None,
    action: str | None = None,
    style: str | None = None,
    directing: Directing | None = None,
) -> Motion:
    """A one-actor motion whose root walks the floor path `path` ((K, 2) points (x, z) in metres, K >= 2)
    at constant speed over `duration_s` (at most `MAX_PATH_SPEED_MPS`); the root's x/z are kept, everything
    else follows `prompt`."""
    directing = directing or Directing()
    pts = np.asarray(path, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] < 2 or not np.isfinite(pts).all():
        raise ValueError(f"path must be finite (K, 2) floor points (x, z) with K >= 2, got shape {pts.shape}")
    frames = _frames(gen, duration_s, directing)
    length = float(np.linalg.norm(np.diff(pts, axis=0), axis=1).sum())
    if length / duration_s > MAX_PATH_SPEED_MPS:
        raise ValueError(
            f"path: {length:.4g} m in {duration_s:g} s is {length / duration_s:.4g} m/s, faster than anyone "
            f"moves (at most {MAX_PATH_SPEED_MPS:g} m/s): give it more time or a shorter path"
        )
    xz = path_positions(pts, frames)
    joints = np.zeros((frames, 1, 22, 3), dtype=np.float32)
    joints[:, 0, :, 0], joints[:, 0, :, 2] = xz[:, None, 0], xz[:, None, 1]
    mask = np.zeros((frames, 1, 66), dtype=bool)
    mask[:, 0, list(ROOT_XZ)] = True
    parts = [_Part(0, frames, prompt, action)]
    meta = {"path": pts.tolist()}
    return _direct(gen, parts, prompt, 1, seed, style, directing, "path", meta, _Given(joints, mask))


def path_positions(points: np.ndarray, frames: int) -> np.ndarray:
    """(frames, 2) positions along the polyline `points` (K, 2) at constant speed, first to last point."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    if along[-1] <= 0:
        return np.repeat(points[:1], frames, axis=0)
    s = np.linspace(0.0, along[-1], frames)
    return np.stack([np.interp(s, along, points[:, 0]), np.interp(s, along, points[:, 1])], axis=1)


def _spans(timeline: Any, max_seconds: float) -> list[Span]:
    if isinstance(timeline, Path):
        return read_timeline_file(timeline, max_seconds)
    if isinstance(timeline, str):
        return parse_timeline(timeline, max_seconds)
    items = list(timeline)
    if items and all(isinstance(s, Span) for s in items):
        return check_timeline(items, max_seconds)
    from stickgen.generate.timeline import timeline_from_json

    return timeline_from_json(items, "timeline", max_seconds)


def _frames(gen: InferenceGenerator, duration_s: float, directing: Directing, before: float = 0.0) -> int:
    if isinstance(duration_s, bool) or not isinstance(duration_s, Real) or not duration_s > 0:  # numpy's too
        raise ValueError(f"duration_s must be a number > 0, got {duration_s!r}")
    if before + duration_s > directing.max_seconds:
        raise ValueError(
            f"duration_s {before + duration_s:g} is longer than the limit of {directing.max_seconds:g} s"
        )
    frames = int(round(duration_s * gen.fps))
    if frames < 1 or (before == 0 and frames < 2):
        raise ValueError(f"duration_s {duration_s} is under two frames at {gen.fps:g} fps")
    return frames


def _joints(known: np.ndarray) -> np.ndarray:
    j = np.asarray(known, dtype=np.float32)
    if j.ndim == 3:
        j = j[:, None]
    if j.ndim != 4 or j.shape[2:] != (22, 3) or not np.isfinite(j).all():
        raise ValueError(f"known joints must be finite (T, A, 22, 3), got shape {np.shape(known)}")
    return j


def _direct(
    gen: InferenceGenerator,
    parts: list[_Part],
    prompt: str,
    num_actors: int | None,
    seed: int | None,
    style: str | None,
    directing: Directing,
    kind: str,
    extra: dict[str, Any],
    given: _Given | None = None,
) -> Motion:
    """Generate `parts` (with `given` kept) window by window, decode, check safety (regenerating with
    seed + 1, ... as `InferenceGenerator.generate` does), and return the motion with its record."""
    texts = [gen.check_prompt(p.text) for p in parts]
    for p in parts:
        if p.action is not None:
            action_id(p.action)  # an unknown action is a ValueError naming it
    actors = actor_count(gen, texts, num_actors)
    said = [made_from(t, actors, None) for t in texts]  # one actor: made from what is said of one person
    if actors > gen.max_actors:  # a group made actor by actor (`together`) cannot be one window's
        raise ValueError(
            f"{actors} actors in one motion: the model makes at most {gen.max_actors} at once (a group doing "
            "what one person does is made actor by actor, and is not continued or in-betweened as one)"
        )
    if given is not None and given.joints.shape[1] != actors:
        raise ValueError(f"the given motion has {given.joints.shape[1]} actors; {actors} were asked for")
    _, style, style_ids = gen.conditions(None, style)  # as one motion's: named alike, one the model knows
    fps, max_frames = gen.fps, int(gen.model.cfg.max_frames)
    overlap = max(1, min(round(directing.overlap_s * fps), max_frames - 1))
    transition = max(1, min(round(directing.transition_s * fps), max_frames - 1))
    windows = plan_windows([(p.start, p.end) for p in parts], max_frames, overlap, transition)
    seed = motion_seed(seed)
    t0 = time.perf_counter()
    emb = torch.from_numpy(np.asarray(gen.encoder.encode(said), dtype=np.float32)).to(gen.device)
    attempts = 1 + (gen.max_regenerations if gen.enable_safety_check else 0)
    history: list[dict] = []
    verdict = None
    for k in range(attempts):
        feats = _window_features(
            gen, parts, said, emb, windows, actors, style_ids, seed + k, given, directing
        )
        joints = _decode(feats, gen.fps, gen.lock_feet, given, directing.fade_frames)
        motion = Motion(joints, gen.fps, prompt, {})
        if not gen.enable_safety_check:
            break
        from stickgen.generate.generator import safety_summary

        verdict = safety_summary(gen.check_motion_safety(motion))
        history.append({"seed": seed + k, **verdict})
        if verdict["is_safe"]:
            break
    motion.meta = gen.directed_meta(
        motion,
        kind,
        seed + len(history) - 1 if history else seed,
        actors,
        style,
        directing,
        (verdict, history, t0),
        action=parts[0].action if len(parts) == 1 else None,
        **extra,
        **({} if said == texts else {"captions": said}),  # what the parts were made from, if not their text
        windows=[asdict(w) for w in windows],
    )
    return motion


def _window_features(
    gen: InferenceGenerator,
    parts: list[_Part],
    texts: list[str],
    emb: torch.Tensor,
    windows: list[Window],
    actors: int,
    style_ids: torch.Tensor | None,
    seed: int,
    given: _Given | None,
    directing: Directing,
) -> np.ndarray:
    """(T, actors, 66) denormalised features of the whole motion, generated window by window (`style_ids`:
    `InferenceGenerator.conditions`')."""
    model, stats, dev = gen.model, gen.stats, gen.device
    total, slots = windows[-1].end, int(model.cfg.max_actors)
    feats = np.zeros((total, slots, 66), dtype=np.float32)
    user = np.zeros((total, slots, 66), dtype=bool)
    if given is not None:
        user[:, :actors] = given.mask
        feats[:, :actors] = np.where(given.mask, joints_to_features(given.joints), 0.0)
    generator = torch.Generator().manual_seed(seed)  # CPU noise: the same motion on every device
    actor_ids = torch.tensor([actors], device=dev)
    leads: dict[str, torch.Tensor] = {}  # a text's side: its later windows and its repetitions keep it
    for w in windows:
        part = parts[w.span]
        known, mask = feats[w.start : w.end].copy(), user[w.start : w.end].copy()
        mask[: w.kept, :actors] = True
        place = placement(known, mask, w.kept)
        action = None if part.action is None else torch.tensor([action_id(part.action)], device=dev)
        out, lead = sample_constrained(
            model,
            emb[w.span : w.span + 1],
            w.end - w.start,
            torch.from_numpy(stats.normalise(place.into(known))[None]).to(dev),
            torch.from_numpy(mask[None]).to(dev),
            actors=actor_ids,
            action=action,
            style=style_ids,
            side=(said := named([texts[w.span]], dev)).side,
            named=said,
            lead=leads.get(texts[w.span]),
            generation=gen.generation,
            sampling=gen.sampling,
            generator=generator,
            fade_frames=directing.fade_frames,
            bf16=gen.bf16,
        )
        made = place.back(stats.denormalise(out[0].float().cpu().numpy()))
        feats[w.start : w.end] = np.where(mask, known, made)
        leads[texts[w.span]] = kept_side(lead, made[w.kept :, :actors])
    return feats[:, :actors]


def kept_side(lead: torch.Tensor, made: np.ndarray) -> torch.Tensor:
    """The side (1,) a text's later windows and repetitions lead with, after a window of it drew `lead` and
    made `made` (T, A, 66) features: the drawn one, or where "both" was drawn and the motion leads with one
    side (`laterality.motion_side`), that side ("someone kicks three times", seed 1: right, right, left)."""
    if int(lead[0]) != BOTH or len(made) < 2:
        return lead
    return torch.full_like(lead, motion_side(features_to_joints(made)))


def _decode(
    feats: np.ndarray, fps: float, lock: bool, given: _Given | None, fade_frames: int = FADE_FRAMES
) -> np.ndarray:
    """(T, A, 66) features -> (T, A, 22, 3) float32 joints (`sample.decode_joints`, every frame smoothed:
    the windows' seams are not the patches'), given values kept, the bones of frames given whole."""
    whole = None if given is None else given.mask.all(axis=(1, 2))  # (T,) frames given whole
    lengths = None
    if whole is not None and whole.any():
        lengths = np.median(bone_lengths(given.joints[whole].astype(np.float64)), axis=0)
    kept = None if given is None else given.mask  # a kept value (a path's point) stays exact
    joints = decode_joints(feats, fps, lock, kept=kept, lengths=lengths)
    if lengths is not None:
        # the bone lengths and the foot lock moved the given frames too: the generated frames meet them
        # again as the sampler's do (`blend_kept`, plain residuals: this motion's steps are its own)
        blended = blend_kept(
            torch.from_numpy(joints_to_features(joints.astype(np.float32)))[None],
            torch.from_numpy(joints_to_features(given.joints))[None],
            torch.from_numpy(whole)[None, :, None, None],
            fade_frames,
            model_step=False,
        )
        joints = with_bone_lengths(features_to_joints(blended[0].numpy()), lengths)
        joints = np.where(whole[:, None, None, None], given.joints, joints)
    return joints.astype(np.float32)
