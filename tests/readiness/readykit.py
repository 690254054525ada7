"""Helpers of the readiness tests (docs/production-readiness.md): stage entry points run in this process,
the readiness profile (tiny sizes, every variant's name and layer structure kept), training-log parsing.

Stages run in-process through `runpy` with the argument list dvc.yaml gives them (a subprocess per stage
would spend more time importing torch than working); `run_stage` turns a non-zero `SystemExit` into a
test failure with the stage's name.
"""

from __future__ import annotations

import contextlib
import os
import re
import runpy
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from helpers import ROOT, tiny_params_dict
from trainkit import TINY_DIFFUSION

from stickgen.core.device import cpu_threads
from stickgen.sources import known_datasets

STAGES = sorted(p.stem for p in (ROOT / "stages").glob("*.py"))
VARIANTS = ("small", "medium", "large")
PHASES = ("pretrain", "sft", "lora")
# the widths every variant shrinks to: n_layers and n_heads stay those of params.yaml (head dim 2: even)
TINY_WIDTH = {"d_model": 16, "ffn_hidden": 32, "dropout": 0.0}
RESUMED = re.compile(r"resumed from (\S+) \((.+)\) at step (\d+)\n")
# the refiner's validation loss is logged where the run trains the refiner (params diffusion.loss_weight > 0)
EPOCH_LINE = re.compile(
    r"epoch (\d+) step (\d+) train_loss (\S+) val_loss (\S+)(?: val_denoise_loss (\S+))?\n"
)


def readiness_params() -> dict:
    """params.yaml of the readiness runs: the tests' tiny profile, every dataset format (two sample takes
    each), all three variants at tiny widths with their real depth and heads, one inline converter worker."""
    p = tiny_params_dict()
    full = yaml.safe_load((ROOT / "params.yaml").read_text())["model"]["variants"]
    p["datasets"] = known_datasets()
    p["variants"] = ["small"]  # the variant the evaluation and selection stages run on
    p["samples"].update(takes_per_dataset=2, min_s=3.0, max_s=5.0)
    p["convert"]["workers"] = 1
    p["curate"]["balance_max_fraction"] = 0.1  # low enough that the SFT action balance cuts some actions
    # High enough that the SFT quality bar leaves some clean-but-imperfect clips out (fast runs, jerky
    # sample takes): the embedded default's clips are now mostly flawless.
    p["curate"]["min_quality_sft"] = 0.9
    # and the pretrain bar high enough that it rejects the jerkiest sample take (a 100STYLE one scores 0.33)
    p["curate"]["min_quality_pretrain"] = 0.4
    p["model"]["variants"] = {v: {**full[v], **TINY_WIDTH} for v in VARIANTS}
    p["diffusion"].update(TINY_DIFFUSION)
    for phase in PHASES:
        p["train"][phase].update(batch_size=8, crop_frames=40, save_every_epochs=1, resume_every_steps=1000)
    p["train"]["pretrain"]["epochs"] = 2
    p["evaluate"].update(max_clips=6, replications=2, diversity_pairs=10, mm_prompts=2, mm_repeats=2)
    return p


def write_params(path: Path, params: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """Set (value) or unset (empty string) environment variables for the duration of a stage."""
    saved = {k: os.environ.get(k) for k in env}
    try:
        for k, v in env.items():
            if v:
                os.environ[k] = v
            else:
                os.environ.pop(k, None)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_stage(name: str, *args: str | os.PathLike, cwd: Path, env: dict[str, str] | None = None) -> None:
    """`python stages/<name>.py ARGS` in this process, in `cwd` (relative paths as in dvc.yaml), on one
    torch thread as `OMP_NUM_THREADS=1` would give (tiny models run fastest so; restored afterwards).

    RESUME_FROM_CHECKPOINT, WORLD_SIZE and RANK are unset unless `env` sets them.
    """
    argv, old_cwd = sys.argv, Path.cwd()
    env = {"RESUME_FROM_CHECKPOINT": "", "WORLD_SIZE": "", "RANK": "", **(env or {})}
    sys.argv = [str(ROOT / "stages" / f"{name}.py"), *map(str, args)]
    try:
        os.chdir(cwd)
        with cpu_threads(1), _environment(env):
            runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise AssertionError(f"stage {name} {' '.join(sys.argv[1:])} exited: {exc.code}") from None
    finally:
        sys.argv = argv
        os.chdir(old_cwd)


def _dvc_stages(repo: Path, get) -> dict:
    """{stage name: get(stage)} of every stage of `repo`'s dvc.yaml, resolved by DVC against its params.yaml
    (foreach / matrix expanded, `${...}` filled in)."""
    from dvc.repo import Repo

    (repo / ".dvc").mkdir(exist_ok=True)  # what `dvc init --no-scm` makes (without its log line)
    (repo / ".dvc/config").write_text("[core]\n    no_scm = True\n    analytics = false\n")
    with Repo(str(repo)) as r:
        return {s.name: get(s) for s in r.index.stages if s.cmd}


def dvc_commands(repo: Path) -> dict[str, str]:
    """{stage name: command} of every stage of `repo`'s dvc.yaml: what `dvc repro` would run."""
    return _dvc_stages(repo, lambda s: s.cmd)


def dvc_params(repo: Path) -> dict[str, list[str]]:
    """{stage name: the params.yaml keys its `params` declare} of every stage of `repo`'s dvc.yaml."""
    from dvc.dependency.param import ParamsDependency

    return _dvc_stages(
        repo, lambda s: [k for d in s.deps if isinstance(d, ParamsDependency) for k in d.params]
    )


# {stage name: the params keys its code read while it ran} (stickgen.core.config.recording), filled by the
# readiness pipeline's fixtures (conftest.py) and checked by test_ready_params.py
PARAMS_READ: dict[str, set[str]] = {}


def split_command(cmd: str) -> tuple[list[str], str, list[str]]:
    """(launcher words, stage script stem, arguments) of a dvc.yaml command `LAUNCHER stages/X.py ARGS`."""
    words = shlex.split(cmd)
    (i,) = [k for k, w in enumerate(words) if w.startswith("stages/") and w.endswith(".py")]
    return words[:i], Path(words[i]).stem, words[i + 1 :]


def run_command(cmd: str, cwd: Path, *extra: str, env: dict[str, str] | None = None) -> None:
    """Run a dvc.yaml command line (plus `extra` arguments, which override earlier ones) in `cwd`."""
    _, script, args = split_command(cmd)
    run_stage(script, *args, *extra, cwd=cwd, env=env)


def with_variant(args: list[str], variant: str) -> list[str]:
    """A `<phase>@small` command line for another variant (the readiness profile fans out over small)."""
    return [re.sub(r"\bsmall\b", variant, a) for a in args]


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def resumed(log: Path) -> list[tuple[str, str, int]]:
    """(checkpoint, source, step) of every resume a training log records."""
    return [(p, s, int(n)) for p, s, n in RESUMED.findall(log.read_text())]
