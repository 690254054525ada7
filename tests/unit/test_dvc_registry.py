"""dvc.yaml's top level: the production model is a registry artifact, and each phase's train and validation
losses share one chart, read from the files the training stages' DVCLive writes."""

from __future__ import annotations

import re

import yaml
from helpers import ROOT

DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text())
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())


def test_the_production_model_is_a_model_artifact_the_select_stage_writes() -> None:
    from dvc.repo import Repo

    artifacts = Repo(str(ROOT)).artifacts.read()["dvc.yaml"]
    model = artifacts["stick-gen"]
    assert model.type == "model" and model.desc and "text-to-motion" in model.labels
    assert model.path in DVC["stages"]["select"]["outs"]


def test_each_phase_has_one_chart_of_train_and_validation_loss() -> None:
    variant = PARAMS["variants"][0]
    charts = {}
    for entry in DVC["plots"]:
        ((name, spec),) = entry.items()
        resolved = {re.sub(r"\$\{variants\[0\]\}", variant, k): v for k, v in spec["y"].items()}
        charts[name.replace("${variants[0]}", variant)] = (spec["x"], resolved)
    assert set(charts) == {f"{variant}-{phase}-loss" for phase in PARAMS["phases"]}
    for phase in PARAMS["phases"]:
        x, y = charts[f"{variant}-{phase}-loss"]
        folder = f"dvclive/{variant}/{phase}/plots/metrics"
        assert x == "step" and y == {f"{folder}/train/loss.tsv": "loss", f"{folder}/val/loss.tsv": "loss"}
        # the files are the stage's own DVCLive plots (its declared plots folder)
        stage = DVC["stages"][phase]["do"]
        own = {k: v for d in stage.get("vars", []) for k, v in d.items()}  # the stage's `vars` (phase)
        declared = [str(p).replace("${phase}", own.get("phase", "${phase}")) for p in stage["plots"]]
        assert any("dvclive/${item}/" + f"{phase}/plots/metrics" in p for p in declared)
