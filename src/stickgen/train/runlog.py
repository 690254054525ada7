"""The training run's two logs (docs/reproducibility.md, "Model outputs"):

- `training_verbose.log` in the checkpoint folder, a hashed DVC output, holds only what the run's inputs
  decide: sizes and config, every step's losses and learning rate, every epoch's validation losses, resume
  events. No time and no speed, so two runs of the same inputs write the same bytes and an unchanged model
  keeps its DVC hash.
- `training_clock.log` in the run's DVCLive folder (outside the hashed outputs, git-ignored) holds the same
  lines with their wall-clock time, each step's line followed by its samples/s; it grows across runs.

Records are held back until `start`, which the loop calls once it knows whether it resumes and has logged
its config: a fresh run rewrites the checkpoint folder's log; a run resumed in a folder whose log is of the
same run (same `config` line) keeps that log's whole lines up to its resume step and continues it, so a
killed and resumed run logs every step once.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from collections.abc import Mapping
from pathlib import Path

from stickgen.core.atomic import atomic_write_text

LOG_NAME = "training_verbose.log"
CLOCK_LOG_NAME = "training_clock.log"
WALL_CLOCK = ("samples_per_s",)  # step metrics that depend on the machine's speed, not on the inputs
_STEP = re.compile(r"INFO step (\d+)/")
_CONFIG = "INFO config "


class _Held(logging.handlers.MemoryHandler):
    """Keeps every record until `start` replays them (never flushes on its own)."""

    def __init__(self) -> None:
        super().__init__(capacity=1 << 30, flushLevel=logging.CRITICAL + 1)


class _WallClockDefault(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.wall_clock = getattr(record, "wall_clock", "")
        return True


def wall_clock(metrics: Mapping[str, float]) -> dict[str, str]:
    """The `extra` of a step record: its `WALL_CLOCK` metrics, written to the clock log only."""
    return {"wall_clock": "".join(f" {k} {metrics[k]:.5g}" for k in WALL_CLOCK if k in metrics)}


def open_run_log(out_dir: Path, enabled: bool) -> logging.Logger:
    """The run's logger, holding its records until `start` (a no-op logger when not `enabled`: DDP ranks
    other than 0)."""
    log = logging.getLogger(f"stickgen.train.{out_dir.resolve()}")
    log.setLevel(logging.INFO)
    log.propagate = False
    for h in list(log.handlers):
        h.close()
        log.removeHandler(h)
    log.addHandler(_Held() if enabled else logging.NullHandler())
    return log


def continued(path: Path, step: int, config_line: str | None) -> str:
    """What a resumed run keeps of the log at `path`: its whole lines before the first step past `step`,
    when the log is of the same run (its last config line is `config_line`); else nothing."""
    if config_line is None or not path.is_file():
        return ""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    configs = [line.rstrip("\n") for line in lines if line.startswith(_CONFIG)]
    if not configs or configs[-1] != config_line:
        return ""
    kept = []
    for line in lines:
        m = _STEP.match(line)
        if not line.endswith("\n") or (m and int(m.group(1)) > step):
            break
        kept.append(line)
    return "".join(kept)


def start(log: logging.Logger, log_path: Path, clock_path: Path, resume_step: int | None) -> None:
    """Open both files and write the records held so far. `resume_step`: the step the run resumed at, or
    None for a fresh run."""
    (held,) = log.handlers
    if not isinstance(held, _Held):
        return
    facts_format = logging.Formatter("%(levelname)s %(message)s")
    records = list(held.buffer)
    config = next((facts_format.format(r) for r in records if r.getMessage().startswith("config ")), None)
    kept = continued(log_path, resume_step, config) if resume_step is not None else ""
    atomic_write_text(log_path, kept)
    facts = logging.FileHandler(log_path, encoding="utf-8")
    facts.setFormatter(facts_format)
    clock_path.parent.mkdir(parents=True, exist_ok=True)
    clock = logging.FileHandler(clock_path, encoding="utf-8")
    clock.addFilter(_WallClockDefault())
    clock.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s%(wall_clock)s"))
    log.removeHandler(held)
    held.buffer.clear()
    held.close()
    for handler in (facts, clock):
        log.addHandler(handler)
        for record in records:
            handler.handle(record)
