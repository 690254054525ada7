"""Benchmark: `make repro` from a fresh clone, stage by stage (JSON in bench/results/repro.json).

    python bench/repro.py                                   # a clone of HEAD in a temporary folder
    python bench/repro.py --out bench/results/repro_cpu.json --keep /tmp/repro-clone

Issue #14's budget: the embedded default's `make repro` under 10 minutes on 2 cores. This clones the
repository's committed HEAD (what a new user gets: no venv, no DVC cache), runs `make repro` there, and
times each part as its output arrives: the setup (the install and the cache check) until DVC's first
stage, each stage from its "Running stage" line to the next, and the whole. It records the machine (CPU
model, cores, whether the CPU computes bf16 natively: training and sampling run in bf16 there and in
float32 elsewhere, at about half the speed) and the load average before and after: the figure is the
machine's as much as the code's. Never part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from machine import cpu_name, machine

from stickgen.core.device import native_bf16

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 600.0  # issue #14: under 10 minutes on 2 cores
_STAGE = re.compile(r"Running stage '([^']+)':")
# the parts of the pipeline a stage belongs to, by the name before its `@`
GROUPS = {
    "data": ("samples", "convert", "synthesize", "curate", "embed"),
    "training": ("pretrain", "sft", "lora"),
    "evaluation": ("evaluator", "length", "adversarial", "evaluate", "select"),
}


def stage_times(events: list[tuple[float, str]], end_s: float) -> tuple[float | None, dict[str, float]]:
    """(seconds before the first stage, {stage: seconds}) from (seconds since the start, output line)
    events: a stage lasts from its "Running stage" line to the next stage's, the last one to `end_s`. No
    stage ran: (None, {})."""
    starts = [(t, m.group(1)) for t, line in events if (m := _STAGE.search(line))]
    if not starts:
        return None, {}
    ends = [t for t, _ in starts[1:]] + [end_s]
    return starts[0][0], {name: round(e - t, 2) for (t, name), e in zip(starts, ends, strict=True)}


def group_times(stages: dict[str, float]) -> dict[str, float]:
    """Seconds per part of the pipeline (`GROUPS`); a stage of no part goes to `other`."""
    out = dict.fromkeys([*GROUPS, "other"], 0.0)
    for name, s in stages.items():
        part = next((g for g, names in GROUPS.items() if name.split("@")[0] in names), "other")
        out[part] = round(out[part] + s, 2)
    return {k: v for k, v in out.items() if v or k != "other"}


def run_make_repro(clone: Path) -> tuple[int, float, list[tuple[float, str]]]:
    """Run `make repro` in `clone`; (exit status, seconds, [(seconds since the start, line)]), each stage's
    line echoed as it arrives."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    events: list[tuple[float, str]] = []
    t0 = time.monotonic()
    with subprocess.Popen(
        ["make", "repro"], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        for line in proc.stdout:
            t = time.monotonic() - t0
            events.append((t, line.rstrip("\n")))
            if _STAGE.search(line):
                print(f"repro: {t:7.1f} s  {line.strip()}", flush=True)
    return proc.returncode, time.monotonic() - t0, events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, default=ROOT, help="the repository to clone (its HEAD)")
    ap.add_argument("--keep", type=Path, default=None, help="clone into this new folder and keep it")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/repro.json")
    args = ap.parse_args()
    if args.keep is not None and args.keep.exists():
        raise SystemExit(f"--keep {args.keep}: already exists; name a new folder")
    clone = args.keep or Path(tempfile.mkdtemp(prefix="stickgen-repro-")) / "clone"
    subprocess.run(["git", "clone", "-q", str(args.repo), str(clone)], check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, check=True, capture_output=True, text=True
    ).stdout.strip()
    load_before = os.getloadavg()[0]
    rc, total, events = run_make_repro(clone)
    setup, stages = stage_times(events, total)
    result = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": {**machine(), "cpu": cpu_name(), "native_bf16": native_bf16(torch.device("cpu"))},
        "load_average_1m_before": load_before,
        "load_average_1m_after": os.getloadavg()[0],
        "returncode": rc,
        "total_s": round(total, 2),
        "setup_s": None if setup is None else round(setup, 2),
        "parts_s": group_times(stages),
        "stages_s": stages,
        "budget_s": BUDGET_S,
        "within_budget": rc == 0 and total < BUDGET_S,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"repro: {total:.0f} s (setup {result['setup_s']} s, {result['parts_s']}), rc {rc} -> {args.out}")
    if args.keep is None:
        shutil.rmtree(clone.parent, ignore_errors=True)
    if rc != 0:
        sys.exit("\n".join(line for _, line in events[-40:]) + f"\nrepro: make repro failed (rc {rc})")


if __name__ == "__main__":
    main()
