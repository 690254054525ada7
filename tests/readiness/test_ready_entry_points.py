"""Checklist §1.1 "Training entrypoints run without syntax errors" (the old `bash -n runpod/*_entrypoint.sh`)
and the resource tables' "All 9 models": every stage script and `stickgen` subcommand answers `--help`, every
command line dvc.yaml declares (embedded default and full profile) is accepted by its entry point, and the
full profile fans out to 3 variants x 3 phases."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT
from readykit import PHASES, STAGES, VARIANTS, dvc_commands, run_stage, split_command

from stickgen.cli import build_parser, main

SUBCOMMANDS = (
    "convert",
    "inspect",
    "upgrade-store",
    "generate",
    "render",
    "render-clip",
    "info",
    "publish",
    "evaluate",
    "safety",
    "serve",
)


class Parsed(Exception):
    """Raised by the patched `parse_args` once an entry point's arguments parsed."""


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """{profile: dvc.yaml's resolved commands}: the committed params.yaml (embedded default) and the full
    profile composed from conf/ as `dvc exp run -S profile=full` composes it."""
    from dvc.utils.hydra import compose_and_dump

    out = {}
    for profile in ("default", "full"):
        repo = tmp_path_factory.mktemp(profile)
        shutil.copy(ROOT / "dvc.yaml", repo / "dvc.yaml")
        if profile == "default":
            shutil.copy(ROOT / "params.yaml", repo / "params.yaml")
        else:
            conf = str(ROOT / "conf")
            compose_and_dump(repo / "params.yaml", conf, None, "config", str(repo), ["profile=full"])
        out[profile] = dvc_commands(repo)
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_script_answers_help(stage: str, capsys, tmp_path: Path) -> None:
    """§1.1 entry points: `python stages/<stage>.py --help` (our entry points are the DVC stage scripts)."""
    run_stage(stage, "--help", cwd=tmp_path)
    assert capsys.readouterr().out.startswith("usage: ")


def test_every_stickgen_subcommand_answers_help(capsys) -> None:
    """§1.1 entry points: `stickgen --help` and `stickgen <command> --help` for every subcommand."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(SUBCOMMANDS)
    for argv in ([], *([c] for c in SUBCOMMANDS)):
        with pytest.raises(SystemExit) as exit_:
            main([*argv, "--help"])
        assert exit_.value.code == 0, argv
        assert capsys.readouterr().out.startswith("usage: stickgen"), argv


def test_the_installed_console_script_runs() -> None:
    """§1.1 entry points: the `stickgen` executable that `pip install -e .` puts in the venv."""
    exe = Path(sys.executable).parent / "stickgen"
    proc = subprocess.run(
        [exe, "--help"], capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )
    assert proc.returncode == 0 and "generate" in proc.stdout, proc.stderr


@pytest.mark.parametrize("profile", ["default", "full"])
def test_every_dvc_yaml_command_is_accepted_by_its_entry_point(
    profile: str, profiles, monkeypatch, tmp_path
) -> None:
    """§1.1 entry points: every command `dvc repro` would run (the full profile's under torchrun) parses in
    its stage script; every stage script is used by dvc.yaml."""
    real = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        raise Parsed(real(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    scripts = set()
    for name, cmd in profiles[profile].items():
        launcher, script, args = split_command(cmd)
        assert launcher[:1] in (["python"], ["torchrun"]), (name, cmd)
        with pytest.raises(Parsed):
            run_stage(script, *args, cwd=tmp_path)
        scripts.add(script)
    assert scripts == set(STAGES)


def test_the_full_profile_trains_evaluates_and_ranks_nine_models(profiles) -> None:
    """Resource tables "Checkpoints (All 9 Models)": the full profile's dvc.yaml fans out to small, medium and
    large x pretrain, SFT and LoRA, each evaluated and attacked, all ranked by `select`; DDP via torchrun."""
    full = profiles["full"]
    models = {f"{v}-{p}" for v in VARIANTS for p in PHASES}
    assert {n for n in full if n.split("@")[0] in PHASES} == {f"{p}@{v}" for v in VARIANTS for p in PHASES}
    assert {n.split("@")[1] for n in full if n.startswith("evaluate@")} == models
    assert {n.split("@")[1] for n in full if n.startswith("adversarial@")} == models
    assert "select" in full
    for d in ("amass", "interhuman", "100style"):  # the converters §1.2 names, on the raw datasets
        assert f"--raw data/raw/{d} " in full[f"convert@{d}"]
    assert all(split_command(full[f"{p}@{v}"])[0][0] == "torchrun" for v in VARIANTS for p in PHASES)
    assert {n for n in profiles["default"] if n.startswith("pretrain@")} == {"pretrain@small"}
