"""Issue 16, finding 1: the data stages write the same bytes on every CPU (docs/reproducibility.md).

The data stages of dvc.yaml (samples, convert@<each of the ten datasets>, synthesize, curate, embed) run on
the readiness profile twice, each run in a process of its own: once on this CPU's usual code paths and
once on its narrowest (`stickgen.ops.reproduce.narrowed_cpu_env`: numpy's dispatched SIMD kernels off,
OpenBLAS on its SSE4.2 kernels, torch on its default capability), which stands in for another machine's
CPU. Every file they write must have the same md5 in both runs. (`make reproduce-check` through DVC, which
relies on this for the data stages it does not rerun there: tests/integration/test_dvc_pipeline.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT
from readykit import dvc_commands, readiness_params, write_params

from stickgen.ops.reproduce import narrowed_cpu_env

pytestmark = pytest.mark.slow

DATA_STAGES = ("samples", "convert", "synthesize", "curate", "embed")  # in pipeline order

# the child process: the data stages in one process, then the code paths it ran and the hashes it wrote
CHILD = """
import json, sys
from pathlib import Path
from stickgen.ops.reproduce import cpu_paths, run_commands, tree_hashes
run_commands(json.loads(sys.argv[1]), Path.cwd())
Path("result.json").write_text(json.dumps({"paths": cpu_paths(), "hashes": tree_hashes(Path("data"))}))
"""


def data_commands(work: Path) -> list[str]:
    """The data stages' command lines of dvc.yaml, resolved against `work`'s params, in pipeline order."""
    commands = dvc_commands(work)
    order = {name: i for i, name in enumerate(DATA_STAGES)}
    names = [n for n in commands if n.split("@")[0] in order]
    return [commands[n] for n in sorted(names, key=lambda n: (order[n.split("@")[0]], n))]


def start(work: Path, commands: list[str], env: dict[str, str]) -> subprocess.Popen:
    (work / "stages").symlink_to(ROOT / "stages")
    clean = {k: v for k, v in os.environ.items() if k not in narrowed_cpu_env()}
    full = {**clean, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", **env}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(commands)],
        cwd=work,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """{"usual" / "narrowed": {"paths": cpu_paths(), "hashes": {file under data/: md5}}}."""
    root = tmp_path_factory.mktemp("cpus")
    write_params(root / "params.yaml", readiness_params())
    (root / "dvc.yaml").write_text((ROOT / "dvc.yaml").read_text())
    commands = data_commands(root)
    procs = {}
    for name, env in (("usual", {}), ("narrowed", narrowed_cpu_env())):  # both at once: two cores
        work = root / name
        work.mkdir()
        (work / "params.yaml").write_text((root / "params.yaml").read_text())
        procs[name] = (work, start(work, commands, env))
    out = {}
    for name, (work, proc) in procs.items():
        log, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"the {name} run failed:\n{log[-4000:]}"
        out[name] = json.loads((work / "result.json").read_text())
    return out


def test_the_narrowed_run_takes_other_code_paths(runs: dict[str, dict]) -> None:
    """The second run really ran elsewhere: no numpy dispatch target, torch's default kernels, OpenBLAS's
    baseline core (where threadpoolctl can tell)."""
    narrowed = runs["narrowed"]["paths"]
    assert narrowed["numpy_dispatch"] == [], narrowed
    assert narrowed["torch_capability"] == "DEFAULT", narrowed
    assert narrowed["blas"] is None or narrowed["blas"].endswith("Nehalem"), narrowed
    assert narrowed != runs["usual"]["paths"], runs["usual"]["paths"]


def test_data_stages_write_the_same_bytes_on_narrowed_cpu_paths(runs: dict[str, dict]) -> None:
    usual, narrowed = runs["usual"]["hashes"], runs["narrowed"]["hashes"]
    for out in ("samples/PROVENANCE.json", "canonical/amass.pt", "canonical/synthetic.pt", "curated/sft.pt"):
        assert out in usual, f"{out} not written: {sorted(usual)[:20]}"
    assert "embedded/pretrain.pt" in usual and "embedded/stats.json" in usual
    differing = sorted(p for p in usual.keys() | narrowed.keys() if usual.get(p) != narrowed.get(p))
    assert not differing, f"{len(differing)} of {len(usual)} files differ between CPU code paths: {differing}"
