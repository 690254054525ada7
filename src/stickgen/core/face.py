"""The face track: what every actor's face does in every frame (docs/schema.md, "Face track").

Per actor and frame: an expression from `EXPRESSIONS`, the mouth's openness in [0, 1], its shape from a
small viseme set (`VISEMES`), whether the actor is speaking, and the eyes' state (`EYES`). Expression
"unknown" (id 0) means the source has no face for that frame (motion capture without a face): the
other fields are then zero and every face loss and metric skips the frame.

Stored as 4 bytes per row (frame x actor, the rows of `stickgen.core.canonical`), uint8 columns:

    byte 0  expression id (`EXPRESSIONS`)
    byte 1  mouth openness, round(open * 255)
    byte 2  viseme id (`VISEMES`)
    byte 3  flags: bit 0 speaking, bits 1-2 eye state id (`EYES`); the other bits are 0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXPRESSIONS: tuple[str, ...] = (
    "unknown",
    "neutral",
    "happy",
    "sad",
    "angry",
    "surprised",
    "fearful",
    "disgusted",
)
VISEMES: tuple[str, ...] = (
    "rest",  # lips together, relaxed
    "closed",  # m, b, p: pressed
    "open",  # a: jaw dropped
    "wide",  # e, i: spread
    "round",  # o: rounded, open
    "pursed",  # u, w: rounded, nearly closed
    "teeth",  # f, v: lower lip under the teeth
)
EYES: tuple[str, ...] = ("open", "closed", "squint", "wide")
EXPRESSION_INDEX = {e: i for i, e in enumerate(EXPRESSIONS)}
VISEME_INDEX = {v: i for i, v in enumerate(VISEMES)}
EYE_INDEX = {e: i for i, e in enumerate(EYES)}
UNKNOWN = 0
BYTES_PER_ROW = 4
_SPEAKING_BIT = 1
_EYE_SHIFT, _EYE_MASK = 1, 0b110


class FaceFormatError(ValueError):
    """A face track breaks the contract; the message names the clip or file and why."""


@dataclass
class FaceTrack:
    """The faces of one clip: every array is (T, A), frame-major like the clip's joints.

    Attributes:
        expression: int ids into `EXPRESSIONS` (0 "unknown": no face in that frame).
        mouth_open: float in [0, 1] (0 closed, 1 as wide as a shout or a laugh opens it).
        viseme: int ids into `VISEMES`.
        speaking: bool, the actor is talking, shouting, whispering or singing.
        eyes: int ids into `EYES`.
    """

    expression: np.ndarray
    mouth_open: np.ndarray
    viseme: np.ndarray
    speaking: np.ndarray
    eyes: np.ndarray

    @classmethod
    def unknown(cls, frames: int, actors: int) -> FaceTrack:
        """No face anywhere (a source without faces)."""
        z = np.zeros((frames, actors), dtype=np.uint8)
        return cls(z, z.astype(np.float32), z.copy(), z.astype(bool), z.copy())

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(np.shape(self.expression))  # type: ignore[return-value]

    @property
    def known(self) -> np.ndarray:
        """(T, A) bool: frames with a face (expression not "unknown")."""
        return np.asarray(self.expression) != UNKNOWN

    def validate(self, frames: int, actors: int, where: str) -> None:
        """Raise FaceFormatError naming `where` and the broken invariant."""
        for name in ("expression", "mouth_open", "viseme", "speaking", "eyes"):
            v = np.asarray(getattr(self, name))
            if v.shape != (frames, actors):
                raise FaceFormatError(f"{where}: face {name} must be ({frames}, {actors}), got {v.shape}")
        for name, table in (("expression", EXPRESSIONS), ("viseme", VISEMES), ("eyes", EYES)):
            v = np.asarray(getattr(self, name))
            if not np.issubdtype(v.dtype, np.integer) or v.size and (v.min() < 0 or v.max() >= len(table)):
                raise FaceFormatError(f"{where}: face {name} ids must be integers in [0, {len(table)})")
        m = np.asarray(self.mouth_open, dtype=np.float64)
        if not np.isfinite(m).all() or m.size and (m.min() < 0.0 or m.max() > 1.0):
            raise FaceFormatError(f"{where}: face mouth_open must be finite and in [0, 1]")

    def encode(self) -> np.ndarray:
        """uint8 (T * A, 4) rows of the module docstring's layout; unknown frames are all zero."""
        known = self.known
        rows = np.zeros((*self.shape, BYTES_PER_ROW), dtype=np.uint8)
        rows[..., 0] = np.asarray(self.expression, dtype=np.uint8)
        rows[..., 1] = np.rint(np.clip(np.asarray(self.mouth_open, np.float64), 0.0, 1.0) * 255.0)
        rows[..., 2] = np.asarray(self.viseme, dtype=np.uint8)
        flags = np.asarray(self.speaking, dtype=np.uint8) * _SPEAKING_BIT
        rows[..., 3] = flags | (np.asarray(self.eyes, dtype=np.uint8) << _EYE_SHIFT)
        rows[~known] = 0
        return rows.reshape(-1, BYTES_PER_ROW)

    @classmethod
    def decode(cls, rows: np.ndarray, frames: int, actors: int) -> FaceTrack:
        """The track of uint8 (T * A, 4) stored rows (the inverse of `encode`, to 1/255 in mouth_open)."""
        r = np.asarray(rows, dtype=np.uint8).reshape(frames, actors, BYTES_PER_ROW)
        return cls(
            expression=r[..., 0].copy(),
            mouth_open=(r[..., 1].astype(np.float32) / 255.0),
            viseme=r[..., 2].copy(),
            speaking=(r[..., 3] & _SPEAKING_BIT).astype(bool),
            eyes=((r[..., 3] & _EYE_MASK) >> _EYE_SHIFT).astype(np.uint8),
        )

    def slice(self, start: int, end: int) -> FaceTrack:
        """Frames [start, end)."""
        return FaceTrack(*(np.asarray(getattr(self, f))[start:end].copy() for f in _FIELDS))

    def frames(self, index: list[int] | np.ndarray) -> FaceTrack:
        """The given frames, in that order (a resampling to another frame rate)."""
        return FaceTrack(*(np.asarray(getattr(self, f))[index].copy() for f in _FIELDS))

    def actors(self, index: list[int] | np.ndarray) -> FaceTrack:
        """The given actors' columns, in that order."""
        return FaceTrack(*(np.asarray(getattr(self, f))[:, index].copy() for f in _FIELDS))


_FIELDS = ("expression", "mouth_open", "viseme", "speaking", "eyes")


def check_rows(rows: np.ndarray, where: str) -> None:
    """Raise FaceFormatError when stored face rows hold ids outside the tables or stray flag bits."""
    r = np.asarray(rows)
    if r.ndim != 2 or r.shape[1] != BYTES_PER_ROW or r.dtype != np.uint8:
        raise FaceFormatError(
            f"{where}: face rows must be uint8 (R, {BYTES_PER_ROW}), got {r.dtype} {r.shape}"
        )
    if not r.size:
        return
    if r[:, 0].max() >= len(EXPRESSIONS) or r[:, 2].max() >= len(VISEMES):
        raise FaceFormatError(f"{where}: face rows hold an expression or viseme id outside the tables")
    if (r[:, 3] & ~np.uint8(_SPEAKING_BIT | _EYE_MASK)).any():
        raise FaceFormatError(f"{where}: face rows set flag bits outside speaking and eye state")
    unknown = r[:, 0] == UNKNOWN
    if r[unknown, 1:].any():
        raise FaceFormatError(f"{where}: a face row with expression unknown has non-zero fields")


# ---------------------------------------------------------------------------------------------
# Mouth cycles: a syllable, a sung vowel, a "ha" or a sob opens and closes the mouth once.

CYCLE_RISE = 0.08  # a cycle's peak rises this far above the lowest openness ...
CYCLE_WINDOW_S = 0.25  # ... within this long before it
VOICE_WINDOW_S = 0.5  # half-width of the window a frame's cycle rate and peak are measured over
VOICE_MIN_HZ = 0.5  # below this cycle rate the mouth is not cycling (no voice)
VOICE_MAX_HZ = 8.0  # the rate feature's full scale


def mouth_cycles(mouth: np.ndarray, fps: float) -> np.ndarray:
    """int64 frame indices of the peaks of one actor's openness (T,): maxima of the openness smoothed over
    3 frames that rise >= CYCLE_RISE above its lowest value within CYCLE_WINDOW_S before them."""
    x = np.asarray(mouth, dtype=np.float64)
    if x.size < 3:
        return np.zeros(0, dtype=np.int64)
    x = np.convolve(np.pad(x, 1, mode="edge"), np.ones(3) / 3.0, mode="valid")
    w = max(1, int(round(CYCLE_WINDOW_S * fps)))
    peaks = [
        t
        for t in range(1, x.size - 1)
        if x[t] > x[t - 1] and x[t] >= x[t + 1] and x[t] - x[max(0, t - w) : t].min() >= CYCLE_RISE
    ]
    return np.asarray(peaks, dtype=np.int64)


def voice_envelope(mouth: np.ndarray, known: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """The voice under one actor's openness (T,): (cycle rate in Hz, peak openness), both (T,) float32.

    The rate at a frame is the number of cycles (`mouth_cycles`) near it, each spread over a triangle of
    half-width VOICE_WINDOW_S that integrates to one cycle; the peak is the widest opening within
    VOICE_WINDOW_S. Both vary slowly where the openness itself swings 4-5 times a second, so a model can
    generate them from text and `speech_cycles` can put the cycles back."""
    x = np.where(np.asarray(known, bool), np.asarray(mouth, np.float64), 0.0)
    n, w = x.size, max(1, int(round(VOICE_WINDOW_S * fps)))
    t = np.arange(n)
    rate = np.zeros(n)
    for p in mouth_cycles(x, fps):
        rate += np.clip(1.0 - np.abs(t - p) / w, 0.0, None) * (fps / w)  # integrates to 1 cycle
    padded = np.pad(x, w, mode="edge")
    peak = np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1).max(axis=1)
    return rate.astype(np.float32), peak.astype(np.float32)


def mouth_level(mouth: np.ndarray, known: np.ndarray, fps: float) -> np.ndarray:
    """The openness one actor's mouth (T,) keeps on average near each frame, float32 (T,): its mean over
    the known frames within VOICE_WINDOW_S, weighted by a triangle of that half-width (the window of the
    voice's rate). A syllable's opening and closing, whose phase no caption gives, averages out; a whisper
    stays a whisper (0.05) and a song a song (0.47). This, not the openness frame by frame, is what the
    model generates and `speech_cycles` puts the cycles back around."""
    k = np.asarray(known, np.float64)
    x = np.asarray(mouth, np.float64) * k
    w = max(1, int(round(VOICE_WINDOW_S * fps)))
    tri = np.clip(1.0 - np.abs(np.arange(-w, w + 1)) / w, 0.0, None)
    num, den = np.convolve(x, tri, mode="same"), np.convolve(k, tri, mode="same")
    return np.where(den > 0, num / np.maximum(den, 1e-12), 0.0).astype(np.float32)


def speech_cycles(
    mean: np.ndarray, rate_hz: np.ndarray, peak: np.ndarray, fps: float, rng: np.random.Generator
) -> np.ndarray:
    """One actor's openness (T,) with its mouth cycles put back: where the rate is above VOICE_MIN_HZ the
    mouth opens and closes at that rate (each cycle up to 15% longer or shorter, drawn from `rng`, which
    also draws the first cycle's phase), around the openness `mean` and up to `peak`; the mean of every
    cycle stays `mean`. The cycles fade in as the rate rises from VOICE_MIN_HZ to twice it; at lower rates
    the openness is `mean`. All arrays (T,)."""
    mean = np.clip(np.asarray(mean, np.float64), 0.0, 1.0)
    top = np.maximum(np.asarray(peak, np.float64), mean)
    swing = np.minimum(2.0 * mean, 2.0 * (top - mean))  # the cycle's depth: it stays within [0, top]
    base = mean - swing / 2.0
    voiced = np.clip((np.asarray(rate_hz, np.float64) - VOICE_MIN_HZ) / VOICE_MIN_HZ, 0.0, 1.0)
    phase = np.empty(mean.size)
    ph, stretch = rng.uniform(0.0, 2.0 * np.pi), rng.uniform(0.85, 1.15)
    for t in range(mean.size):  # T steps: a cycle's length is drawn when it starts
        phase[t] = ph
        step = 2.0 * np.pi * max(float(rate_hz[t]), 0.0) / fps / stretch * (voiced[t] > 0)
        if np.floor((ph + step) / (2.0 * np.pi)) > np.floor(ph / (2.0 * np.pi)):
            stretch = rng.uniform(0.85, 1.15)
        ph += step
    cycling = base + swing * 0.5 * (1.0 - np.cos(phase))
    return np.clip(voiced * cycling + (1.0 - voiced) * mean, 0.0, 1.0).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Model features: a face as 22 numbers in [-1, 1] per actor and frame (`stickgen.model` diffuses them with
# the motion). One-hot codes are +1 for the chosen entry and -1 elsewhere, mouth_open is 2 level - 1 (the
# openness averaged over the voice's window, `mouth_level`: the syllables are the decoder's), speaking
# +-1, the voice's cycle rate 2 min(rate / VOICE_MAX_HZ, 1) - 1 and its peak 2 peak - 1 (`voice_envelope`);
# a frame without a face is all zeros (and masked out of the loss).

_KNOWN_EXPRESSIONS = len(EXPRESSIONS) - 1  # "unknown" is not generated


def _slices(**sizes: int) -> dict[str, slice]:
    out, at = {}, 0
    for name, n in sizes.items():
        out[name], at = slice(at, at + n), at + n
    return out


FACE_SLICES = _slices(
    expression=_KNOWN_EXPRESSIONS,
    mouth_open=1,
    viseme=len(VISEMES),
    speaking=1,
    eyes=len(EYES),
    voice_rate=1,
    voice_peak=1,
)
FACE_FEATURES = FACE_SLICES["voice_peak"].stop  # 22


def _one_hot(ids: np.ndarray, n: int) -> np.ndarray:
    return np.where(np.arange(n) == np.asarray(ids)[..., None], 1.0, -1.0)


def face_features(track: FaceTrack, fps: float) -> np.ndarray:
    """float32 (T, A, FACE_FEATURES) model features of a track at `fps`; frames without a face are zeros."""
    s = FACE_SLICES
    out = np.zeros((*track.shape, FACE_FEATURES), dtype=np.float32)
    known = track.known
    mouth = np.asarray(track.mouth_open, np.float32)
    out[..., s["expression"]] = _one_hot(np.asarray(track.expression, np.int64) - 1, _KNOWN_EXPRESSIONS)
    out[..., s["viseme"]] = _one_hot(track.viseme, len(VISEMES))
    out[..., s["speaking"]] = np.where(np.asarray(track.speaking)[..., None], 1.0, -1.0)
    out[..., s["eyes"]] = _one_hot(track.eyes, len(EYES))
    for a in range(track.shape[1]):
        rate, peak = voice_envelope(mouth[:, a], known[:, a], fps)
        out[:, a, s["mouth_open"]] = 2.0 * mouth_level(mouth[:, a], known[:, a], fps)[:, None] - 1.0
        out[:, a, s["voice_rate"]] = 2.0 * np.minimum(rate / VOICE_MAX_HZ, 1.0)[:, None] - 1.0
        out[:, a, s["voice_peak"]] = 2.0 * peak[:, None] - 1.0
    out[~known] = 0.0
    return out


def face_from_features(x: np.ndarray, fps: float, rng: np.random.Generator) -> FaceTrack:
    """The track of (T, A, FACE_FEATURES) generated features at `fps`: the largest entry of each code,
    speaking where positive, and the mouth's openness around the generated one with the voice's cycles
    put back (`speech_cycles`, phases and cycle lengths drawn from `rng`). Every frame has a face."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[-1] != FACE_FEATURES:
        raise ValueError(f"face features must be (T, A, {FACE_FEATURES}), got {x.shape}")
    s = FACE_SLICES

    def unit(name: str) -> np.ndarray:
        return np.clip((x[..., s[name]][..., 0] + 1.0) / 2.0, 0.0, 1.0)

    mean, rate, peak = unit("mouth_open"), unit("voice_rate") * VOICE_MAX_HZ, unit("voice_peak")
    mouth = np.stack(
        [speech_cycles(mean[:, a], rate[:, a], peak[:, a], fps, rng) for a in range(x.shape[1])], axis=1
    ).reshape(mean.shape)
    return FaceTrack(
        expression=(np.argmax(x[..., s["expression"]], axis=-1) + 1).astype(np.uint8),
        mouth_open=mouth.astype(np.float32),
        viseme=np.argmax(x[..., s["viseme"]], axis=-1).astype(np.uint8),
        speaking=x[..., s["speaking"]][..., 0] > 0.0,
        eyes=np.argmax(x[..., s["eyes"]], axis=-1).astype(np.uint8),
    )
