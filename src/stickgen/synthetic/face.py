"""The face animator: a face track (`stickgen.core.face`) for every actor of a synthetic take.

An actor's face follows its segments (an action over [start, end) frames with its `Motion.info`):

- at rest the face shows the take's emotion (named by its captions) or a default: neutral, happy for a
  dance, a celebration or a high five; the mouth is nearly closed, and opens a little on the effort of
  a jump, a kick or a punch;
- speech and emotion actions add a voice from their `on_s` / `off_s` / `rate_hz` facts (`speech`):
  syllables at that rate, each with a drawn peak openness and viseme (talk ~4-5/s, 0.2-0.6; shout
  3-4/s, 0.6-1.0, the eyes those of its emotion: narrowed when angry, wide when surprised or afraid;
  whisper 4-5/s, 0.05-0.25; sing 1-2 sustained vowels/s, 0.4-0.8; laugh bursts of "ha"s at ~5/s,
  0.5-0.9, eyes squinting, happy; cry irregular sobs, 0.2-0.5, eyes closed or squinting, sad).
  Laughing and crying are not speaking;
- every change of expression (a voice starting, the next action of a chain) eases the mouth over
  0.2-0.5 s, and the expression id, viseme, eyes and speaking flag switch at the middle of that ease;
- the eyes blink (closed 0.1-0.15 s) every 2-6 s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from stickgen.core.face import EXPRESSION_INDEX, EYE_INDEX, VISEME_INDEX, FaceTrack
from stickgen.synthetic.posing import ramp, smoothstep, window

EMOTIONS: tuple[str, ...] = ("happy", "sad", "angry", "surprised", "fearful", "disgusted")
EMOTION_RATE = 0.35  # share of takes (without a laugh or a cry) whose captions name an emotion
CHEERFUL: frozenset[str] = frozenset(
    {"dance", "celebrate", "high_five", "hug"}
)  # happy unless told otherwise
FIERCE: frozenset[str] = frozenset({"fight"})  # angry unless told otherwise
EFFORT: frozenset[str] = frozenset({"jump", "kick", "punch"})  # the mouth opens a little on the effort
ACTION_EXPRESSION: dict[str, str] = {"laugh": "happy", "cry": "sad"}  # these actions are the emotion
# actions that only go with some emotions (a take without a fitting one names none)
_FITTING: dict[str, tuple[str, ...]] = {
    "shout": ("angry", "surprised", "fearful", "happy"),
    "sing": ("happy", "sad"),
    "high_five": ("happy", "surprised"),
    "hug": ("happy", "sad", "surprised"),
    "fight": ("angry", "fearful"),
}
_SHOUT_DEFAULT = (("angry", "surprised"), (0.7, 0.3))
# expression -> (resting mouth openness, resting viseme, eyes)
_REST: dict[str, tuple[float, str, str]] = {
    "neutral": (0.0, "rest", "open"),
    "happy": (0.08, "wide", "open"),
    "sad": (0.02, "rest", "open"),
    "angry": (0.02, "closed", "squint"),
    "surprised": (0.3, "round", "wide"),
    "fearful": (0.12, "wide", "wide"),
    "disgusted": (0.05, "teeth", "squint"),
}
_VISEME_OPEN = {"rest": 0.0, "closed": 0.05, "pursed": 0.4, "teeth": 0.35}  # else the drawn peak


@dataclass(frozen=True)
class Voice:
    """How an action moves the mouth.

    Attributes:
        rate_hz: syllables per second, used when the action's info has no `rate_hz`.
        peak: range of a syllable's peak openness.
        visemes: viseme -> share of syllables ("rest": a pause between phrases).
        eyes: eye states drawn per syllable; empty: the expression's own (`_REST`).
        speaking: whether the voice is speech (talk, shout, whisper, sing).
        floor: part of the peak the mouth keeps between syllables (0 closes it).
        hold: part of a syllable held at its peak (sustained vowels).
        jitter: how irregular the syllable lengths are (0 regular).
        burst: syllables per burst (a laugh's run of "ha"s), each burst followed by a breath with the
            mouth half open; None: no bursts.
    """

    rate_hz: tuple[float, float]
    peak: tuple[float, float]
    visemes: dict[str, float]
    eyes: tuple[str, ...] = ("open",)
    speaking: bool = True
    floor: float = 0.0
    hold: float = 0.0
    jitter: float = 0.25
    burst: tuple[int, int] | None = None


VOICES: dict[str, Voice] = {
    "talk": Voice(
        (4.0, 5.0),
        (0.2, 0.6),
        {"open": 0.3, "wide": 0.22, "round": 0.14, "pursed": 0.1, "teeth": 0.08, "closed": 0.1, "rest": 0.06},
    ),
    # a shout's eyes are its emotion's: wide eyes on every shout made an angry shout look surprised (the
    # embedded default's model gave "a man shouts angrily" a surprised face: docs/training.md)
    "shout": Voice((3.0, 4.0), (0.6, 1.0), {"open": 0.6, "wide": 0.25, "round": 0.15}, (), hold=0.3),
    "whisper": Voice(
        (4.0, 5.0),
        (0.05, 0.25),
        {"wide": 0.28, "pursed": 0.22, "teeth": 0.18, "open": 0.16, "closed": 0.1, "rest": 0.06},
    ),
    "sing": Voice((1.0, 2.0), (0.4, 0.8), {"open": 0.6, "round": 0.4}, floor=0.15, hold=0.6, jitter=0.15),
    "laugh": Voice(
        (4.5, 5.5),
        (0.5, 0.9),
        {"open": 0.8, "wide": 0.2},
        ("squint",),
        speaking=False,
        floor=0.45,
        burst=(3, 8),
    ),
    "cry": Voice(
        (1.2, 2.2),
        (0.2, 0.5),
        {"open": 0.4, "wide": 0.4, "round": 0.2},
        ("closed", "squint"),
        speaking=False,
        floor=0.6,
        jitter=0.5,
    ),
}
Segment = tuple[str, int, int, dict[str, Any]]  # action, start frame, end frame, Motion.info


@dataclass(frozen=True)
class _Channels:
    """One actor's face over T frames: (T,) arrays of the `FaceTrack` fields."""

    expression: np.ndarray
    mouth: np.ndarray
    viseme: np.ndarray
    speaking: np.ndarray
    eyes: np.ndarray


def _blend(a: _Channels, b: _Channels, w: np.ndarray) -> _Channels:
    """`a` -> `b` by weight w (T,): the mouth eases, the rest switches where w reaches 1/2."""
    pick = w >= 0.5
    return _Channels(
        np.where(pick, b.expression, a.expression),
        (1.0 - w) * a.mouth + w * b.mouth,
        np.where(pick, b.viseme, a.viseme),
        np.where(pick, b.speaking, a.speaking),
        np.where(pick, b.eyes, a.eyes),
    )


def draw_emotion(rng: np.random.Generator, actions: list[str]) -> str | None:
    """The emotion a take's captions name, or None (most takes; always for a laugh or a cry)."""
    named = rng.random() < EMOTION_RATE
    options = [e for e in EMOTIONS if all(e in _FITTING.get(a, EMOTIONS) for a in actions)]
    if not named or not options or any(a in ACTION_EXPRESSION for a in actions):
        return None
    return str(rng.choice(options))


def _rest(expression: str, frames: int, rng: np.random.Generator) -> _Channels:
    mouth, viseme, eyes = _REST[expression]
    mouth = mouth + rng.uniform(0.0, 0.03)
    return _Channels(
        np.full(frames, EXPRESSION_INDEX[expression], dtype=np.uint8),
        np.full(frames, mouth),
        np.full(frames, VISEME_INDEX[viseme], dtype=np.uint8),
        np.zeros(frames, dtype=bool),
        np.full(frames, EYE_INDEX[eyes], dtype=np.uint8),
    )


def _syllables(
    rng: np.random.Generator, voice: Voice, rate: float, t: np.ndarray, on: float, off: float, expression: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mouth openness, viseme ids and eye ids (T,) of syllables at `rate` from `on` to `off` (seconds),
    spoken with `expression`."""
    n = int(max(off - on, 0.0) * rate * 2.0) + 2
    gaps = rng.uniform(1.0 - voice.jitter, 1.0 + voice.jitter, n) / rate  # (n,) syllable lengths
    names = list(voice.visemes)
    share = np.array([voice.visemes[v] for v in names])
    drawn = rng.choice(len(names), size=n, p=share / share.sum())
    scale = np.array([_VISEME_OPEN.get(names[i], 1.0) for i in drawn])
    peak = rng.uniform(*voice.peak, n) * scale  # consonants and pauses open the mouth less
    if voice.burst is not None:  # after every few syllables a longer, softer one: a breath
        breaths = np.cumsum(rng.integers(voice.burst[0], voice.burst[1] + 1, size=n) + 1) - 1
        breaths = breaths[breaths < n]
        gaps[breaths] = rng.uniform(0.25, 0.45, breaths.size)
        peak[breaths] *= 0.6
    starts = on + np.concatenate([[0.0], np.cumsum(gaps)[:-1]])
    eyes = rng.choice([EYE_INDEX[e] for e in voice.eyes or (_REST[expression][2],)], size=n)
    k = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, n - 1)  # (T,) syllable of each frame
    u = np.clip((t - starts[k]) / gaps[k], 0.0, 1.0)
    rise = 0.5 * (1.0 - voice.hold)
    bump = smoothstep(u / rise) * (1.0 - smoothstep((u - 1.0 + rise) / rise))
    mouth = peak[k] * (voice.floor + (1.0 - voice.floor) * bump)
    viseme = np.array([VISEME_INDEX[names[i]] for i in drawn], dtype=np.uint8)[k]
    return mouth, viseme, eyes.astype(np.uint8)[k]


def _voiced(
    rng: np.random.Generator, action: str, info: dict[str, Any], expression: str, t: np.ndarray
) -> tuple[_Channels, np.ndarray]:
    """The face while the voice of `action` sounds and its weight (T,), easing in and out."""
    voice = VOICES[action]
    rate = float(info.get("rate_hz") or rng.uniform(*voice.rate_hz))
    windows = info.get("windows") or [[info.get("on_s", 0.2), info.get("off_s", float(t[-1]) + 1.0)]]
    first, last = float(windows[0][0]), float(windows[-1][1])  # the voice's first onset and last end
    mouth, viseme, eyes = _syllables(rng, voice, rate, t, first, last, expression)
    ease = rng.uniform(0.2, 0.5)
    weight = np.zeros_like(t)
    for on, off in windows:  # centred on the voice's start and end: the switch is at the first syllable
        weight = np.maximum(weight, window(t, on - ease / 2, off + ease / 2, ease))
    channels = _Channels(
        np.full(t.shape, EXPRESSION_INDEX[expression], dtype=np.uint8),
        mouth,
        viseme,
        np.full(t.shape, voice.speaking),
        eyes,
    )
    return channels, weight


def _segment(
    rng: np.random.Generator, segment: Segment, emotion: str | None, t: np.ndarray, fps: float
) -> _Channels:
    """One segment's face over the whole take (T,), `t` in seconds from the take's start."""
    action, start, end, info = segment
    local = t - start / fps
    base = emotion or ("happy" if action in CHEERFUL else "angry" if action in FIERCE else "neutral")
    face = _rest(base, t.size, rng)
    if action in EFFORT:
        length = (end - start) / fps
        puff = rng.uniform(0.1, 0.2) * window(local, 0.3 * length, 0.7 * length, 0.15 * length)
        face = replace(face, mouth=face.mouth + puff)
    if action not in VOICES:
        return face
    expression = ACTION_EXPRESSION.get(action, base)
    if action == "shout" and emotion is None:
        expression = str(rng.choice(_SHOUT_DEFAULT[0], p=_SHOUT_DEFAULT[1]))
    voiced, weight = _voiced(rng, action, info, expression, local)
    return _blend(face, voiced, weight)


def _blinks(rng: np.random.Generator, frames: int, fps: float) -> np.ndarray:
    """(T,) bool: frames with the eyes closed by a blink (0.1-0.15 s every 2-6 s)."""
    closed = np.zeros(frames, dtype=bool)
    now = rng.uniform(0.3, 3.0)
    while now * fps < frames:
        first = int(round(now * fps))
        closed[first : first + max(1, int(round(rng.uniform(0.1, 0.15) * fps)))] = True
        now += rng.uniform(2.0, 6.0)
    return closed


def actor_face(
    rng: np.random.Generator, frames: int, fps: float, segments: list[Segment], emotion: str | None
) -> _Channels:
    """One actor's face: each segment in turn, switching halfway through the overlap of two segments."""
    t = np.arange(frames) / fps
    face = _segment(rng, segments[0], emotion, t, fps)
    for previous, segment in zip(segments[:-1], segments[1:], strict=True):
        switch = 0.5 * (segment[1] + min(previous[2], frames)) / fps
        ease = rng.uniform(0.2, 0.5)
        face = _blend(face, _segment(rng, segment, emotion, t, fps), ramp(t, switch - ease / 2, ease))
    eyes = np.where(_blinks(rng, frames, fps), EYE_INDEX["closed"], face.eyes).astype(np.uint8)
    return replace(face, eyes=eyes)


def take_face(
    rng: np.random.Generator, frames: int, fps: float, tracks: list[list[Segment]], emotion: str | None
) -> FaceTrack:
    """The face track (T, A) of a take whose actor a does the segments `tracks[a]`."""
    faces = [actor_face(rng, frames, fps, segments, emotion) for segments in tracks]

    def column(name: str, dtype: type) -> np.ndarray:
        return np.stack([getattr(f, name) for f in faces], axis=1).astype(dtype)  # (T, A)

    return FaceTrack(
        expression=column("expression", np.uint8),
        mouth_open=np.clip(column("mouth", np.float32), 0.0, 1.0),
        viseme=column("viseme", np.uint8),
        speaking=column("speaking", bool),
        eyes=column("eyes", np.uint8),
    )
