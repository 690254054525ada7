"""SafetyCritic: real and synthetic motion passes in every layout; crafted bad motion fails for the
right reason; the checklist's smoke test runs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import walking_clip

from stickgen.core.config import CanonicalConfig, SynthesizeConfig
from stickgen.core.safety import CHECKS, SafetyCritic, as_figure, evaluate_motion_safety
from stickgen.core.skeleton import JOINT_INDEX, project, segments

FPS = 20.0


def _layouts(joints: np.ndarray) -> dict[str, np.ndarray]:
    flat = project(joints, azimuth_deg=90.0)  # side view: the walk goes along +Z
    return {
        "joints3d": joints,
        "joints3d_one_actor": joints[:, 0],
        "joints2d": flat,
        "v3_segments": segments(flat, "v3"),
        "legacy_segments": segments(flat, "legacy")[:, 0],
    }


def _walk(frames: int = 60, actors: int = 1) -> np.ndarray:
    return walking_clip(frames=frames, actors=actors).joints.astype(np.float64)


def test_result_has_every_check_with_severities_in_unit_range_and_reasons() -> None:
    r = evaluate_motion_safety(_walk(), fps=FPS)
    assert r.is_safe, r.reasons
    assert set(r.checks) == set(CHECKS)
    assert all(0.0 <= c.severity <= 1.0 and c.reason for c in r.checks.values())
    assert r.overall_score == pytest.approx(np.prod([1 - s for s in r.severities.values()]))
    assert r.to_dict()["checks"]["teleport"]["severity"] == r.checks["teleport"].severity


@pytest.mark.parametrize(
    "layout", ["joints3d", "joints3d_one_actor", "joints2d", "v3_segments", "legacy_segments"]
)
def test_every_layout_of_a_plausible_walk_passes(layout: str) -> None:
    motion = _layouts(_walk(actors=2 if layout != "joints3d_one_actor" else 1))[layout]
    r = SafetyCritic(fps=FPS).evaluate(torch.from_numpy(motion))
    assert r.is_safe, r.reasons
    assert r.layout == layout.removesuffix("_one_actor")


def test_checklist_smoke_test_runs() -> None:
    torch.manual_seed(0)
    motion = torch.cumsum(torch.randn(100, 20) * 0.01, dim=0)
    result = evaluate_motion_safety(motion)
    assert isinstance(result.is_safe, bool) and 0.0 <= result.overall_score <= 1.0
    assert result.layout == "legacy_segments"
    # a few centimetres of random walk is no body (and its segments do not join): the critic says so
    assert not result.is_safe and result.reasons


def test_unknown_shapes_are_refused_with_the_accepted_layouts() -> None:
    with pytest.raises(ValueError, match="48"):
        as_figure(np.zeros((10, 7)))


def test_thresholds_come_from_the_caller() -> None:
    motion = _walk()
    motion[:, :, :, 1] -= 0.2  # sunk 20 cm: severity 0.5
    assert SafetyCritic(fps=FPS).evaluate(motion).is_safe
    strict = SafetyCritic(rejection_severity_threshold=0.4, fps=FPS).evaluate(motion)
    assert not strict.is_safe and strict.reasons[0].startswith("ground_penetration")
    with pytest.raises(ValueError, match="rejection_severity_threshold"):
        SafetyCritic(rejection_severity_threshold=0.0)


def _craft(kind: str) -> np.ndarray:
    j = _walk()
    t = j.shape[0]
    if kind == "non_finite":
        j[5, 0, 3, 1] = np.nan
    elif kind == "bone_length":
        wrist, elbow = JOINT_INDEX["left_wrist"], JOINT_INDEX["left_elbow"]
        j[10:20, 0, wrist] += 1.5 * (j[10:20, 0, wrist] - j[10:20, 0, elbow])  # forearm 2.5x as long
    elif kind == "limb_inversion":
        j[..., 1] = 1.8 - j[..., 1]  # upside down
    elif kind == "extreme_motion":
        j[::2, 0, JOINT_INDEX["right_wrist"], 0] += 2.0  # the wrist flips 2 m every frame: 40 m/s
    elif kind == "teleport":
        j[t // 2 :, :, :, 0] += 3.0  # the whole body jumps 3 m in one frame
    elif kind == "ground_penetration":
        j[..., 1] -= 0.5
    elif kind == "frozen_degenerate":
        j[:] = j[:1]
    elif kind == "repetition":
        loop = j[:4].copy()
        loop[:, 0, JOINT_INDEX["left_wrist"], 1] += np.array([0.0, 0.1, 0.2, 0.1])
        loop[:, :, :, 2] = j[0, :, :, 2]  # in place
        j = np.concatenate([loop] * 15)
    return j


@pytest.mark.parametrize("kind", [c for c in CHECKS])
def test_crafted_bad_motion_fails_for_the_right_reason(kind: str) -> None:
    r = SafetyCritic(fps=FPS).evaluate(_craft(kind))
    assert not r.is_safe
    assert r.checks[kind].severity >= 0.7, r.checks[kind]
    assert any(reason.startswith(f"{kind}:") for reason in r.reasons), r.reasons


def test_collapsed_figure_is_degenerate() -> None:
    j = np.zeros((30, 1, 22, 3)) + np.random.default_rng(0).normal(0, 0.01, (30, 1, 22, 3))
    r = SafetyCritic(fps=FPS).evaluate(j)
    assert (
        r.checks["frozen_degenerate"].severity == 1.0 and "collapses" in r.checks["frozen_degenerate"].reason
    )


def test_synthetic_motions_pass_in_every_layout() -> None:
    from stickgen.synthetic import generate

    clips = generate(
        SynthesizeConfig(clips=24, min_s=2.5, max_s=6.0, two_actor_fraction=0.2, chain_fraction=0.3),
        CanonicalConfig(fps=FPS, max_actors=2, window_s=10.0, stride_s=5.0),
        seed=11,
    )
    critic = SafetyCritic(fps=FPS)
    for clip in clips:
        for layout, motion in _layouts(clip.joints).items():
            r = critic.evaluate(motion)
            assert r.is_safe, (clip.id, clip.action, layout, r.reasons)


def _cmu_dir() -> Path:
    root = os.environ.get("STICKGEN_REALDATA")
    if not root:
        pytest.skip("STICKGEN_REALDATA is not set (the folder with real motion capture; .ci/run sets it)")
    path = Path(root) / "cmu"
    if not path.is_dir():
        pytest.skip(f"no CMU motion capture under {path}")
    return path


@pytest.mark.parametrize("converter", ["bvh", "asf_amc"])
def test_real_cmu_motion_capture_passes(converter: str) -> None:
    from stickgen.sources import get_converter, takes_to_clips

    raw = _cmu_dir()
    conv = get_converter(converter)
    cfg = CanonicalConfig(fps=FPS, max_actors=2, window_s=10.0, stride_s=5.0)
    clips = [
        c
        for item in conv.list_items(raw)
        for take in conv.read(raw, item)
        for c in takes_to_clips(converter, take, cfg)
    ]
    assert clips, f"no clips from {raw}"
    critic = SafetyCritic(fps=FPS)
    for clip in clips:
        for layout, motion in _layouts(clip.joints).items():
            r = critic.evaluate(motion)
            assert r.is_safe, (clip.id, layout, r.reasons)


def test_stickgen_safety_reads_motion_files_and_exits_by_verdict(tmp_path: Path, capsys, monkeypatch) -> None:
    import json

    from stickgen.cli import main
    from stickgen.generate.export import save_motion
    from stickgen.generate.motion import Motion

    walk = _walk()
    save_motion(Motion(walk.astype(np.float32), FPS, "a person walks"), tmp_path / "walk.json")
    save_motion(Motion(walk.astype(np.float32), FPS, "a person walks"), tmp_path / "walk.npz")
    monkeypatch.chdir(tmp_path)  # no params.yaml here: the built-in settings
    no_params: list[str] = []
    for name in ("walk.json", "walk.npz"):
        assert main(["safety", str(tmp_path / name), "--json", *no_params]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["motions"][0]["is_safe"] and set(doc["motions"][0]["checks"]) == set(CHECKS)
    bad = json.loads((tmp_path / "walk.json").read_text())
    bad["joints"][3][0][5][1] = None  # a NaN in the file (json has no NaN): read as NaN, judged, rejected
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert main(["safety", str(tmp_path / "bad.json"), *no_params]) == 1
    assert "non_finite" in capsys.readouterr().out
    np.save(tmp_path / "segments.npy", segments(project(walk, azimuth_deg=90.0), "v3"))
    assert main(["safety", str(tmp_path / "segments.npy"), "--json", *no_params]) == 0
    assert json.loads(capsys.readouterr().out)["motions"][0]["layout"] == "v3_segments"
    from stickgen.core import canonical

    canonical.save([walking_clip("test/a#0-40"), walking_clip("test/b#0-40")], tmp_path / "clips.pt", FPS)
    assert main(["safety", str(tmp_path / "clips.pt"), "--json", *no_params]) == 0
    assert [m["name"] for m in json.loads(capsys.readouterr().out)["motions"]] == [
        "test/a#0-40",
        "test/b#0-40",
    ]
    assert main(["safety", str(tmp_path / "absent.npz"), *no_params]) == 2
