"""Synthetic takes: plan one take from (seed, index), animate its actors, caption it.

Take i depends only on (seed, i): its random generator is `np.random.default_rng([seed, i])`, and its
kind (single action, chain of two actions, or two actors) comes from a golden-ratio sequence with a
seed-dependent offset, so the fractions of kinds in any run of consecutive takes match the config
closely and adding takes never changes earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stickgen.core.config import SynthesizeConfig
from stickgen.core.face import FaceTrack
from stickgen.core.jsonable import jsonable
from stickgen.core.rig import Body, make_body
from stickgen.core.skeleton import ActorFrames
from stickgen.synthetic.actions import (
    ACTION_DRAW_WEIGHT,
    ACTION_GENERATORS,
    ACTION_SPAN,
    CHAIN_SPAN,
    LOCOMOTION,
    draw_chain,
    generate_action,
)
from stickgen.synthetic.base import ActionContext
from stickgen.synthetic.captions import describe, describe_pair
from stickgen.synthetic.face import draw_emotion, take_face
from stickgen.synthetic.interactions import INTERACTIONS
from stickgen.synthetic.motion import Motion, chain, place
from stickgen.synthetic.speech import posture

# 2: walks and runs are foot-space gaits (`gait`); 3: a take lasts as long as its action (`ACTION_SPAN`);
# 4: every take has a face track (`face`), speech and emotion actions (`speech`), emotions named in captions
GENERATOR_VERSION = "stickgen.synthetic/4"
_FACE_STREAM = 0xFACE  # the face and the emotion draw from their own generator, [seed, index, _FACE_STREAM]
BLEND_S = 0.3  # cross-fade between the two actions of a chain
_GOLDEN = 0.6180339887498949
_TRAVEL = LOCOMOTION | {"jump"}  # segments whose speed is measured into meta
_HANDS_FREE = frozenset({"talk"})  # interactions whose actors never touch


@dataclass
class SyntheticTake(ActorFrames):
    """One generated take (T frames, A actors).

    Attributes:
        index: position in the synthetic set; with the seed it determines the take.
        fps: frame rate.
        root: (T, A, 3) float64 root (pelvis) positions, metres, Y up.
        rotations: (T, A, 22, 3, 3) float64 LOCAL joint rotations; [:, :, 0] is the global body
            orientation. With `offsets` and `root` these reproduce `joints` exactly.
        offsets: (A, 22, 3) rest T-pose bone offsets (parent -> joint), metres; offsets[:, 0] = 0.
        joints: (T, A, 22, 3) float32 joint positions from forward kinematics (world, not canonical).
        texts: >= 2 distinct captions.
        action: the main action: the interaction for two actors, the FIRST action for a chain.
        actions: every action in order (two for a chain).
        meta: JSON-able facts: kind ("single" / "chain" / "pair"), seed, index, actions, fps,
            stature_m (per actor), heading_deg (world facing at frame 0), generator version, the main
            action's parameters at top level (e.g. side, speed, path, turn, contact_frames),
            `segments`: every action with its [start, end) frames and parameters, and `emotion` when
            the captions name one (the faces show it, and a single actor's posture).
        face: the actors' faces frame by frame (`stickgen.core.face`); None: no face track.
    """

    index: int
    fps: float
    root: np.ndarray
    rotations: np.ndarray
    offsets: np.ndarray
    joints: np.ndarray
    texts: list[str]
    action: str
    actions: list[str]
    meta: dict[str, Any]
    face: FaceTrack | None = None


def take_kind(seed: int, index: int, cfg: SynthesizeConfig) -> str:
    """The kind of take `index`: "pair", "chain" or "single", in the fractions cfg asks for."""
    offset = np.random.default_rng([seed, 0x5EED]).random()
    u = (offset + index * _GOLDEN) % 1.0
    if u < cfg.two_actor_fraction:
        return "pair"
    if u < cfg.two_actor_fraction + cfg.chain_fraction:
        return "chain"
    return "single"


def _single(
    action: str, rng: np.random.Generator, body: Body, frames: int, fps: float, yaw: float
) -> tuple[Motion, list]:
    motion = generate_action(action, rng, ActionContext(body, frames, fps, yaw))
    return motion, [(action, 0, frames, motion.info)]


def _chain(
    first: str, second: str, rng: np.random.Generator, body: Body, frames: int, fps: float, yaw: float
) -> tuple[Motion, list]:
    overlap = max(1, int(round(BLEND_S * fps)))
    total = frames + overlap
    n1 = int(np.clip(round(total * rng.uniform(0.4, 0.6)), overlap + 1, total - overlap - 1))
    m1 = generate_action(first, rng, ActionContext(body, n1, fps, yaw, ease_out=first in LOCOMOTION))
    yaw2 = float(m1.heading[n1 - overlap])
    m2 = generate_action(
        second, rng, ActionContext(body, total - n1, fps, yaw2, ease_in=second in LOCOMOTION)
    )
    return chain(m1, m2, overlap), [(first, 0, n1, m1.info), (second, n1 - overlap, frames, m2.info)]


def _plan(rng: np.random.Generator, kind: str) -> tuple[list[str], tuple[float, float]]:
    """The take's actions (one, or two for a chain) and the part of the duration range it is drawn from."""
    if kind == "pair":
        action = str(rng.choice(list(INTERACTIONS)))
        return [action], ACTION_SPAN[action]
    if kind == "chain":
        return list(draw_chain(rng)), CHAIN_SPAN
    names = list(ACTION_GENERATORS)
    weight = np.array([ACTION_DRAW_WEIGHT.get(a, 1.0) for a in names])
    action = str(rng.choice(names, p=weight / weight.sum()))
    return [action], ACTION_SPAN[action]


@dataclass(frozen=True)
class TakePlan:
    """What take `index` will be, known before it is animated: `actors`, `action` (the main one),
    `actions` and `meta["kind"]`, the attributes a sample format's screen reads
    (`stickgen.synthetic.samples`)."""

    actors: int
    action: str
    actions: list[str]
    meta: dict[str, Any]


def take_plan(index: int, cfg: SynthesizeConfig, seed: int) -> TakePlan:
    """The plan of take `index` (the same draws `make_take` starts with, so they agree; a chain too short
    for two actions becomes a single take only when animated)."""
    rng = np.random.default_rng([seed, index])
    kind = take_kind(seed, index, cfg)
    planned, _ = _plan(rng, kind)
    return TakePlan(2 if kind == "pair" else 1, planned[0], planned, {"kind": kind})


def make_take(index: int, cfg: SynthesizeConfig, fps: float, seed: int) -> SyntheticTake:
    """Generate take `index` of the synthetic set for `seed` (see the module docstring)."""
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be >= 0, got seed={seed}, index={index}")
    rng = np.random.default_rng([seed, index])
    kind = take_kind(seed, index, cfg)
    planned, (a, b) = _plan(rng, kind)
    duration = cfg.min_s + (cfg.max_s - cfg.min_s) * rng.uniform(a, b)
    frames = max(2, int(round(duration * fps)))
    if kind == "chain" and frames < 4 * max(1, int(round(BLEND_S * fps))):
        kind, planned = "single", planned[:1]  # too short to hold two actions and a cross-fade
    yaw = float(rng.uniform(0.0, 2.0 * np.pi))
    start = rng.uniform(-1.0, 1.0, size=2)
    face_rng = np.random.default_rng([seed, index, _FACE_STREAM])
    emotion = draw_emotion(face_rng, planned)
    if kind == "pair":
        action = planned[0]
        bodies = [make_body(rng), make_body(rng)]
        inter = INTERACTIONS[action](rng, bodies, frames, fps, yaw, start)
        # a posture would pull apart hands that meet, so only hands-free interactions show the emotion in it
        motions = [posture(m, emotion) if action in _HANDS_FREE else m for m in inter.motions]
        starts = inter.starts
        segments = [(action, 0, frames, inter.info)]
        texts = describe_pair(action, inter.info, rng, emotion=emotion)
        tracks = [[(action, 0, frames, m.info)] for m in motions]
    else:
        bodies = [make_body(rng)]
        animate = _single if kind == "single" else _chain
        motion, segments = animate(*planned, rng, bodies[0], frames, fps, yaw)
        motions, starts = [posture(motion, emotion)], [start]
        texts = describe([s[0] for s in segments], [s[3] for s in segments], rng, emotion=emotion)
        tracks = [segments]

    placed = [place(m, b, fps, s) for m, b, s in zip(motions, bodies, starts, strict=True)]
    root = np.stack([p[0] for p in placed], axis=1)  # (T, A, 3)
    joints = np.stack([p[1] for p in placed], axis=1).astype(np.float32)  # (T, A, 22, 3)
    rotations = np.stack([m.rot for m in motions], axis=1)  # (T, A, 22, 3, 3)
    offsets = np.stack([b.offsets for b in bodies])  # (A, 22, 3)

    seg_meta = []
    for action, a, b, info in segments:
        entry = {"action": action, "start": a, "end": b, **info}
        if action in _TRAVEL and b - a > 1:
            travel = np.linalg.norm(root[b - 1, 0, [0, 2]] - root[a, 0, [0, 2]])
            entry["speed_mps"] = travel / ((b - 1 - a) / fps)
        seg_meta.append(entry)
    actions = [s[0] for s in segments]
    meta = {
        **{k: v for k, v in seg_meta[0].items() if k not in ("action", "start", "end")},
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "index": index,
        "kind": kind,
        "chain": kind == "chain",
        "actions": actions,
        "actors": len(bodies),
        "fps": fps,
        "duration_s": frames / fps,
        "stature_m": [b.stature for b in bodies],
        "heading_deg": float(np.degrees(yaw)),
        "segments": seg_meta,
        **({"emotion": emotion} if emotion else {}),
    }
    return SyntheticTake(
        index=index,
        fps=float(fps),
        root=root,
        rotations=rotations,
        offsets=offsets,
        joints=joints,
        texts=texts,
        action=actions[0],
        actions=actions,
        meta=jsonable(meta, decimals=4),
        face=take_face(face_rng, frames, fps, tracks, emotion),
    )


def generate_takes(
    n: int, cfg: SynthesizeConfig, fps: float, seed: int, start_index: int = 0
) -> list[SyntheticTake]:
    """Takes start_index .. start_index + n - 1 of the synthetic set for `seed`.

    Args:
        n: number of takes.
        cfg: the `synthesize` params section (durations and kind fractions; `cfg.clips` is not read here).
        fps: frame rate of the takes.
        seed: base seed (>= 0).
        start_index: index of the first take.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    return [make_take(i, cfg, fps, seed) for i in range(start_index, start_index + n)]
