"""The web demo's engine, without the web: request checking, the job gate, the kept results, downloads.

    service = DemoService(generator, serve_config, refiner_default=False)
    request = DemoRequest.from_json({"prompt": "a person waves", "samples": 2}, service.limits)
    spans = [{"start": 0, "end": 2, "text": "a person walks"}, {"start": 2, "end": 4, "text": "jumps"}]
    request = DemoRequest.from_json({"timeline": spans}, service.limits)  # one motion through the spans
    result = service.generate(request)
    data, media_type, filename = service.download(result.id, "0.gif")

`stickgen.cli.serve` puts this behind HTTP (docs/inference.md, "Web demo"). Nothing here touches a
path a request names: a download is looked up by a random result id in memory and built from the motion;
GIF / MP4 / NPZ are written into a fresh temporary folder under names chosen here and read back.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import tempfile
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.core.config import ServeConfig
from stickgen.generate import directed
from stickgen.generate.batch import sample_seeds
from stickgen.generate.bvh import BvhOptions, bvh_text
from stickgen.generate.export import face_to_json, save_npz, to_json_dict
from stickgen.generate.familiar import prompt_notes
from stickgen.generate.generator import InferenceGenerator, validate_prompt
from stickgen.generate.gltf import glb_bytes
from stickgen.generate.motion import Motion
from stickgen.generate.render import (
    DRAW_SEGMENTS,
    HEAD,
    HEAD_RADIUS_M,
    LINE_WIDTH_M,
    PALETTE,
    RenderOptions,
    mp4_available,
    render,
)
from stickgen.generate.sequence import generate_sequence, prompt_duration_s
from stickgen.generate.smpl import save_amass
from stickgen.generate.timeline import Span, format_timeline, parse_timeline, timeline_from_json
from stickgen.generate.together import MAX_TOGETHER

# built-in defaults for `stickgen serve` outside the repository; params.yaml `serve:` sets them
DEFAULT_SERVE = ServeConfig(
    host="127.0.0.1",
    port=7860,
    max_duration_s=10.0,
    max_samples=4,
    max_concurrent_jobs=2,
    max_queued_jobs=8,
    max_kept_results=32,
)
MAX_SEED = 2**31 - 1
REQUEST_KEYS = ("prompt", "duration_s", "timeline", "actors", "seed", "samples", "refiner")
# a timeline request's spans: a short list to edit by hand; each span costs at least one model window
MAX_SPANS = 8
JOINT_DECIMALS = 3  # the page's joints, to 1 mm
_RESULT_ID = re.compile(r"[0-9a-f]{16}")
_FILE = re.compile(
    r"(?P<index>[0-9]{1,2})(?:\.actor(?P<actor>[0-9]{1,2}))?\.(?P<fmt>smpl\.npz|gif|mp4|json|npz|bvh|glb)"
)
MEDIA_TYPES = {
    "gif": "image/gif",
    "mp4": "video/mp4",
    "json": "application/json",
    "npz": "application/octet-stream",
    "bvh": "text/plain; charset=utf-8",
    "smpl.npz": "application/octet-stream",
    "glb": "model/gltf-binary",
}
PER_ACTOR = ("bvh", "smpl.npz")  # one file per actor; the others hold every actor


class RequestError(ValueError):
    """A request the demo refuses (HTTP 400); the message says what to change."""


class BusyError(RuntimeError):
    """Every generation slot and queue place is taken (HTTP 429)."""


class NotFoundError(LookupError):
    """No such result (expired from the kept results) or no such file of it (HTTP 404)."""


@dataclass(frozen=True)
class DemoLimits:
    """What one request may ask for: the serve config's bounds within the model's own. `max_actors` is the
    most people a request may ask: up to `together.MAX_TOGETHER` where each does what one person does
    (made actor by actor, as `stickgen generate` makes them), `model_actors` (the model's, in one motion)
    for an interaction; more is refused with the reason."""

    max_prompt_chars: int
    min_duration_s: float
    max_duration_s: float
    max_actors: int
    model_actors: int
    max_samples: int
    refiner_available: bool
    refiner_default: bool
    max_spans: int = MAX_SPANS  # a timeline's spans; its whole length is at most max_duration_s

    @classmethod
    def of(cls, generator: InferenceGenerator, config: ServeConfig, refiner_default: bool) -> DemoLimits:
        refinable = generator.sampling is not None and generator.model.refiner_cfg.trained
        return cls(
            max_prompt_chars=generator.max_prompt_chars,
            min_duration_s=round(2.0 / generator.fps, 6),
            max_duration_s=round(min(config.max_duration_s, generator.max_duration_s), 6),
            max_actors=max(MAX_TOGETHER, generator.max_actors),
            model_actors=generator.max_actors,
            max_samples=config.max_samples,
            refiner_available=refinable,
            refiner_default=bool(refiner_default and refinable),
        )


@dataclass(frozen=True)
class DemoRequest:
    prompt: str
    duration_s: float | None = 4.0  # None: as long as the prompt says or suggests (`_make`)
    actors: int | None = None  # None: from the prompt (an interaction -> 2)
    seed: int | None = None  # None: drawn
    samples: int = 1
    refiner: bool | None = None  # None: the server's default
    timeline: tuple[Span, ...] | None = None  # spans: one motion through them (prompt: the timeline)

    @classmethod
    def from_json(cls, doc: Any, limits: DemoLimits) -> DemoRequest:
        """The request in a decoded JSON body; `RequestError` naming the field and the allowed range."""
        if not isinstance(doc, dict):
            raise RequestError(f"the request body must be a JSON object, got {type(doc).__name__}")
        unknown = sorted(set(doc) - set(REQUEST_KEYS))
        if unknown:
            raise RequestError(f"unknown fields {unknown}; a request has {list(REQUEST_KEYS)}")
        if "timeline" in doc:
            spans = request_timeline(doc, limits)
            prompt, duration, timeline = format_timeline(spans), spans[-1].end_s, tuple(spans)
        else:
            prompt, timeline = _prompt(doc, limits), None
            duration = _duration(doc, limits, cls.duration_s)
        actors = doc.get("actors")
        if actors is not None:
            actors = _integer(actors, "actors", 1, limits.max_actors)
        seed = doc.get("seed")
        if seed is not None:
            seed = _integer(seed, "seed", 0, MAX_SEED)
        samples = _integer(doc.get("samples", 1), "samples", 1, limits.max_samples)
        refiner = doc.get("refiner")
        if refiner is not None and not isinstance(refiner, bool):
            raise RequestError(f"refiner must be true, false or null, got {refiner!r}")
        if refiner and not limits.refiner_available:
            raise RequestError(
                "the refiner is not available on this server (started with --no-diffusion, or its model's "
                "refiner was not trained)"
            )
        return cls(prompt, duration, actors, seed, samples, refiner, timeline)


def _prompt(doc: dict, limits: DemoLimits) -> str:
    try:
        return validate_prompt(doc.get("prompt"), limits.max_prompt_chars)
    except ValueError as exc:
        raise RequestError(str(exc)) from None


def _duration(doc: dict, limits: DemoLimits, default_s: float) -> float | None:
    # no duration given: 4 s, or the longest allowed when that is shorter; null: the prompt's own length
    if "duration_s" in doc and doc["duration_s"] is None:
        return None
    duration = _number(doc.get("duration_s", min(default_s, limits.max_duration_s)), "duration_s")
    if not limits.min_duration_s <= duration <= limits.max_duration_s:
        raise RequestError(
            f"duration_s must be in {limits.min_duration_s:g}..{limits.max_duration_s:g} seconds, "
            f"got {duration:g}"
        )
    return duration


def request_timeline(doc: dict, limits: DemoLimits) -> list[Span]:
    """The checked spans of a request's `timeline` (a list of `{start, end, text}` or a
    `"START-END: text; ..."` string, read by `stickgen.generate.timeline`): at most `limits.max_spans`
    spans, `limits.max_duration_s` in all, each text a valid prompt; `RequestError` naming the span."""
    clash = [k for k in ("prompt", "duration_s") if k in doc]
    if clash:
        raise RequestError(f"a timeline sets the texts and the duration: drop {', '.join(clash)}")
    raw = doc["timeline"]
    count = _span_count(raw)
    if count > limits.max_spans:
        raise RequestError(f"timeline has {count} spans; the limit here is {limits.max_spans}")
    try:
        if isinstance(raw, str):
            spans = parse_timeline(raw, limits.max_duration_s)
        else:
            spans = timeline_from_json(raw, "timeline", limits.max_duration_s)
        return [_checked_text(i, s, limits.max_prompt_chars) for i, s in enumerate(spans, 1)]
    except ValueError as exc:
        raise RequestError(str(exc)) from None


def _span_count(raw: Any) -> int:
    if isinstance(raw, str):
        return len([s for s in re.split(r"[;\n]", raw) if s.strip()])
    return len(raw) if isinstance(raw, list) else 0


def _checked_text(i: int, span: Span, max_chars: int) -> Span:
    """`span` with its text checked as a prompt (whitespace collapsed); `ValueError` naming the span."""
    try:
        return Span(span.start_s, span.end_s, validate_prompt(span.text, max_chars))
    except ValueError as exc:
        raise ValueError(f"timeline span {i} ({span.start_s:g}-{span.end_s:g}): {exc}") from None


def _number(v: Any, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
        raise RequestError(f"{name} must be a number, got {v!r}")
    return float(v)


def _integer(v: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise RequestError(f"{name} must be an integer, got {v!r}")
    if not lo <= v <= hi:
        raise RequestError(f"{name} must be in {lo}..{hi}, got {v}")
    return v


class JobGate:
    """At most `running` generations at once and `queued` more waiting; beyond that `BusyError` at once."""

    def __init__(self, running: int, queued: int) -> None:
        self.running, self.queued = running, queued
        self._slots = threading.BoundedSemaphore(running)
        self._lock = threading.Lock()
        self.admitted = 0  # running + waiting

    def __enter__(self) -> JobGate:
        with self._lock:
            if self.admitted >= self.running + self.queued:
                raise BusyError(
                    f"the server is busy: {self.running} generation(s) running and {self.queued} waiting "
                    "(params serve.max_concurrent_jobs / max_queued_jobs); try again in a moment"
                )
            self.admitted += 1
        self._slots.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._slots.release()
        with self._lock:
            self.admitted -= 1


@dataclass
class DemoResult:
    id: str
    request: DemoRequest
    motions: list[Motion]


def _make(gen: InferenceGenerator, request: DemoRequest, seed: int, limits: DemoLimits) -> Motion:
    """One sample: the generator's motion of the prompt, one continuous motion through the timeline
    (`directed.generate_timeline`, the path of `stickgen generate --timeline`), or, for a prompt that names
    motions one after another, through the timeline of its parts (`sequence.generate_sequence`, as
    `stickgen generate` makes it, when it has at most `limits.max_spans` parts, as a timeline request may).
    Without a duration, as long as the prompt says or suggests (`sequence.prompt_duration_s`: "walks for 3
    seconds"), at most the server's longest."""
    if request.timeline is not None:
        return directed.generate_timeline(gen, list(request.timeline), request.actors, seed)
    seconds = own = request.duration_s
    if seconds is None:
        own = prompt_duration_s(gen, request.prompt)
        seconds = round(min(own, limits.max_duration_s), 6)
    motion = generate_sequence(gen, request.prompt, seconds, request.actors, seed, max_parts=limits.max_spans)
    if motion is None:
        motion = gen.generate(request.prompt, seconds, num_actors=request.actors, seed=seed)
    if own is not None and own > seconds:  # the prompt's own length, over the server's longest: said
        motion.meta["length"] = {**motion.meta.get("length", {}), "asked_s": round(own, 4)}
    return motion


def verdict(meta: dict) -> str:
    """The safety verdict in words: passed, flagged (every attempt rejected) or not checked."""
    if not meta.get("safety_checked"):
        return "not checked"
    return "flagged" if meta.get("flagged") else "passed"


class DemoService:
    """One loaded generator serving demo requests from several threads.

    Args:
        generator: the loaded model and text encoder (built with the refiner on, so requests may switch it
            off; a generator without one serves only refiner-off requests).
        config: the `serve` bounds.
        refiner_default: whether a request that does not say uses the refiner (params
            diffusion.use_diffusion).
    """

    def __init__(self, generator: InferenceGenerator, config: ServeConfig, refiner_default: bool) -> None:
        self.generator = generator
        self.config = config
        self.limits = DemoLimits.of(generator, config, refiner_default)
        # the same model, encoder and critic without the refiner (a shallow copy: nothing is loaded twice)
        self._plain = copy.copy(generator)
        self._plain.sampling = None
        self.gate = JobGate(config.max_concurrent_jobs, config.max_queued_jobs)
        self._results: OrderedDict[str, DemoResult] = OrderedDict()
        self._lock = threading.Lock()

    def info(self) -> dict[str, Any]:
        g = self.generator
        return {
            "model": {"checkpoint": g.model_path.name, "variant": g.variant, "phase": g.phase},
            "fps": g.fps,
            "text_encoder": g.encoder_info.to_dict(),
            "safety_check": g.enable_safety_check,
            "limits": asdict(self.limits),
            "formats": self.formats(),
            # the figure as the GIF / HTML renderer draws it (stickgen.generate.render)
            "figure": {
                "segments": [list(s) for s in DRAW_SEGMENTS],
                "head": HEAD,
                "head_radius_m": HEAD_RADIUS_M,
                "line_width_m": LINE_WIDTH_M,
                "colors": list(PALETTE),
            },
        }

    @staticmethod
    def formats() -> list[str]:
        return ["gif", *(["mp4"] if mp4_available() else []), "bvh", "npz", "smpl.npz", "glb", "json"]

    def generate(self, request: DemoRequest) -> DemoResult:
        """Generate the request's samples (blocking; waits for a slot or raises `BusyError`)."""
        refiner = self.limits.refiner_default if request.refiner is None else request.refiner
        gen = self.generator if refiner else self._plain
        attempts = 1 + (gen.max_regenerations if gen.enable_safety_check else 0)
        base = request.seed if request.seed is not None else secrets.randbelow(MAX_SEED + 1)
        seeds = sample_seeds(base, request.samples, attempts)
        with self.gate:
            try:
                motions = [_make(gen, request, s, self.limits) for s in seeds]
            except ValueError as exc:  # the generator's own checks (e.g. a prompt its encoder refuses)
                raise RequestError(str(exc).replace("num_actors", "actors")) from None  # the request's word
        result = DemoResult(secrets.token_hex(8), request, motions)
        with self._lock:
            self._results[result.id] = result
            while len(self._results) > self.config.max_kept_results:
                self._results.popitem(last=False)
        return result

    def kept(self) -> int:
        return len(self._results)

    def result(self, result_id: str) -> DemoResult:
        with self._lock:
            found = self._results.get(result_id) if _RESULT_ID.fullmatch(result_id) else None
        if found is None:
            raise NotFoundError(
                f"no result {result_id!r}: results expire after the newest "
                f"{self.config.max_kept_results} (params serve.max_kept_results); generate again"
            )
        return found

    def to_json(self, result: DemoResult) -> dict[str, Any]:
        """What the page gets: per sample its joints (mm), seed, safety verdict, download links, its face
        (`export.face_to_json`) when it has one, and notes on what it could not make as asked
        (`familiar.prompt_notes`: fewer people than the words count, texts the memory holds nothing close
        to)."""
        samples = []
        r = result.request
        for i, m in enumerate(result.motions):
            meta = m.meta
            safety = meta.get("safety") or {}
            downloads = {f: f"/api/results/{result.id}/{i}.{f}" for f in self.formats()}
            downloads["bvh (mixamo, z up)"] = f"/api/results/{result.id}/{i}.bvh?rig=mixamo&up=z"
            for a in range(1, m.actors):
                for f in PER_ACTOR:
                    downloads[f"{f} actor {a + 1}"] = f"/api/results/{result.id}/{i}.actor{a}.{f}"
            samples.append(
                {
                    "index": i,
                    "seed": meta["seed"],
                    "frames": m.frames,
                    "actors": m.actors,
                    "fps": m.fps,
                    "duration_s": round(m.duration_s, 6),
                    "verdict": verdict(meta),
                    "attempts": meta.get("attempts"),
                    "safety_score": safety.get("overall_score"),
                    "safety_reasons": safety.get("reasons", []),
                    "latency_s": meta.get("latency_s"),
                    "timeline": meta.get("timeline"),  # [{start_s, end_s, text, frames}] or None
                    "notes": prompt_notes(self.generator, r.prompt, m, r.actors is not None),
                    "joints": np.round(m.joints.astype(np.float64), JOINT_DECIMALS).tolist(),
                    "downloads": downloads,
                    **({"face": face_to_json(m.face)} if m.face is not None else {}),
                }
            )
        return {
            "id": result.id,
            "prompt": r.prompt,
            "refiner": self.limits.refiner_default if r.refiner is None else r.refiner,
            "samples": samples,
        }

    def download(self, result_id: str, name: str, bvh: BvhOptions | None = None) -> tuple[bytes, str, str]:
        """(bytes, media type, file name) of `name` (`<sample>.<gif|mp4|json|npz|bvh|smpl.npz|glb>` or
        `<sample>.actor<k>.bvh|smpl.npz`, BVH written with `bvh`'s rig, axes and units) of a kept result;
        `NotFoundError` for anything else."""
        result = self.result(result_id)
        match = _FILE.fullmatch(name)
        if match is None:
            raise NotFoundError(
                f"no file {name!r}: ask for <sample>.gif, .mp4, .json, .npz, .smpl.npz, .glb or .bvh"
            )
        index, fmt = int(match["index"]), match["fmt"]
        actor = None if match["actor"] is None else int(match["actor"])
        if index >= len(result.motions):
            raise NotFoundError(f"result {result_id} has {len(result.motions)} sample(s), not {index + 1}")
        motion = result.motions[index]
        if actor is not None and (fmt not in PER_ACTOR or actor >= motion.actors):
            raise NotFoundError(f"no file {name!r}: the motion has {motion.actors} actor(s)")
        if fmt not in self.formats():
            raise NotFoundError(f"{fmt} is not available here (MP4 needs imageio-ffmpeg)")
        if bvh is not None and fmt != "bvh":  # they were ignored: a .json?rig=... came back as if unasked
            raise RequestError(f"rig, up and units are options of a .bvh download, not of a .{fmt}")
        stem = f"stickgen-{result_id}-{index}"
        return (
            _build(motion, fmt, actor or 0, bvh),
            MEDIA_TYPES[fmt],
            f"{stem}{'' if actor is None else f'.actor{actor}'}.{fmt}",
        )


def bvh_options(query: dict[str, str]) -> BvhOptions:
    """BVH options from a download's query (`rig`, `up`, `units`); `RequestError` for anything else."""
    unknown = sorted(set(query) - {"rig", "up", "units"})
    if unknown:
        raise RequestError(f"unknown download options {unknown}; a BVH takes rig, up and units")
    try:
        return BvhOptions(**query)  # type: ignore[arg-type]
    except ValueError as exc:
        raise RequestError(str(exc)) from None


def _build(motion: Motion, fmt: str, actor: int, bvh: BvhOptions | None = None) -> bytes:
    if fmt == "json":
        return (json.dumps(to_json_dict(motion), separators=(",", ":")) + "\n").encode()
    if fmt == "bvh":
        return bvh_text(motion.joints[:, actor], motion.fps, bvh).encode()
    if fmt == "glb":  # every actor in one file
        return glb_bytes(motion)
    with tempfile.TemporaryDirectory(prefix="stickgen-demo-") as tmp:
        path = Path(tmp) / f"motion.{fmt}"
        if fmt == "smpl.npz":  # SMPL-H poses in the AMASS layout, on the built-in template skeleton
            path = save_amass(motion, path)[actor]
        elif fmt == "npz":
            save_npz(motion, path)
        else:
            render(motion, path, RenderOptions(width=360, height=360))
        return path.read_bytes()
