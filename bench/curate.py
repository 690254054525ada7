"""Benchmark: curation throughput and peak memory at two sizes (JSON in bench/results/curate.json).

Usage: `python bench/curate.py [--sizes 100000 1000000] [--workdir DIR] [--out bench/results/curate.json]`.

For each size it generates two canonical stores of half the clips each (`stickgen.synthetic.generated`: 30-70
frames per clip, a tenth with two actors, a few percent with artifacts or repeats; about 9 KB of
stored motion per clip), then runs `stickgen.curate.curation.curate` with the params.yaml rules in a fresh
process that samples its own resident memory (/proc/self/status) every 50 ms. Reported per size:
clips/s and actor-frames/s over the whole curation (loading the stores, scanning, planning, writing
the four sets, the report and the plot files), seconds per step, CPU seconds, peak private
(anonymous) and total resident memory, input and output bytes. `scaling` compares the two sizes:
per-clip time ratio (1.0 = linear) and memory per clip. Disk: about 33 GB in `--workdir` for
1 000 000 clips (inputs and outputs are deleted after each size). Never part of the test suite's
pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from machine import machine

from stickgen.core.columnar import resident_memory
from stickgen.synthetic.generated import GeneratedSpec, write_generated_store

MB = 1 << 20


def _worker(canonical_dir: Path, out_dir: Path, params_path: Path) -> dict:
    """Run curation here, sampling this process's memory; returns the measurements."""
    from stickgen.core import canonical
    from stickgen.core.config import load_params
    from stickgen.curate.curation import curate, quality_weights
    from stickgen.curate.report import build_report, write_plots

    p = load_params(params_path)
    peak = resident_memory()
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            now = resident_memory()
            for k in peak:
                peak[k] = max(peak[k], now[k])

    threading.Thread(target=sample, daemon=True).start()
    cpu0, t0 = time.process_time(), time.perf_counter()
    stores = [canonical.load(f) for f in sorted(canonical_dir.glob("*.pt"))]
    t_load = time.perf_counter() - t0
    timings: dict[str, float] = {}
    plan, table = curate(
        stores,
        out_dir,
        p.curate,
        p.quality,
        p.base.seed,
        p.canonical.fps,
        p.canonical.max_actors,
        timings=timings,
    )
    t_report = time.perf_counter()
    report = build_report(plan, table, p.curate, quality_weights(p.quality))
    (out_dir / "curation_report.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    write_plots(report, out_dir / "plots")
    timings["report"] = time.perf_counter() - t_report
    wall = time.perf_counter() - t0
    stop.set()
    status = Path("/proc/self/status").read_text().split("\n") if Path("/proc/self/status").exists() else []
    hwm = next((int(x.split()[1]) * 1024 for x in status if x.startswith("VmHWM:")), 0)
    return {
        "clips": len(table),
        "actor_frames": int(table.frames.dot(table.actors)),
        "seconds": round(wall, 2),
        "cpu_seconds": round(time.process_time() - cpu0, 2),
        "steps_s": {"load": round(t_load, 2), **{k: round(v, 2) for k, v in timings.items()}},
        "peak_anon_mb": round(peak["anon"] / MB),
        "peak_rss_mb": round(max(peak["total"], hwm) / MB),
        "outputs": {k: len(v) for k, v in plan.sets.items()},
        "rejected": len(plan.rejects),
        "output_bytes": sum(f.stat().st_size for f in out_dir.glob("*.pt")),
    }


def run_size(n: int, workdir: Path, params_path: Path, seed: int) -> dict:
    canonical_dir, out_dir = workdir / f"canonical-{n}", workdir / f"curated-{n}"
    shutil.rmtree(canonical_dir, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    canonical_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    input_bytes = 0
    for k, sources in enumerate((("gen_a", "gen_b"), ("gen_c",))):
        spec = GeneratedSpec(n_clips=n // 2, seed=seed + k, min_frames=30, max_frames=70, sources=sources)
        input_bytes += write_generated_store(canonical_dir / f"part{k}.pt", spec)["bytes"]
    generate_s = time.perf_counter() - t0
    print(f"[{n} clips] generated {input_bytes / 1e9:.2f} GB in {generate_s:.0f} s; curating ...", flush=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(canonical_dir), str(out_dir), str(params_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"curation worker failed for {n} clips:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    shutil.rmtree(canonical_dir, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    result.update(
        generate_seconds=round(generate_s, 1),
        input_bytes=input_bytes,
        clips_per_s=round(result["clips"] / result["seconds"], 1),
        actor_frames_per_s=round(result["actor_frames"] / result["seconds"]),
        clips_per_cpu_s=round(result["clips"] / result["cpu_seconds"], 1),
    )
    print(
        f"[{n} clips] {result['clips_per_s']} clips/s, peak anon {result['peak_anon_mb']} MB, "
        f"peak RSS {result['peak_rss_mb']} MB, steps {result['steps_s']}",
        flush=True,
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs=2, default=[100_000, 1_000_000])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/stickgen-bench-curate"))
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/curate.json"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--worker", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(*args.worker)))
        return
    load0 = os.getloadavg()
    runs = [run_size(n, args.workdir, args.params.resolve(), args.seed) for n in sorted(args.sizes)]
    small, big = runs
    per_clip = [r["seconds"] / r["clips"] for r in runs]
    result = {
        "benchmark": "curation (scan + quality + dedup + split + caps + mirror + write), two sizes",
        "machine": {
            **machine(),
            "loadavg_start": [round(x, 2) for x in load0],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": runs,
        "scaling": {
            "clips_ratio": round(big["clips"] / small["clips"], 2),
            "seconds_ratio": round(big["seconds"] / small["seconds"], 2),
            "per_clip_time_ratio": round(per_clip[1] / per_clip[0], 2),
            "per_clip_cpu_ratio": round(
                (big["cpu_seconds"] / big["clips"]) / (small["cpu_seconds"] / small["clips"]), 2
            ),
            "peak_anon_kb_per_clip": [round(r["peak_anon_mb"] * 1024 / r["clips"], 2) for r in runs],
        },
        "max_rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["scaling"]))


if __name__ == "__main__":
    main()
