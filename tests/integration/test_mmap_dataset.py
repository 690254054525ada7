"""A multi-GB embedded set serves random batches without being read into RAM.

A generated embedded file of about 2.6 GB (85 000 clips, 18.8 M actor-frames) is written in tmp_path;
a fresh process opens it with `StickFigureDataset`, collates 40 batches of 32 random clips from all
over the file and reports its resident memory (/proc/self/status). The file's pages are first evicted
from the page cache, as for a set larger than RAM. Opening must not read the motion, the private
(anonymous) memory must stay flat, and the mapped file pages must stay a small fraction of the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stickgen.synthetic.generated import GeneratedSpec, write_generated_store

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc"),
]

PROBE = r"""
import json, os, sys
import numpy as np
from stickgen.core.columnar import resident_memory
from stickgen.embed.dataset import StickFigureDataset, collate
from stickgen.core.features import FeatureStats

fd = os.open(sys.argv[1], os.O_RDONLY)  # start cold, as a set larger than RAM would: evict its pages
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
base = resident_memory()
data = StickFigureDataset(sys.argv[1], FeatureStats(np.zeros(66, np.float32), np.ones(66, np.float32)),
                          max_actors=2, crop_frames=120, seed=0)
opened = resident_memory()
rng = np.random.default_rng(0)
peak = dict(opened)
frames = 0
for _ in range(40):
    batch = collate([data[int(i)] for i in rng.integers(0, len(data), 32)])
    assert bool(batch.features.isfinite().all())
    frames += int(batch.lengths.sum())
    now = resident_memory()
    peak = {k: max(peak[k], now[k]) for k in now}
print(json.dumps({"clips": len(data), "base": base, "opened": opened, "peak": peak, "frames": frames}))
"""

MB = 1 << 20


def test_a_few_gb_set_serves_batches_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.pt"
    spec = GeneratedSpec(n_clips=85_000, seed=1, min_frames=150, max_frames=250, nan_fraction=0.0, tile=True)
    info = write_generated_store(path, spec, embedded_dim=384)
    assert info["bytes"] > 2.5e9
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["clips"] == 85_000 and r["frames"] > 40 * 32 * 100
    opened_anon = (r["opened"]["anon"] - r["base"]["anon"]) / MB
    anon_growth = (r["peak"]["anon"] - r["base"]["anon"]) / MB
    total_growth = (r["peak"]["total"] - r["base"]["total"]) / MB
    size = info["bytes"] / MB
    # the header (ids, captions, index tensors) is read into memory; the 2.6 GB of motion and vectors are
    # not: no private copy grows, and only the pages of the ~1 300 clips read get mapped
    assert opened_anon < 250, r
    assert anon_growth < 300, r
    assert total_growth < 0.1 * size, r
