"""Checklist §1.1 (every variant trains; each resume mechanism; SFT `--init_from`; LoRA freezing) and §5.1
(training logs, checkpoint names) on the readiness pipeline's training stages (conftest.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import torch
from helpers import ROOT
from readykit import EPOCH_LINE, VARIANTS, files, readiness_params, resumed, run_command, write_params

from stickgen.core.config import load_params
from stickgen.model.lora import inject_lora_adapters, is_lora_name
from stickgen.train import checkpoint as ck
from stickgen.train.loop import LOG_NAME

PRETRAIN_FILES = {ck.BEST, ck.FINAL, ck.LATEST, "checkpoint_epoch_1.pth", "checkpoint_epoch_2.pth", LOG_NAME}
BASE = "models/small/pretrain/model_checkpoint_best.pth"  # sft@ / lora@'s --init_from in dvc.yaml


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_trains_and_writes_a_checkpoint(variant: str, pretrained: dict[str, Path]) -> None:
    """§1.1 "All model variants train successfully" (configs/small|base|large.yaml -> checkpoint): the
    `pretrain@<variant>` command of dvc.yaml, for small, medium and large with their depth and heads from
    params.yaml (widths shrunk), writes its checkpoints; the best one rebuilds the model alone and it
    generates finite motion."""
    folder = pretrained[variant]
    real = load_params(ROOT / "params.yaml").model.variants[variant]
    assert files(folder) == PRETRAIN_FILES
    ckpt = ck.load_checkpoint(folder / ck.BEST)
    assert ckpt["config"]["variant"] == variant and ckpt["config"]["phase"] == "pretrain"
    model_cfg = ckpt["config"]["model"]
    assert (model_cfg["n_layers"], model_cfg["n_heads"]) == (real.n_layers, real.n_heads)
    model = ck.model_from_checkpoint(ckpt)
    assert len(model.transformer.blocks) == real.n_layers
    with torch.no_grad():
        motion = model.generate(torch.randn(1, ckpt["text_encoder"]["dim"]), torch.tensor([20]), 20)
    assert torch.isfinite(motion).all()


# the resume sources as the training log names them, highest precedence first
MECHANISMS = ("--resume_from", "RESUME_FROM_CHECKPOINT", "train.resume_from", ck.OWN_LATEST)


@pytest.mark.parametrize("source", MECHANISMS)
def test_each_resume_mechanism_loads_and_continues(
    source: str, workdir: Path, commands: dict, pretrained: dict[str, Path], tmp_path: Path
) -> None:
    """§1.1 "Checkpoint resume works": `--resume_from`, env `RESUME_FROM_CHECKPOINT`, params
    `train.<phase>.resume_from` (the checklist's `training.resume_from`) and the stage's own
    `checkpoint_latest.pth` each resume `pretrain@small` from its epoch-1 checkpoint, and the run ends with
    the weights of the uninterrupted one. Lower-precedence sources point to missing files, so the
    docs/architecture.md, "Training"
    precedence holds (all four at once: tests/unit/test_train_checkpoint.py; SIGKILL at a random step and
    an interrupted `dvc repro`: tests/integration/test_checkpoint_resume.py)."""
    reference = pretrained["small"]
    point = reference / "checkpoint_epoch_1.pth"
    epoch_1 = ck.load_checkpoint(point)["step"]
    out = tmp_path / "run"
    missing = str(tmp_path / "missing.pth")
    params = readiness_params()
    phase = params["train"]["pretrain"]
    cli: list[str] = []
    env: dict[str, str] = {}
    if source == "--resume_from":
        cli = ["--resume_from", str(point)]
        env = {"RESUME_FROM_CHECKPOINT": missing}
        phase["resume_from"] = missing
    elif source == "RESUME_FROM_CHECKPOINT":
        env, phase["resume_from"] = {"RESUME_FROM_CHECKPOINT": str(point)}, missing
    elif source == "train.resume_from":
        phase["resume_from"] = str(point)
    else:
        (out / "model").mkdir(parents=True)
        shutil.copy(point, out / "model" / ck.LATEST)
        point = out / "model" / ck.LATEST
    write_params(tmp_path / "params.yaml", params)
    run_command(
        commands["pretrain@small"],
        workdir,
        *cli,
        "--out-dir", str(out / "model"), "--live-dir", str(out / "live"),
        "--params", str(tmp_path / "params.yaml"),
        env=env,
    )  # fmt: skip
    assert resumed(out / "model" / LOG_NAME) == [(str(point), source, epoch_1)]
    a, b = ck.load_checkpoint(reference / ck.FINAL), ck.load_checkpoint(out / "model" / ck.FINAL)
    assert b["step"] == a["step"] > epoch_1
    assert a["model_state_dict"].keys() == b["model_state_dict"].keys()
    assert all(torch.equal(a["model_state_dict"][k], v) for k, v in b["model_state_dict"].items())


def test_init_from_loads_the_pretrained_weights_only(workdir: Path, finetuned: dict[str, Path]) -> None:
    """§1.1 "`--init_from` loads pretrained weights only": sft@small and lora@small start from the pretrain
    best (recorded with its SHA-256) but not from its optimizer, step or schedule (their step counts and the
    optimizer's start at 0). That the loaded weights are the pretrain best's:
    tests/unit/test_train_loop.py::test_sft_starts_from_the_pretrained_weights; a mismatched model is refused
    through the stage: tests/integration/test_sft_init_from.py."""
    base = workdir / BASE
    pre_step = ck.load_checkpoint(base)["step"]
    for phase in ("sft", "lora"):
        folder = finetuned[phase]
        final = ck.load_checkpoint(folder / ck.FINAL)
        assert final["config"]["init"] == {"path": BASE, "sha256": ck.file_sha256(base)}
        log = (folder / LOG_NAME).read_text()
        assert "resumed from" not in log and final["config"]["phase"] == phase
        steps = int(re.findall(r"step (\d+)/(\d+)", log)[-1][1])
        assert final["step"] == steps and pre_step > 0
        adam_steps = {float(s["step"]) for s in final["optimizer_state_dict"]["state"].values()}
        assert adam_steps == {float(steps)}, (phase, adam_steps, pre_step)


def test_lora_freezes_the_base_and_optimises_only_the_adapters(finetuned: dict[str, Path]) -> None:
    """§1.1 "LoRA injection freezes base parameters" and "Only LoRA parameters are optimized": the
    checkpoint of lora@small holds adapters only, its optimizer state covers exactly the adapter
    parameters, the run's log counts only them as trainable, and re-injecting the recorded adapters
    leaves every base parameter frozen. Unit contracts (unchanged output at injection, only adapters move,
    merge): tests/unit/test_lora.py."""
    folder = finetuned["lora"]
    ckpt = ck.load_checkpoint(folder / ck.FINAL)
    adapters = ckpt["model_state_dict"]
    assert adapters and all(k.endswith(("lora_A", "lora_B")) for k in adapters)
    n_adapters = sum(v.numel() for v in adapters.values())
    opt_state = ckpt["optimizer_state_dict"]["state"].values()
    assert sum(s["exp_avg"].numel() for s in opt_state) == n_adapters
    total, trainable = map(
        int, re.search(r"parameters=(\d+) .*trainable=(\d+)", (folder / LOG_NAME).read_text()).groups()
    )
    assert trainable == n_adapters < total
    model = inject_lora_adapters(ck.build_model(ckpt["config"]), **ckpt["config"]["lora"])
    for name, p in model.named_parameters():
        assert p.requires_grad == is_lora_name(name), name


def test_training_logs_each_epoch_and_names_checkpoints_as_the_checklist(
    workdir: Path, pretrained: dict[str, Path]
) -> None:
    """§5.1 "Log files produced" and "Checkpoint naming convention": `training_verbose.log` in the checkpoint
    folder with the training and validation loss of every epoch (and every step), DVCLive curves beside it
    (dvclive/<variant>/<phase>), `model_checkpoint_best.pth` = the lowest validation loss,
    `checkpoint_epoch_{N}.pth` every `save_every_epochs` (1 here; the checklist's 10 is a params value),
    `model_checkpoint.pth` the final state (plus `checkpoint_latest.pth`, our resume point)."""
    folder = pretrained["small"]
    log = (folder / LOG_NAME).read_text()
    epochs = [(int(e), int(s), float(t), float(v)) for e, s, t, v, _ in EPOCH_LINE.findall(log)]
    assert [e[0] for e in epochs] == [1, 2]
    total = epochs[-1][1]
    assert len(re.findall(r"INFO step \d+/\d+ epoch \d+ train/loss", log)) == total
    best = ck.load_checkpoint(folder / ck.BEST)
    best_epoch = min(epochs, key=lambda e: e[3])
    assert best["epoch"] == best_epoch[0] and best["best_val_loss"] == pytest.approx(best_epoch[3], abs=1e-5)
    for n in (1, 2):
        assert ck.load_checkpoint(folder / f"checkpoint_epoch_{n}.pth")["epoch"] == n
    assert ck.load_checkpoint(folder / ck.FINAL)["step"] == total
    live = workdir / "dvclive/small/pretrain"
    assert (live / "metrics.json").is_file()
    assert len((live / "plots/metrics/val/loss.tsv").read_text().splitlines()) == 1 + len(epochs)
    assert len((live / "plots/metrics/train/loss.tsv").read_text().splitlines()) == 1 + total
