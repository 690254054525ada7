"""What `stickgen generate` reports of each motion it writes: a line (or a `--json` record), the notes on
what it could not make as asked and a safety warning (stderr)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stickgen.generate.motion import length_meta

if TYPE_CHECKING:
    from stickgen.generate.batch import Request
    from stickgen.generate.generator import InferenceGenerator
    from stickgen.generate.motion import Motion


def _length_note(meta: dict) -> str:
    length = meta.get("length") or length_meta("given")  # a given length (a duration, a timeline)
    # a length the text asks for that the motion does not last is a note (`familiar.prompt_notes`)
    return {
        "predicted": " (predicted from the text)",
        "default": " (the default length)",
        "counted": " (from the count)",
        "stated": " (as the text says)",
    }.get(length["source"], "")


def _verdict(meta: dict) -> str:
    if not meta["safety_checked"]:
        return "not checked"
    return "passed" if not meta["flagged"] else "FLAGGED (every attempt rejected)"


def reported(
    gen: InferenceGenerator, req: Request, motion: Motion, written: list[Path], as_json: bool
) -> dict[str, Any]:
    """The `--json` record of one written motion; without `--json` its line is printed. The notes on what
    it could not make as asked (`familiar.prompt_notes`) and a safety warning go to stderr either way."""
    from stickgen.generate.familiar import prompt_notes

    m, files = motion.meta, ", ".join(map(str, written))
    notes = prompt_notes(gen, req.prompt, motion, req.actors is not None)
    if not as_json:
        print(
            f"{files}: {motion.frames} frames, {motion.actors} actor(s), {motion.duration_s:.2f} s"
            f"{_length_note(m)} at {motion.fps:g} fps; seed {m['seed']}; safety {_verdict(m)} after "
            f"{m['attempts']} attempt(s); {m['latency_s']:.2f} s"
        )
    for note in notes:
        print(f"stickgen generate: note: {files}: {note}", file=sys.stderr)
    if m["flagged"]:
        print(
            f"stickgen generate: warning: {files}: the safety critic rejected this motion; see meta.safety",
            file=sys.stderr,
        )
    return {
        "prompt": m["prompt"],
        "line": req.line,
        "files": [str(f) for f in written],
        "seed": m["seed"],
        "frames": motion.frames,
        "actors": motion.actors,
        "duration_s": round(motion.duration_s, 6),
        "length": m.get("length") or length_meta("given"),
        "fps": motion.fps,
        "action": m["action"],
        "style": m["style"],
        "safety": _verdict(m),
        "attempts": m["attempts"],
        "flagged": m["flagged"],
        "latency_s": m["latency_s"],
        "notes": notes,
    }
