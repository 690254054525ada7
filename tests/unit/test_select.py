"""Model selection: the checklist's weighted score, the ranking with its rationale, and the production
folder that InferenceGenerator loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ROOT
from inferkit import FakeEncoder, cached_checkpoint, tiny_training

from stickgen.core.config import SELECTION_METRICS, SelectConfig, load_params
from stickgen.evaluate.checklist import credit, selection_score
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.diffusion import Generation, Sampling
from stickgen.release.select import read_candidates, select, write_production

CFG = load_params(ROOT / "params.yaml").select
GOOD = {
    "val_loss": 0.3,
    "motion_mse": 0.05,
    "temporal_consistency": 0.9,
    "action_accuracy": 0.8,
    "physics_consistency": 0.9,
    "robustness": 0.7,
}


def test_params_hold_the_checklist_thresholds_and_weights() -> None:
    assert CFG.thresholds == {
        "val_loss": 0.5,
        "motion_mse": 0.1,
        "temporal_consistency": 0.8,
        "action_accuracy": 0.7,
        "physics_consistency": 0.7,
        "robustness": 0.5,
    }
    assert CFG.weights == {
        "val_loss": 0.3,
        "motion_mse": 0.2,
        "temporal_consistency": 0.15,
        "action_accuracy": 0.15,
        "physics_consistency": 0.1,
        "robustness": 0.1,
    }
    with pytest.raises(ValueError, match="sum to 1"):
        SelectConfig(CFG.thresholds, {**CFG.weights, "robustness": 0.5})


def test_credit_is_full_when_met_and_the_reached_share_otherwise() -> None:
    assert credit(0.4, 0.5, "lower") == (True, 1.0)
    assert credit(1.0, 0.5, "lower") == (False, 0.5)
    assert credit(0.5, 0.5, "lower") == (False, 1.0)  # "< 0.5" is not met at 0.5
    assert credit(0.35, 0.7, "higher") == (False, 0.5)
    assert credit(None, 0.7, "higher") == (False, 0.0)
    assert credit(float("nan"), 0.7, "higher") == (False, 0.0)


def test_the_score_is_one_exactly_when_every_threshold_is_met() -> None:
    assert selection_score(GOOD, CFG) == pytest.approx(1.0)
    worse = {**GOOD, "val_loss": 1.0}  # half the val_loss credit: loses 0.3 * 0.5
    assert selection_score(worse, CFG) == pytest.approx(0.85)
    assert selection_score({**GOOD, "robustness": None}, CFG) == pytest.approx(0.9)


def test_select_ranks_candidates_and_explains_what_the_winner_meets_and_misses() -> None:
    reports = {
        "small/pretrain": {
            "checkpoint": "a.pth",
            "selection": {**GOOD, "val_loss": 0.8, "action_accuracy": 0.2},
        },
        "small/sft": {"checkpoint": "b.pth", "selection": {**GOOD, "val_loss": 0.6}},
        "small/lora": {"checkpoint": "c.pth", "selection": {**GOOD, "robustness": 0.1}},
    }
    s = select(reports, CFG)
    assert [r["candidate"] for r in s["ranking"]] == ["small/sft", "small/lora", "small/pretrain"]
    assert s["winner"] == "small/sft" and s["checkpoint"] == "b.pth" and s["timestamp"]
    best = s["ranking"][0]
    assert best["thresholds_missed"] == ["val_loss"] and len(best["thresholds_met"]) == 5
    assert "val_loss 0.6 misses < 0.5" in s["rationale"] and "runner-up small/lora" in s["rationale"]
    assert [c["metric"] for c in best["criteria"]] == list(SELECTION_METRICS)


def test_read_candidates_names_the_missing_reports(tmp_path: Path) -> None:
    (tmp_path / "small-pretrain.json").write_text(json.dumps({"selection": GOOD}))
    assert list(read_candidates(tmp_path, ["small"], ["pretrain"])) == ["small/pretrain"]
    with pytest.raises(FileNotFoundError, match="small-sft.json"):
        read_candidates(tmp_path, ["small"], ["pretrain", "sft"])


def test_the_winner_becomes_a_production_folder_the_generator_loads(tmp_path_factory, tmp_path: Path) -> None:
    ckpt = cached_checkpoint(tmp_path_factory, "fake")
    eval_results = tmp_path / "eval_results"
    (eval_results / "tiny" / "pretrain").mkdir(parents=True)
    (eval_results / "tiny" / "pretrain" / "metrics.json").write_text(
        json.dumps({"selection": {**GOOD, "selection_score": 1.0}})
    )
    selection = select({"tiny/pretrain": {"checkpoint": str(ckpt), "selection": GOOD}}, CFG)
    out = tmp_path / "production"
    (out / "stale").mkdir(parents=True)  # an earlier winner's folder is replaced
    sampler = Generation(steps=4, guidance_scale=2.0)
    files = write_production(
        ckpt, out, eval_results, tiny_training(ckpt), 20.0, None, selection, generation=sampler
    )
    assert {f.name for f in files} == {
        "model.safetensors",
        "memory.safetensors",
        "config.json",
        "README.md",
        "selection.json",
    }
    shipped = json.loads((out / "selection.json").read_text())  # a hashed output: no wall-clock time
    assert shipped == {k: v for k, v in selection.items() if k != "timestamp"} and selection["timestamp"]
    assert not (out / "stale").exists()
    # config.json records the sampler the pipeline generates with (params `sampling.*`)
    assert json.loads((out / "config.json").read_text())["generation"] == {
        "steps": 4,
        "guidance_scale": 2.0,
        "guidance_rescale": 1.0,
    }
    card = (out / "README.md").read_text()
    assert "## Selection" in card and "| val_loss | 0.3 | < 0.5 | 0.3 | yes |" in card
    gen = InferenceGenerator(
        out,
        SamplingSettings(refinement=Sampling(steps=2)),
        Checks(safety=False),
        Runtime("cpu", FakeEncoder()),
    )
    assert gen.generate("a person walks", duration_s=1.0, seed=0).joints.shape == (20, 1, 22, 3)
