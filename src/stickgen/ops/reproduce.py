"""`make reproduce-check`: run the data stages twice from scratch and compare their output hashes.

Usage: `python -m stickgen.ops.reproduce [--target embed] [--out reproduce_check.json]` inside the
repository. Each run is `dvc repro --force <target>` (the target and every stage upstream of it rerun
from scratch: DVC removes non-persistent outputs before running a stage); the hashes DVC records in
`dvc.lock` for those stages' outputs must be equal between the runs, and equal to those of the
`dvc.lock` found before the first run (the committed one). The last run takes the CPU's narrowest code
paths (`narrowed_cpu_env`: numpy's dispatch, OpenBLAS, torch), standing in for another machine's CPU
(docs/reproducibility.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

DATA_TARGET = "embed"
# a BLAS core type of the SSE4.2 generation, narrower than any x86-64 CPU this pipeline meets
OPENBLAS_BASELINE = "Nehalem"


def narrowed_cpu_env() -> dict[str, str]:
    """Environment variables that make this CPU run the narrowest float code paths it has: numpy's
    dispatched kernels (`NPY_DISABLE_CPU_FEATURES`: every dispatch target this CPU supports, such as
    X86_V3 for AVX2 or X86_V4 for AVX-512), OpenBLAS, and torch's ATen, MKL and oneDNN kernels."""
    from numpy._core import _multiarray_umath as npcore

    found = [f for f in npcore.__cpu_dispatch__ if npcore.__cpu_features__.get(f)]
    return {
        "NPY_DISABLE_CPU_FEATURES": " ".join(found),
        "OPENBLAS_CORETYPE": OPENBLAS_BASELINE,
        "ATEN_CPU_CAPABILITY": "default",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
    }


def cpu_paths() -> dict:
    """The float code paths this process runs: numpy's dispatch targets in use, the OpenBLAS core type
    and torch's CPU capability (to show that `narrowed_cpu_env` took effect)."""
    import torch
    from numpy._core import _multiarray_umath as npcore

    out = {
        "numpy_baseline": list(npcore.__cpu_baseline__),
        "numpy_dispatch": [f for f in npcore.__cpu_dispatch__ if npcore.__cpu_features__.get(f)],
        "torch_capability": torch.backends.cpu.get_cpu_capability(),
        "blas": None,
    }
    try:  # threadpoolctl (installed with scikit-learn) names the BLAS core type numpy's OpenBLAS uses
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        out["blas"] = f"{blas[0]['internal_api']} {blas[0].get('architecture')}" if blas else None
    except ImportError:
        pass
    return out


def run_commands(commands: list[str], cwd: Path) -> None:
    """Run dvc.yaml command lines `python stages/X.py ARGS` one after another in this process, in `cwd`
    (one import of torch for all of them; a non-zero exit raises)."""
    argv, old = sys.argv, Path.cwd()
    try:
        os.chdir(cwd)
        for cmd in commands:
            words = shlex.split(cmd)
            (i,) = [k for k, w in enumerate(words) if w.startswith("stages/") and w.endswith(".py")]
            sys.argv = words[i:]
            try:
                runpy.run_path(words[i], run_name="__main__")
            except SystemExit as exc:
                if exc.code not in (0, None):
                    raise RuntimeError(f"{cmd!r} exited: {exc.code}") from None
    finally:
        sys.argv = argv
        os.chdir(old)


def tree_hashes(folder: Path) -> dict[str, str]:
    """{path relative to `folder`: md5} of every file under `folder`."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def upstream_stages(repo: Path, target: str) -> list[str]:
    out = subprocess.run(
        ["dvc", "repro", "--dry", "--force", target], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    return [line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")]


def _stage_outputs(lock: dict, stages: list[str]) -> dict[str, str]:
    return {o["path"]: o["md5"] for s in stages for o in lock["stages"].get(s, {}).get("outs", [])}


def check(repo: Path, target: str = DATA_TARGET, runs: int = 2, narrow: bool = True) -> dict:
    """Reproduce `target` from scratch `runs` times, the last one on the CPU's narrowest code paths
    (`narrow`); report each output's hashes, whether the runs agree and whether they equal the
    `dvc.lock` found before the first run."""
    stages = upstream_stages(repo, target)
    lock_path = repo / "dvc.lock"
    before = _stage_outputs(yaml.safe_load(lock_path.read_text()), stages) if lock_path.exists() else {}
    history: list[dict[str, str]] = []
    narrowed = narrowed_cpu_env() if narrow else {}
    for i in range(runs):
        env = narrowed if i == runs - 1 else {}
        how = f" with {' '.join(f'{k}={v!r}' for k, v in env.items())}" if env else ""
        print(f"reproduce-check: run {i + 1}/{runs}: dvc repro --force {target}{how}", flush=True)
        subprocess.run(["dvc", "repro", "--force", target], cwd=repo, check=True, env={**os.environ, **env})
        history.append(_stage_outputs(yaml.safe_load(lock_path.read_text()), stages))
    differing = sorted(p for p in history[0] if len({h.get(p) for h in history}) != 1)
    unlike_lock = sorted(p for p in history[0] if before and before.get(p) != history[0][p])
    return {
        "target": target,
        "stages": stages,
        "runs": runs,
        "narrowed_env": narrowed,
        "outputs": history[0],
        "differing": differing,
        "identical": not differing,
        "differing_from_lock": unlike_lock,
        "matches_lock": bool(before) and not unlike_lock,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default=DATA_TARGET, help="last data stage (default: embed)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument(
        "--no-narrow", action="store_true", help="run the last time on this CPU's usual code paths too"
    )
    ap.add_argument("--out", type=Path, default=Path("reproduce_check.json"))
    args = ap.parse_args(argv)
    report = check(Path.cwd(), args.target, args.runs, narrow=not args.no_narrow)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    verdict = "byte-identical" if report["identical"] else f"DIFFERENT: {report['differing']}"
    print(f"reproduce-check: {len(report['outputs'])} outputs of {len(report['stages'])} stages: {verdict}")
    if report["differing_from_lock"]:
        print(
            "reproduce-check: differ from the dvc.lock found before the runs: "
            f"{report['differing_from_lock']} (commit the new dvc.lock when the data code changed on purpose)"
        )
    return 0 if report["identical"] and not report["differing_from_lock"] else 1


if __name__ == "__main__":
    sys.exit(main())
