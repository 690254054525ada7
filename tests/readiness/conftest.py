"""The readiness pipeline: the stages of dvc.yaml, run once per session in pipeline order with the exact
command lines `dvc repro` would run (dvc.yaml resolved by DVC against the readiness profile,
readykit.readiness_params), in a temporary folder laid out as the repository. Stages run in this process
(readykit.run_stage). Each fixture returns what its stages wrote."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import ROOT
from readykit import (
    PARAMS_READ,
    PHASES,
    VARIANTS,
    dvc_commands,
    readiness_params,
    run_command,
    run_stage,
    split_command,
    with_variant,
    write_params,
)

from stickgen.core.config import recording
from stickgen.sources import known_datasets


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The readiness repository folder: dvc.yaml and the readiness params.yaml."""
    work = tmp_path_factory.mktemp("readiness")
    shutil.copy(ROOT / "dvc.yaml", work / "dvc.yaml")
    write_params(work / "params.yaml", readiness_params())
    return work


@pytest.fixture(scope="session")
def commands(workdir: Path) -> dict[str, str]:
    """{stage name: command} of the readiness workdir's dvc.yaml."""
    return dvc_commands(workdir)


def stage(commands: dict[str, str], name: str, cwd: Path) -> None:
    """Run dvc.yaml's stage `name` in `cwd`, recording the params keys it reads (readykit.PARAMS_READ)."""
    with recording() as reads:
        run_command(commands[name], cwd)
    PARAMS_READ[name] = reads


@pytest.fixture(scope="session")
def canonical_dir(workdir: Path, commands: dict) -> Path:
    """samples -> convert@<each of the 10 datasets> + synthesize."""
    stage(commands, "samples", workdir)
    for name in known_datasets():
        stage(commands, f"convert@{name}", workdir)
    stage(commands, "synthesize", workdir)
    return workdir / "data/canonical"


@pytest.fixture(scope="session")
def curated_dir(workdir: Path, commands: dict, canonical_dir: Path) -> Path:
    stage(commands, "curate", workdir)
    return workdir / "data/curated"


@pytest.fixture(scope="session")
def embedded_dir(workdir: Path, commands: dict, curated_dir: Path) -> Path:
    """The embed stage with the profile's real text encoder (the packaged MiniLM)."""
    stage(commands, "embed", workdir)
    return workdir / "data/embedded"


@pytest.fixture(scope="session")
def pretrained(workdir: Path, commands: dict, embedded_dir: Path) -> dict[str, Path]:
    """pretrain@small, @medium and @large: {variant: its model folder}."""
    _, script, args = split_command(commands["pretrain@small"])
    for variant in VARIANTS:
        with recording() as reads:
            run_stage(script, *with_variant(args, variant), cwd=workdir)
        PARAMS_READ[f"pretrain@{variant}"] = reads
    return {v: workdir / f"models/{v}/pretrain" for v in VARIANTS}


@pytest.fixture(scope="session")
def finetuned(workdir: Path, commands: dict, pretrained: dict[str, Path]) -> dict[str, Path]:
    """sft@small and lora@small (`--init_from` the pretrain best): {phase: its model folder}."""
    for phase in ("sft", "lora"):
        stage(commands, f"{phase}@small", workdir)
    return {p: workdir / f"models/small/{p}" for p in PHASES}


@pytest.fixture(scope="session")
def evaluated(workdir: Path, commands: dict, finetuned: dict[str, Path]) -> Path:
    """evaluator, adversarial@small-<phase> and evaluate@small-<phase> for the three phases."""
    stage(commands, "evaluator", workdir)
    for phase in PHASES:
        stage(commands, f"adversarial@small-{phase}", workdir)
        stage(commands, f"evaluate@small-{phase}", workdir)
    return workdir / "eval_results"


@pytest.fixture(scope="session")
def selected(workdir: Path, commands: dict, evaluated: Path) -> Path:
    """The length stage (models/length/length.json, which select ships) and the select stage:
    eval_results/selection.json and models/production/."""
    stage(commands, "length", workdir)
    stage(commands, "select", workdir)
    return workdir / "models/production"
