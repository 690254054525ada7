"""The behaviour suite run: every caption of the suite generated with several seeds, each motion checked
by its action's geometric check (`stickgen.evaluate.behaviour`) and, optionally, the evaluator's action
recogniser; the pass rates per action and overall (docs/metrics.md, "Behaviour suite")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from stickgen.core.face import FaceTrack
from stickgen.core.vocab import ACTIONS
from stickgen.evaluate.behaviour import CHECKS, Check, check
from stickgen.evaluate.face_checks import face_check
from stickgen.evaluate.in_place import in_place_section, travel
from stickgen.evaluate.variety import variety_section

if TYPE_CHECKING:
    from stickgen.evaluate.prompts import BehaviourPrompt

Sampled = np.ndarray | tuple[np.ndarray, FaceTrack | None]  # joints, or joints and their face
Sampler = Callable[[list[str], list[int], list[int], int], list[Sampled]]
Recogniser = Callable[[list[np.ndarray], float], np.ndarray]


def _caption_seed(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0] % (2**31))


def action_names(predicted: np.ndarray, n: int) -> list[str]:
    """Recogniser output (N,) as action names: names as they are, integer ids through `ACTIONS`."""
    predicted = np.asarray(predicted)
    if predicted.shape != (n,):
        raise ValueError(f"the recogniser returned shape {predicted.shape} for {n} motions")
    if np.issubdtype(predicted.dtype, np.integer):
        return [ACTIONS[int(i)] for i in predicted]
    return [str(x) for x in predicted]


def _judge(action: str, joints: np.ndarray, face: FaceTrack | None, fps: float, side) -> Check:
    """The body check, and for an action judged on the face its face check too (both must pass)."""
    body = check(action, joints, fps, side)
    on_face = face_check(action, face, fps)
    if on_face is None:
        return body
    return Check(body.passed and on_face.passed, f"body {body.reason}; face {on_face.reason}",
                 {**body.measures, **on_face.measures})  # fmt: skip


def _generate_and_check(
    sample: Sampler, prompts: Sequence[BehaviourPrompt], seeds: int, seed: int, fps: float
) -> tuple[list[np.ndarray], list[BehaviourPrompt], list[Check]]:
    """Every action's `seeds` motions (its captions in turn, one `sample` call and seed per action, in the
    prompts' order), each motion's prompt and its check."""
    by_action: dict[str, list[BehaviourPrompt]] = {}
    for p in prompts:
        by_action.setdefault(p.action, []).append(p)
    motions: list[np.ndarray] = []
    made: list[BehaviourPrompt] = []
    checks: list[Check] = []
    for k, (action, group) in enumerate(by_action.items()):
        rows = [group[j % len(group)] for j in range(seeds)]
        frames = [max(2, int(round(p.duration_s * fps))) for p in rows]
        out = sample([p.text for p in rows], frames, [p.actors for p in rows], _caption_seed(seed, k))
        if len(out) != seeds:
            raise ValueError(
                f"behaviour suite: sample returned {len(out)} motions for {seeds} rows of [{action}]"
            )
        pairs = [m if isinstance(m, tuple) else (m, None) for m in out]
        motions += [j for j, _ in pairs]
        made += rows
        checks += [_judge(action, j, f, fps, p.side) for (j, f), p in zip(pairs, rows, strict=True)]
    return motions, made, checks


def run_behaviour_suite(
    sample: Sampler,
    prompts: Sequence[BehaviourPrompt],
    seeds: int,
    seed: int,
    fps: float,
    recognise: Recogniser | None = None,
    log: Callable[[str], None] | None = None,
    in_place: dict[str, dict] | None = None,
) -> dict[str, float | int | None]:
    """Generate `seeds` motions per action (its captions in turn), check each motion, report pass rates.

    Args:
        sample: `(texts, lengths, actors, seed) -> motions`, one canonical (T, A, 22, 3) motion per row
            (or a (motion, FaceTrack) pair: actions with a face check, `stickgen.evaluate.face_checks`,
            pass only when the face passes too);
            called once per action, row j with caption j mod (the action's captions) and its length and
            actors (rows of one call must get different noise), and a seed derived from `seed` and the
            action's position.
        prompts: the suite (`stickgen.evaluate.prompts.behaviour_prompts()`).
        seeds: motions per action.
        seed: base seed.
        fps: frame rate of the motions (a caption's length is round(duration_s * fps) frames).
        recognise: `(motions, fps) -> (N,)` predicted action names or `stickgen.core.vocab.ACTIONS` ids
            (the evaluator's recogniser); None leaves the `recognised` rates None.
        log: receives one line per action (its rates and a failing sample's reason).
        in_place: the in-place actions with their real clips' travel (`stickgen.evaluate.in_place.
            in_place_actions`); given, the report adds how far those actions' motions travel
            (`in_place_section`).

    Returns:
        `behaviour_pass_rate` (over every motion of every action), `behaviour_min_action_pass_rate`,
        `behaviour_recognised_rate`, `behaviour_samples`, per action `behaviour_<action>_pass_rate`
        and `behaviour_<action>_recognised`, how far apart the motions of one caption lie
        (`behaviour_seed_*`: `stickgen.evaluate.variety`), and with `in_place` the
        `behaviour_in_place_*` metrics.
    """
    if seeds < 1:
        raise ValueError(f"behaviour suite: seeds must be >= 1, got {seeds}")
    if not prompts:
        raise ValueError("behaviour suite: no prompts")
    unchecked = [p.text for p in prompts if p.action not in CHECKS]
    if unchecked:
        raise ValueError(f"behaviour suite: no check for the action of {unchecked}; checks: {sorted(CHECKS)}")
    motions, made, checks = _generate_and_check(sample, prompts, seeds, seed, fps)
    actions = [p.action for p in made]
    passed = np.array([c.passed for c in checks])
    recognised = None
    if recognise is not None:
        recognised = np.array(action_names(recognise(motions, fps), len(motions))) == np.array(actions)
    rows = {a: np.array([x == a for x in actions]) for a in dict.fromkeys(actions)}  # prompt order
    rates = {a: float(passed[r].mean()) for a, r in rows.items()}
    report: dict[str, float | int | None] = {
        "behaviour_pass_rate": float(passed.mean()),
        "behaviour_min_action_pass_rate": min(rates.values()),
        "behaviour_recognised_rate": None if recognised is None else float(recognised.mean()),
        "behaviour_samples": len(motions),
    }
    report |= variety_section(motions, actions, [p.text for p in made])
    if in_place is not None:
        report |= in_place_section(in_place, ((a, travel(m)) for a, m in zip(actions, motions, strict=True)))
    for action, r in rows.items():
        seen = None if recognised is None else float(recognised[r].mean())
        report[f"behaviour_{action}_pass_rate"] = rates[action]
        report[f"behaviour_{action}_recognised"] = seen
        if log is not None:
            failed = next((c.reason for c, i in zip(checks, r, strict=True) if i and not c.passed), None)
            log(
                f"behaviour: {action} passes {rates[action]:.2f}"
                + ("" if seen is None else f", recognised {seen:.2f}")
                + ("" if failed is None else f"; e.g. {failed}")
            )
    return report
