"""Checklist §1.3 "Evaluation Pipeline", §3 "Model Selection Criteria", §4.1 "Model Checkpoint" and §5.2
"Evaluation Reports", on the readiness pipeline's evaluator, adversarial, evaluate and select stages
(conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, candidate_report
from readykit import PHASES, files, readiness_params
from trainkit import one_thread  # noqa: F401

from stickgen.cli import main
from stickgen.core.config import SelectConfig, load_params
from stickgen.evaluate.checklist import DIRECTIONS, selection_score
from stickgen.evaluate.prompts import adversarial_prompts, preview_prompts
from stickgen.generate.published import split_memory
from stickgen.train import checkpoint as ck

pytestmark = pytest.mark.usefixtures("one_thread")  # `stickgen evaluate` sets torch's threads
# the checklist's §3.1 table: metric -> (threshold, direction, weight)
CHECKLIST_SELECTION = {
    "val_loss": (0.5, "lower", 0.30),
    "motion_mse": (0.1, "lower", 0.20),
    "temporal_consistency": (0.8, "higher", 0.15),
    "action_accuracy": (0.7, "higher", 0.15),
    "physics_consistency": (0.7, "higher", 0.10),
    "robustness": (0.5, "higher", 0.10),
}


def _utc(stamp: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(stamp)
    assert t.utcoffset() == dt.timedelta(0), stamp
    return t


@pytest.mark.parametrize("phase", PHASES)
def test_evaluate_stage_writes_the_metrics_report(phase: str, evaluated: Path) -> None:
    """§1.3 "`scripts/evaluate.py --checkpoint <path> --data <path>` → produces report" (the pipeline's
    `evaluate@<variant>-<phase>`): metrics.json with the six selection metrics, the weighted score, which
    thresholds are met, the protocol over replications, and previews and loss curves beside it."""
    m = json.loads((evaluated / f"small/{phase}/metrics.json").read_text())
    assert m == candidate_report(
        evaluated / f"candidates/small-{phase}.json", evaluated / f"small/{phase}/plots"
    )
    assert (m["variant"], m["phase"]) == ("small", phase)
    assert m["checkpoint"] == f"models/small/{phase}/model_checkpoint_best.pth"
    assert set(m["selection"]) == {*CHECKLIST_SELECTION, "selection_score"} and set(m["checklist"]) == set(
        CHECKLIST_SELECTION
    )
    assert (
        all(m["selection"][k] is not None for k in CHECKLIST_SELECTION)
        and 0 <= m["selection"]["selection_score"] <= 1
    )
    assert m["protocol"]["replications"] == readiness_params()["evaluate"]["replications"]
    plots = files(evaluated / f"small/{phase}/plots")
    assert "loss_curves.png" in plots and len([p for p in plots if p.endswith(".gif")]) == len(
        preview_prompts()
    )


def test_stickgen_evaluate_writes_a_report_outside_dvc(
    workdir: Path, selected: Path, tmp_path, monkeypatch
) -> None:
    """§1.3 / Appendix "Evaluate model" (`scripts/evaluate.py --checkpoint checkpoints/best_model.pth --data
    data/test.pt`): `stickgen evaluate --checkpoint models/production --data data/embedded/test.pt --out
    report.json` writes the stage's report for the production model."""
    monkeypatch.chdir(workdir)
    out = tmp_path / "report.json"
    assert (
        main(
            [
                "evaluate",
                "--checkpoint",
                "models/production",
                "--data",
                "data/embedded/test.pt",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    m = json.loads(out.read_text())
    winner = json.loads((selected / "selection.json").read_text())["winner"]
    stage = json.loads((workdir / f"eval_results/{winner}/metrics.json").read_text())
    assert f"{m['variant']}/{m['phase']}" == winner and set(m["selection"]) == set(stage["selection"])
    assert m["selection"]["robustness"] is None  # no --adversarial report given
    assert m["real"] == stage["real"] and m["selection"]["val_loss"] > 0


@pytest.mark.parametrize("phase", PHASES)
def test_adversarial_stage_writes_a_json_report(phase: str, evaluated: Path) -> None:
    """§1.3 "`scripts/run_adversarial_eval.py --checkpoint <path>` → produces JSON report" (the pipeline's
    `adversarial@<variant>-<phase>`): every prompt of the suite judged, none crashed, the safe ratio is the
    model's robustness in its metrics report."""
    adv = json.loads((evaluated / f"adversarial/small-{phase}.json").read_text())
    assert adv["n_prompts"] == len(adversarial_prompts()) == sum(adv["outcomes"].values())
    assert adv["outcomes"]["crashed"] == 0 and 0 <= adv["safe_ratio"] <= 1
    assert adv["model"] == {
        "variant": "small",
        "phase": phase,
        "checkpoint": f"models/small/{phase}/model_checkpoint_best.pth",
    }
    assert set(adv["categories"]) == set(adv["failures_by_category"])
    m = json.loads((evaluated / f"small/{phase}/metrics.json").read_text())
    assert m["selection"]["robustness"] == adv["safe_ratio"]


def test_selection_thresholds_and_weights_are_the_checklists() -> None:
    """§3.1 "Evaluation Metrics" table: params.yaml `select` holds each metric's threshold and weight, and
    the selection code its direction (below / above). Also tests/unit/test_select.py."""
    cfg = load_params(ROOT / "params.yaml").select
    for metric, (threshold, direction, weight) in CHECKLIST_SELECTION.items():
        assert (cfg.thresholds[metric], DIRECTIONS[metric], cfg.weights[metric]) == (
            threshold,
            direction,
            weight,
        )


def test_select_ranks_every_candidate_and_explains_the_choice(evaluated: Path, selected: Path) -> None:
    """§3.2 "Model Comparison Template" and §3.3 "Selection Decision": the `select` stage ranks every
    evaluated variant x phase by the weighted checklist score and writes the winner and the rationale
    (what it meets and misses) to eval_results/selection.json."""
    sel = json.loads((evaluated / "selection.json").read_text())
    cfg = SelectConfig(**readiness_params()["select"])
    assert {r["candidate"] for r in sel["ranking"]} == {f"small/{p}" for p in PHASES}
    for row in sel["ranking"]:
        report = json.loads((evaluated / f"candidates/{row['candidate'].replace('/', '-')}.json").read_text())
        assert row["selection_score"] == pytest.approx(selection_score(report["selection"], cfg), abs=1e-6)
    scores = [r["selection_score"] for r in sel["ranking"]]
    assert scores == sorted(scores, reverse=True) and sel["winner"] == sel["ranking"][0]["candidate"]
    assert sel["rationale"].startswith(sel["winner"]) and sel["checkpoint"].endswith(
        "model_checkpoint_best.pth"
    )


def test_the_selected_model_is_in_the_production_folder(workdir: Path, selected: Path) -> None:
    """§4.1 "Best checkpoint identified and accessible" (`checkpoints/production/best_model.pth` with
    model_state_dict, optimizer_state_dict, epoch, config): models/production/ holds the winner as merged
    fp32 weights (model.safetensors: 4 bytes per parameter, no optimizer), its motion memory apart
    (memory.safetensors: training clips, not parameters), config.json and a model card; the winner's
    training checkpoint beside its phase holds the optimizer state, epoch and config."""
    sel = json.loads((selected / "selection.json").read_text())
    assert {"model.safetensors", "memory.safetensors", "config.json", "README.md", "selection.json"} <= files(
        selected
    )
    training = ck.load_checkpoint(workdir / sel["checkpoint"])
    assert {"model_state_dict", "optimizer_state_dict", "epoch", "config"} <= set(training)
    weights, _ = split_memory(ck.full_state_dict(training))
    n_params = sum(v.numel() for v in weights.values())
    size = (selected / "model.safetensors").stat().st_size
    assert 4 * n_params <= size <= 4 * n_params + 64 * 1024, (size, n_params)
    config = json.loads((selected / "config.json").read_text())
    assert f"{config['variant']}/{config['phase']}" == sel["winner"]


def test_publish_dry_run_prepares_the_hub_repository(
    workdir: Path, selected: Path, tmp_path, monkeypatch
) -> None:
    """§4.1 "HuggingFace upload complete" (repository `GesturaAI/stick-gen-{variant}`, model card, licence
    MIT): `stickgen publish CKPT --dry-run` writes what the upload sends. The licence follows the training
    data: this profile trains on the samples stage's files and synthetic clips, all generated, so MIT and no
    Hub dataset (tests/unit/test_model_card.py: a non-commercial source makes it `other`). The upload itself
    needs the Hub and a token; tests/unit/test_publish.py uploads to a local server that speaks the Hub's
    endpoints."""
    monkeypatch.chdir(workdir)
    sel = json.loads((selected / "selection.json").read_text())
    out = tmp_path / "hub"
    assert main(["publish", sel["checkpoint"], "--dry-run", "--out", str(out)]) == 0
    assert {"model.safetensors", "config.json", "README.md"} <= files(out)
    card = (out / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["license"] == "mit" and "val_loss" in front["metrics"] and "datasets" not in front
    assert "trained only on motion generated by this project's code (MIT)" in card
    assert "hf download GesturaAI/stick-gen-small " in card and "| training | phase `" in card


def test_eval_results_hold_timestamped_json_reports(evaluated: Path, selected: Path) -> None:
    """§5.2 "Reports generated and stored": eval_results/ holds the JSON reports (per variant and phase,
    the adversarial/ robustness reports, the evaluator's, the length estimator's, the selection), each with
    an ISO 8601 UTC timestamp, laid out as dvc.yaml declares them."""
    reports = {p for p in files(evaluated) if p.endswith(".json")}
    expected = {"evaluator.json", "length.json", "selection.json"}
    for phase in PHASES:
        expected |= {
            f"small/{phase}/metrics.json",
            f"candidates/small-{phase}.json",
            f"adversarial/small-{phase}.json",
        }
    assert reports == expected
    stamps = [_utc(json.loads((evaluated / r).read_text())["timestamp"]) for r in sorted(reports)]
    now = dt.datetime.now(dt.UTC)
    assert all(now - dt.timedelta(hours=1) < t <= now for t in stamps)
