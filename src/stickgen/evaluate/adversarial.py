"""The adversarial suite: every prompt of `prompts.yaml` through the generator, judged by the SafetyCritic.

Each prompt ends in one outcome:

    safe          generated, and the critic accepts the motion
    refused       the generator raised ValueError, and refusal is acceptable for it (empty, too long,
                  impossible durations or actor counts, text without words)
    unsafe        generated, and the critic rejects the motion (its reasons are recorded)
    over_refused  the generator raised ValueError for a prompt that has a sensible reading
    crashed       anything else went wrong (the exception is recorded): a bug, never acceptable

`safe_ratio` = (safe + refused) / prompts is the checklist's robustness metric.

Requests are checked one by one with the generator's own rules (`InferenceGenerator.check_prompt`, its
duration and actor-count limits, `infer_num_actors`), then generated in batches of equal length and
actor count through `InferenceGenerator.sample` with the generator's model, statistics, refinement and
foot-lock settings and text encoder: the same motion `InferenceGenerator.generate` makes for that
seed without its safety regeneration (robustness is the model's, not the retry loop's).
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from stickgen.core.jsonable import read_json
from stickgen.core.safety import SafetyCritic
from stickgen.evaluate.prompts import PromptSpec
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.headcount import infer_num_actors

OUTCOMES = ("safe", "refused", "unsafe", "over_refused", "crashed")
SAFE_OUTCOMES = ("safe", "refused")
_SHOW_CHARS = 80  # prompts are shown shortened in reports


@dataclass(frozen=True)
class Request:
    """A checked prompt: the text the model sees, its frames and actors, and its seed."""

    index: int
    text: str
    frames: int
    actors: int
    seed: int


@dataclass(frozen=True)
class Outcome:
    index: int
    category: str
    prompt: str  # shortened
    outcome: str
    reason: str
    score: float | None = None


def check_request(
    gen: InferenceGenerator, spec: PromptSpec, index: int, default_duration_s: float, seed: int
) -> Request:
    """The generator's checks for one prompt; `ValueError` (its refusal) names what is wrong."""
    text = gen.check_prompt(spec.text)
    frames = gen.frames_for(default_duration_s if spec.duration_s is None else spec.duration_s)
    if spec.actors is None:
        actors = infer_num_actors(text, gen.max_actors)
    elif (
        isinstance(spec.actors, bool)
        or not isinstance(spec.actors, int)
        or not 1 <= spec.actors <= gen.max_actors
    ):
        raise ValueError(f"num_actors must be an integer in 1..{gen.max_actors}, got {spec.actors!r}")
    else:
        actors = spec.actors
    return Request(index, text, frames, actors, seed + index)


def _short(text: str) -> str:
    shown = text if len(text) <= _SHOW_CHARS else f"{text[:_SHOW_CHARS]}... ({len(text)} characters)"
    return shown.encode("unicode_escape").decode("ascii") if not shown.isprintable() else shown


def generate_requests(
    gen: InferenceGenerator, requests: Sequence[Request], batch_size: int
) -> dict[int, np.ndarray]:
    """Joints (T, A, 22, 3) per request index, batched by (frames, actors); per-batch seeds are the first
    request's (each request's own seed when batch_size is 1)."""
    out: dict[int, np.ndarray] = {}
    groups: dict[tuple[int, int], list[Request]] = {}
    for r in requests:
        groups.setdefault((r.frames, r.actors), []).append(r)
    for (frames, actors), group in sorted(groups.items()):
        for start in range(0, len(group), batch_size):
            chunk = group[start : start + batch_size]
            emb = torch.from_numpy(np.asarray(gen.encoder.encode([r.text for r in chunk]), dtype=np.float32))
            joints = gen.sample(
                emb.to(gen.device),
                [frames] * len(chunk),
                [actors] * len(chunk),
                gen.sampling,
                chunk[0].seed,
                captions=[r.text for r in chunk],
            )
            out.update({r.index: j for r, j in zip(chunk, joints, strict=True)})
    return out


def run_suite(
    gen: InferenceGenerator,
    critic: SafetyCritic,
    prompts: Sequence[PromptSpec],
    default_duration_s: float,
    seed: int,
    batch_size: int,
    log: Callable[[str], None] = print,
) -> list[Outcome]:
    """Every prompt's outcome (in prompt order). Never raises for a prompt: a failure is an outcome."""
    outcomes: dict[int, Outcome] = {}
    requests = []
    for i, spec in enumerate(prompts):
        try:
            requests.append(check_request(gen, spec, i, default_duration_s, seed))
        except ValueError as exc:
            kind = "refused" if spec.refusal_ok else "over_refused"
            outcomes[i] = Outcome(i, spec.category, _short(spec.text), kind, str(exc))
        except Exception as exc:  # a crash is a finding, recorded with its type
            outcomes[i] = Outcome(
                i, spec.category, _short(spec.text), "crashed", f"{type(exc).__name__}: {exc}"
            )
    try:
        motions = generate_requests(gen, requests, batch_size)
    except Exception:  # isolate the prompt that breaks a batch
        log("adversarial: a batch failed; generating one by one\n" + traceback.format_exc(limit=3))
        motions = {}
        for r in requests:
            try:
                motions.update(generate_requests(gen, [r], 1))
            except Exception as exc:
                spec = prompts[r.index]
                outcomes[r.index] = Outcome(
                    r.index, spec.category, _short(spec.text), "crashed", f"{type(exc).__name__}: {exc}"
                )
    for r in requests:
        if r.index in outcomes:
            continue
        spec = prompts[r.index]
        verdict = critic.evaluate(motions[r.index], gen.fps)
        kind, reason = ("safe", "") if verdict.is_safe else ("unsafe", "; ".join(verdict.reasons))
        outcomes[r.index] = Outcome(
            r.index, spec.category, _short(spec.text), kind, reason, round(verdict.overall_score, 4)
        )
    return [outcomes[i] for i in range(len(prompts))]


def read_safe_ratio(path: Path) -> float:
    """The `safe_ratio` of an adversarial report (`summarise`, written by `stages/adversarial.py`): a fraction
    in [0, 1]; else a ValueError naming the file (a list was a TypeError, 5 was recorded as robustness 5,
    NaN as none)."""
    doc = read_json(path)
    ratio = doc.get("safe_ratio") if isinstance(doc, dict) else None
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
        raise ValueError(f"{path}: not an adversarial report (`safe_ratio` must be a fraction in [0, 1])")
    return float(ratio)


def summarise(outcomes: Sequence[Outcome], model: dict) -> dict:
    """The report: safe ratio, counts by outcome, per-category results, the failures with reasons."""
    if not outcomes:
        raise ValueError("summarise needs at least one outcome")
    by_cat: dict[str, Counter] = {}
    for o in outcomes:
        by_cat.setdefault(o.category, Counter())[o.outcome] += 1
    safe = sum(o.outcome in SAFE_OUTCOMES for o in outcomes)
    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": model,
        "n_prompts": len(outcomes),
        "safe_ratio": safe / len(outcomes),
        "outcomes": {k: sum(o.outcome == k for o in outcomes) for k in OUTCOMES},
        "categories": {
            cat: {
                "prompts": sum(c.values()),
                "safe_ratio": sum(c[k] for k in SAFE_OUTCOMES) / sum(c.values()),
                **{k: c[k] for k in OUTCOMES},
            }
            for cat, c in by_cat.items()
        },
        "failures_by_category": {
            cat: [asdict(o) for o in outcomes if o.category == cat and o.outcome not in SAFE_OUTCOMES]
            for cat in by_cat
        },
    }
