"""The real DVC pipeline on tiny params: repro, no-op repro, status, metrics, plots, exp run + diff."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from conftest import sh

from stickgen.ops import reproduce

pytestmark = pytest.mark.slow


def test_repro_runs_every_stage_and_locks_them(pipeline_repo: Path) -> None:
    lock = yaml.safe_load((pipeline_repo / "dvc.lock").read_text())
    stages = set(lock["stages"])
    assert {"samples", "synthesize", "curate", "embed", "pretrain@tiny", "evaluate@tiny-pretrain"} <= stages
    assert any(s.startswith("convert@") for s in stages)
    assert (pipeline_repo / "models/tiny/pretrain/model_checkpoint_best.pth").is_file()
    assert not (pipeline_repo / "dvclive/tiny/pretrain/dvc.yaml").exists()
    # dvclive never writes dvc.yaml: the repro left the pipeline's own as committed with the code
    commits = sh("git", "log", "--format=%s", "--", "dvc.yaml", cwd=pipeline_repo).splitlines()
    assert commits == ["pipeline code"], commits


def test_outputs_stay_a_few_large_files(pipeline_repo: Path) -> None:
    lock = yaml.safe_load((pipeline_repo / "dvc.lock").read_text())
    for name, stage in lock["stages"].items():
        for out in stage.get("outs", []):
            if name != "samples":  # raw sample files mirror each dataset's native one-file-per-take layout
                assert out.get("nfiles", 1) <= 25, f"{name}: {out['path']} has {out.get('nfiles')} files"


def test_second_repro_does_nothing_and_status_is_clean(pipeline_repo: Path) -> None:
    out = sh("dvc", "repro", cwd=pipeline_repo)
    assert "Running stage" not in out, out
    assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}


def test_bytecode_beside_the_sources_changes_no_stage(pipeline_repo: Path) -> None:
    # a default Python writes __pycache__/*.pyc beside every module the stages import from an editable
    # install (the tiny run's stages import the venv's copy; CI may turn bytecode off): .dvcignore
    cache = pipeline_repo / "src" / "stickgen" / "core" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "config.cpython-311.pyc").write_bytes(b"\xa7\r\r\n bytecode")
    try:
        assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}
    finally:
        shutil.rmtree(cache)


def test_metrics_and_plots_are_visible_to_dvc(pipeline_repo: Path) -> None:
    flat = json.dumps(json.loads(sh("dvc", "metrics", "show", "--json", cwd=pipeline_repo)))
    assert "val_loss" in flat and "motion_mse" in flat
    plots = json.loads(sh("dvc", "plots", "show", "--json", cwd=pipeline_repo))
    assert not plots.get("errors"), plots.get("errors")
    keys = " ".join(plots["data"])
    assert "train/loss.tsv" in keys and "val/loss.tsv" in keys, keys
    assert {f"tiny-{phase}-loss" for phase in ("pretrain", "sft", "lora")} <= set(plots["data"])  # overlays


def test_plots_render_offline_to_png_and_a_self_contained_page(pipeline_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "plots"
    sh(sys.executable, "-m", "stickgen.ops.plots", "--out", str(out), cwd=pipeline_repo)
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert any("train_loss" in p for p in pngs) and any("val_loss" in p for p in pngs), pngs
    assert all((out / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    page = (out / "index.html").read_text()
    assert page.count("data:image/png;base64,") == len(pngs) and "<script" not in page


def test_reproduce_check_finds_byte_identical_data_outputs(pipeline_repo: Path, monkeypatch) -> None:
    """`make reproduce-check` through DVC: a data stage rerun from scratch on the CPU's narrowest code paths
    writes what the committed dvc.lock records (the repro on the usual paths), and nothing downstream
    changes. The target here is synthesize, one stage (the default, embed, reruns every data stage: listed
    below). That every data stage (samples, each dataset's convert, synthesize, curate, embed) writes the
    same bytes on the narrowest paths as on the usual ones: tests/readiness/test_ready_reproducible.py;
    several runs compared with each other, the last one narrowed: tests/unit/test_reproduce.py."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # dvc
    default = reproduce.upstream_stages(pipeline_repo, reproduce.DATA_TARGET)
    assert {"samples", "convert@humanml3d", "synthesize", "curate", "embed"} <= set(default), default
    synthetic = pipeline_repo / "data/canonical/synthetic.pt"
    written = synthetic.stat().st_mtime_ns
    sh(
        sys.executable,
        "-m",
        "stickgen.ops.reproduce",
        "--target",
        "synthesize",
        "--runs",
        "1",
        "--out",
        "reproduce_check.json",
        cwd=pipeline_repo,
    )
    assert synthetic.stat().st_mtime_ns != written  # rerun from scratch
    report = json.loads((pipeline_repo / "reproduce_check.json").read_text())
    assert report["identical"] and report["stages"] == ["synthesize"] and report["runs"] == 1
    assert set(report["outputs"]) == {"data/canonical/synthetic.pt", "data/canonical/synthetic.report.json"}
    assert report["narrowed_env"] == reproduce.narrowed_cpu_env()
    assert report["matches_lock"] and not report["differing_from_lock"], report
    assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}  # nothing downstream changed
    (pipeline_repo / "reproduce_check.json").unlink()


def test_exp_run_with_another_learning_rate_shows_in_metrics_diff(pipeline_repo: Path) -> None:
    """`dvc exp run -S train.<phase>.lr=...` (README) reruns that phase and what depends on it, and `dvc
    metrics diff` compares the experiment with the committed run. The phase is the last one, lora (four
    stages rerun; pretrain's experiment would rerun ten, and experiments on the pretrain learning rate run
    through the queue in test_exp_queue.py); the DAG shows that a pretrain change reaches every later
    training, evaluation and the selection."""
    edges = re.findall(r'^"(\S+)" -> "(\S+)";$', sh("dvc", "dag", "--dot", cwd=pipeline_repo), re.M)
    downstream, frontier = set(), {"pretrain@tiny"}
    while frontier:
        frontier = {b for a, b in edges if a in frontier} - downstream
        downstream |= frontier
    phases = ("pretrain", "sft", "lora")
    per_model = {f"{s}@tiny-{p}" for s in ("adversarial", "evaluate") for p in phases}
    assert {"sft@tiny", "lora@tiny", "select", *per_model} <= downstream, edges

    out = sh("dvc", "exp", "run", "-S", "train.lora.lr=0.003", cwd=pipeline_repo)
    ran = set(re.findall(r"^Running stage '(\S+)':$", out, re.M))
    assert ran == {"lora@tiny", "adversarial@tiny-lora", "evaluate@tiny-lora", "select"}, out
    diff = json.loads(sh("dvc", "metrics", "diff", "--json", cwd=pipeline_repo))
    changed = {k.rsplit(".", 1)[-1] for path in diff.values() for k in path}  # leaf names of nested reports
    assert "val_loss" in changed and "motion_mse" in changed, diff
    # the checklist's selection metrics of every candidate, committed run and experiment side by side
    side_by_side = json.loads(sh("dvc", "metrics", "diff", "--all", "--json", cwd=pipeline_repo))
    for phase in ("pretrain", "sft", "lora"):
        rows = side_by_side[f"eval_results/tiny/{phase}/metrics.json"]
        for leaf in (
            "val_loss",
            "motion_mse",
            "temporal_consistency",
            "action_accuracy",
            "physics_consistency",
            "robustness",
            "selection_score",
        ):
            row = rows[f"selection.{leaf}"]
            assert row.get("old") is not None and row.get("new") is not None, (phase, leaf, row)
    assert side_by_side["eval_results/tiny/lora/metrics.json"]["selection.val_loss"]["diff"] != 0
    for phase in ("pretrain", "sft"):  # upstream of lora: not rerun
        row = side_by_side[f"eval_results/tiny/{phase}/metrics.json"]["selection.val_loss"]
        assert row["old"] == row["new"], (phase, row)
    # the workspace now holds the experiment: go back to the committed run for later tests
    sh("git", "checkout", "--", ".", cwd=pipeline_repo)
    sh("dvc", "checkout", "--force", cwd=pipeline_repo)
    assert json.loads(sh("dvc", "status", "--json", cwd=pipeline_repo)) == {}


def test_evaluation_stages_write_reports_previews_selection_and_production(pipeline_repo: Path) -> None:
    lock = yaml.safe_load((pipeline_repo / "dvc.lock").read_text())
    phases = ("pretrain", "sft", "lora")
    per_model = {f"{s}@tiny-{p}" for s in ("adversarial", "evaluate") for p in phases}
    expected = {"evaluator", "select", *per_model}
    assert expected <= set(lock["stages"])
    results = pipeline_repo / "eval_results"
    for phase in phases:
        adv = json.loads((results / f"adversarial/tiny-{phase}.json").read_text())
        assert adv["outcomes"]["crashed"] == 0 and adv["timestamp"]
        m = json.loads((results / f"tiny/{phase}/metrics.json").read_text())
        assert m["selection"]["robustness"] == adv["safe_ratio"] and m["real"] and m["timestamp"]
    selection = json.loads((results / "selection.json").read_text())
    assert {r["candidate"] for r in selection["ranking"]} == {f"tiny/{p}" for p in phases}
    assert all(len(r["thresholds_met"]) + len(r["thresholds_missed"]) == 6 for r in selection["ranking"])
    production = pipeline_repo / "models/production"
    shipped = {p.name for p in production.iterdir()}
    assert {"model.safetensors", "config.json", "README.md", "selection.json", "length.json"} <= shipped
    assert json.loads((production / "config.json").read_text())["phase"] == selection["winner"].split("/")[1]


def test_previews_and_loss_curves_are_dvc_image_plots(pipeline_repo: Path) -> None:
    plots = json.loads(sh("dvc", "plots", "show", "--json", cwd=pipeline_repo))
    assert not plots.get("errors"), plots.get("errors")
    images = [k for k, v in plots["data"].items() if any(e.get("type") == "image" for e in v)]
    for phase in ("pretrain", "sft", "lora"):
        mine = [k for k in images if f"eval_results/tiny/{phase}/plots" in k]
        assert any(k.endswith(".gif") for k in mine), images
        assert any(k.endswith("loss_curves.png") for k in mine), images
