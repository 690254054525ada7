"""Benchmark: loading a store of a million clips, format 1 (Python lists of str) against format 2 (string
columns), as JSON in bench/results/load.json.

Usage: `python bench/load.py [--clips 1000000] [--workdir DIR] [--out bench/results/load.json]`.

It writes one generated canonical store (`stickgen.synthetic.generated`, short clips of 2-4 frames: the
motion columns are memory-mapped and cost nothing to open, so their size does not matter here), saves
the same content in the version-1 layout (every string column a Python list, as `torch.save` of lists
wrote it), and times, each in a fresh process (no warm interpreter caches; the page cache is warm after
the first of `--repeats` runs, the best run is reported):

- `v1_torch_load_s`: `torch.load(weights_only=True, mmap=True)` of the version-1 file (what
  `canonical.load` of version 1 spent before checking anything);
- `v2_load_s`: `stickgen.core.canonical.load` of the version-2 file, with the contract checks;
- `v2_load_and_read_s`: that, plus reading one clip's id, captions and action (the first access);
- `v2_decode_all_ids_s`: decoding every id (what a pass over all clips pays once).

Never part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

from stickgen.core import canonical
from stickgen.synthetic.generated import GeneratedSpec, write_generated_store

_PROBE = """
import sys, time
t0 = time.perf_counter()
import torch
from stickgen.core import canonical
t1 = time.perf_counter()
what, path = sys.argv[1], sys.argv[2]
if what == "v1":
    d = torch.load(path, weights_only=True, mmap=True)
    t2 = time.perf_counter()
    print(t2 - t1, t2 - t1, 0.0)
else:
    s = canonical.load(path)
    t2 = time.perf_counter()
    _ = (s.ids[len(s) // 2], s.data["texts"][7], s.data["actions"][7])
    t3 = time.perf_counter()
    ids = s.ids.tolist()
    t4 = time.perf_counter()
    print(t2 - t1, t3 - t1, t4 - t3)
"""


def _time(what: str, path: Path, repeats: int) -> list[float]:
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", _PROBE, what, str(path)], capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"probe {what} failed: {out.stderr[-2000:]}")
        runs.append([float(x) for x in out.stdout.split()])
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/stickgen-bench-load"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    v2, v1 = args.workdir / "v2.pt", args.workdir / "v1.pt"
    t0 = time.perf_counter()
    write_generated_store(v2, GeneratedSpec(n_clips=args.clips, min_frames=2, max_frames=4, tile=True))
    store = canonical.load(v2)
    old = {k: v for k, v in store.raw.items() if "." not in k and k != "face"}
    old.update({k: list(store.data[k]) for k in canonical.CLIP_LIST_FIELDS}, version=1)
    torch.save(old, v1)
    del old, store
    write_s = time.perf_counter() - t0
    v1_load, _, _ = _time("v1", v1, args.repeats)
    v2_load, v2_read, v2_ids = _time("v2", v2, args.repeats)
    result = {
        "clips": args.clips,
        "bytes": {"v1": v1.stat().st_size, "v2": v2.stat().st_size},
        "v1_torch_load_s": round(v1_load, 3),
        "v2_load_s": round(v2_load, 3),
        "v2_load_and_read_s": round(v2_read, 3),
        "v2_decode_all_ids_s": round(v2_ids, 3),
        "speedup": round(v1_load / v2_load, 1),
        "setup_s": round(write_s, 1),
        "repeats": args.repeats,
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "cpus": os.cpu_count()},
        "command": "python bench/load.py " + " ".join(sys.argv[1:]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    v1.unlink()
    v2.unlink()


if __name__ == "__main__":
    main()
