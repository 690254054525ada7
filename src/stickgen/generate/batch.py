"""A batch of `stickgen generate` requests: the prompts file, the seeds of N samples, the output names.

    requests = read_prompts(Path("prompts.jsonl"), Request("", seconds=None), max_chars=500)
    seeds = sample_seeds(7, n=3, attempts=3)       # [7, 10, 13]: no two samples share a regeneration seed
    output_path(Path("out/wave.gif"), seed=10, index=2)   # out/wave-002-seed10.gif

A prompts file holds one request per line: plain text (the prompt), or a JSON object with `prompt` and
optionally `seconds`, `actors`, `seed`, `action`, `style` (JSONL). Blank lines and lines starting with `#`
are skipped. Every line is checked before a model loads; a bad one is a `UsageError` naming the file, the
line and the problem.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from stickgen.generate.timeline import MAX_SECONDS

# bounds of a batch (docs/inference.md): samples per prompt, requests per file, the file's size, seeds
MAX_SAMPLES = 1000
MAX_PROMPTS = 10_000
MAX_PROMPTS_BYTES = 16 * 2**20
MAX_SEED = 2**63 - 1
REQUEST_KEYS = ("prompt", "seconds", "actors", "seed", "action", "style")


class UsageError(ValueError):
    """A bad argument or input file, found before anything loads (the command exits with status 2)."""


@dataclass(frozen=True)
class Request:
    """One prompt to generate, with its settings (None: the command line's, or the model's default; for
    `seconds`, the length the model's length estimator predicts from the prompt)."""

    prompt: str
    seconds: float | None = None
    actors: int | None = None
    seed: int | None = None
    action: str | None = None
    style: str | None = None
    line: int | None = None  # its line in the prompts file; None for the command line's prompt


def check_request(req: Request, where: str, max_chars: int, flags: bool = False) -> Request:
    """`req` with its prompt's whitespace collapsed; a bad value is a `UsageError` prefixed with `where`
    and naming the setting as a file's key (`seconds`), or as the option (`--seconds`) when `flags`."""
    from stickgen.core.vocab import ACTIONS
    from stickgen.generate.generator import validate_prompt

    dash = "--" if flags else ""

    def bad(msg: str) -> UsageError:
        return UsageError(f"{where}{dash}{msg}")

    try:
        prompt = validate_prompt(req.prompt, max_chars)
    except ValueError as exc:
        raise UsageError(f"{where}{exc}") from None
    if req.seconds is None:
        pass  # the length is predicted from the prompt once the model is loaded
    elif not _number(req.seconds) or not (math.isfinite(req.seconds) and req.seconds > 0):
        raise bad(f"seconds must be a finite number > 0, got {req.seconds!r}")
    elif req.seconds > MAX_SECONDS:  # longer than the model's window is made in windows, up to this
        raise bad(f"seconds must be at most {MAX_SECONDS:g} (a directed motion's limit), got {req.seconds!r}")
    if req.actors is not None and (not _integer(req.actors) or req.actors < 1):
        raise bad(f"actors must be an integer >= 1, got {req.actors!r}")
    if req.seed is not None and (not _integer(req.seed) or not 0 <= req.seed <= MAX_SEED):
        raise bad(f"seed must be in 0..2**63-1 (an integer), got {req.seed!r}")
    if req.action is not None and req.action not in ACTIONS:
        raise bad(f"action [{req.action}] is unknown; choose one of {', '.join(ACTIONS)}")
    if req.style is not None and not isinstance(req.style, str):
        raise bad(f"style must be a string, got {req.style!r}")
    return replace(req, prompt=prompt)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _integer(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def read_prompts(path: Path, defaults: Request, max_chars: int) -> list[Request]:
    """Every request of a prompts file, checked; settings a line leaves out come from `defaults`."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"prompts file not found: {path}")
    if path.stat().st_size > MAX_PROMPTS_BYTES:
        raise UsageError(f"{path}: larger than {MAX_PROMPTS_BYTES // 2**20} MiB")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Notepad writes one) is no text
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    out: list[Request] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}: "
        if line.startswith(("{", "[")):  # a JSON line; a list was a prompt of brackets
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{where}not a JSON object ({exc.msg} at column {exc.colno})") from None
            except (ValueError, RecursionError) as exc:  # thousands of digits, nested deep
                raise UsageError(f"{where}not a JSON object ({str(exc)[:120]})") from None
            if not isinstance(item, dict):
                raise UsageError(f"{where}not a JSON object")
            unknown = sorted(set(item) - set(REQUEST_KEYS))
            if unknown:
                raise UsageError(f"{where}unknown keys {unknown}; a line may hold {', '.join(REQUEST_KEYS)}")
            if "prompt" not in item:
                raise UsageError(f"{where}no `prompt`")
            req = replace(defaults, **item, line=number)
        else:
            req = replace(defaults, prompt=line, line=number)
        out.append(check_request(req, where, max_chars))
        if len(out) > MAX_PROMPTS:
            raise UsageError(f"{path}: more than {MAX_PROMPTS} prompts; split the file")
    if not out:
        raise UsageError(f"{path}: holds no prompt (one per line, or JSON objects with a `prompt`)")
    return out


def sample_seeds(base: int, n: int, attempts: int) -> list[int]:
    """The seeds of `n` samples from `base`: sample i starts at base + i * attempts, so the regenerations
    of one sample (seeds start .. start + attempts - 1) never reuse another sample's seeds."""
    if not 1 <= n <= MAX_SAMPLES:
        raise UsageError(f"--samples must be in 1..{MAX_SAMPLES}, got {n}")
    last = base + n * attempts - 1
    if last > MAX_SEED:
        raise UsageError(f"seed {base} leaves no room for {n} samples of {attempts} attempts below 2**63")
    return [base + i * attempts for i in range(n)]


def output_path(out: Path, seed: int, index: int | None = None) -> Path:
    """`out` with the request's number (`index`, zero-padded) and the motion's seed in its name."""
    part = f"-{index:03d}" if index is not None else ""
    return out.with_name(f"{out.stem}{part}-seed{seed}{out.suffix}")
