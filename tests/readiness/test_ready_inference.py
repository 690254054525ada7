"""Checklist §1.3 "Safety critic integration works", §4.2 "Inference Configuration" and §6.1 "End-to-End
Smoke Test": the generator on the readiness pipeline's production model (conftest.py), and the checklist's
three smoke snippets, rewritten with this project's modules, read from docs/production-readiness.md and
run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, compose_profile
from trainkit import one_thread  # noqa: F401

from stickgen.core.config import load_params
from stickgen.core.safety import (
    CHECKS,
    DEFAULT_MIN_QUALITY_SCORE,
    DEFAULT_REJECTION_SEVERITY,
    SafetyCritic,
    SafetyResult,
)
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.motion import Motion
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.diffusion import Sampling

pytestmark = pytest.mark.usefixtures("one_thread")
DOC = ROOT / "docs/production-readiness.md"
PROMPT = "a person walks forward"


@pytest.fixture(scope="module")
def production(workdir: Path, selected: Path) -> str:
    return str(selected)


def test_the_generator_with_the_safety_check_judges_motion(production: str) -> None:
    """§1.3 "`InferenceGenerator(enable_safety_check=True)` initializes" and
    "`generator.check_motion_safety(motion)` returns results": the production model with the default
    critic (stickgen.core.safety) judges what it generates, and a motion whose body jumps 5 m in one frame
    is rejected for teleporting. Regeneration on rejection: tests/unit/test_generator.py."""
    # the default critic
    gen = InferenceGenerator(production, enable_safety_check=True, runtime=Runtime(device="cpu"))
    assert gen.enable_safety_check
    off = InferenceGenerator(production, checks=Checks(safety=True), enable_safety_check=False)
    assert not off.enable_safety_check  # the checklist's keyword, when given, decides
    motion = gen.generate(PROMPT, duration_s=2.0, seed=0)
    result = gen.check_motion_safety(motion)
    assert isinstance(result, SafetyResult) and set(result.checks) == set(CHECKS)
    assert isinstance(result.is_safe, bool) and 0.0 <= result.overall_score <= 1.0
    assert motion.meta["safety_checked"] and motion.meta["safety"]["is_safe"] == result.is_safe
    assert motion.meta["safety"]["overall_score"] == pytest.approx(result.overall_score)
    jumped = motion.joints.copy()
    jumped[len(jumped) // 2 :, :, :, 0] += 5.0
    bad = gen.check_motion_safety(Motion(jumped, motion.fps, PROMPT))
    assert not bad.is_safe and any(r.startswith("teleport") for r in bad.reasons), bad.reasons


def test_safety_thresholds_are_the_production_defaults() -> None:
    """§4.2 "Safety thresholds configured": `rejection_severity_threshold` 0.7 and `min_quality_score` 0.3
    in params.yaml `safety` (read by `stickgen generate`, the adversarial stage and `stickgen safety`) and as
    the critic's defaults. Their effect:
    tests/unit/test_safety_critic.py::test_thresholds_come_from_the_caller."""
    p = load_params(ROOT / "params.yaml")
    assert (p.safety.rejection_severity_threshold, p.safety.min_quality_score) == (0.7, 0.3)
    assert (DEFAULT_REJECTION_SEVERITY, DEFAULT_MIN_QUALITY_SCORE) == (0.7, 0.3)
    critic = SafetyCritic.from_config(p.safety, p.canonical.fps)
    assert (critic.rejection_severity_threshold, critic.min_quality_score, critic.fps) == (0.7, 0.3, 20.0)


def test_diffusion_refinement_settings(production: str) -> None:
    """§4.2 "Diffusion refinement settings": `diffusion_steps` 20 and `use_diffusion` in params.yaml
    `diffusion` (off in the embedded default, whose CPU-trained refiner the evaluation's ablation shows to
    hurt; on in the full profile); with `use_diffusion=False` (CLI `--no-diffusion`) the generator
    returns the transformer's sample (another for every seed), with it the refiner runs the requested DDIM
    steps on that sample and changes it. Speed with and without it per variant: `python bench/inference.py`
    (bench/results/inference_cpu.json)."""
    d = load_params(ROOT / "params.yaml").diffusion
    assert d.diffusion_steps == 20 and d.use_diffusion is False
    assert compose_profile("full")["diffusion"]["use_diffusion"] is True
    unchecked, cpu = Checks(safety=False), Runtime(device="cpu")
    off = InferenceGenerator(production, SamplingSettings(refinement=None), unchecked, cpu)
    on = InferenceGenerator(production, SamplingSettings(refinement=Sampling(steps=20)), unchecked, cpu)
    a, b = off.generate(PROMPT, 2.0, seed=0), off.generate(PROMPT, 2.0, seed=1)
    c = on.generate(PROMPT, 2.0, seed=0)
    assert a.meta["use_diffusion"] is False and a.meta["diffusion"] is None
    assert not np.array_equal(a.joints, b.joints)
    np.testing.assert_array_equal(a.joints, off.generate(PROMPT, 2.0, seed=0).joints)
    assert c.meta["use_diffusion"] is True and c.meta["diffusion"]["steps"] == 20
    assert not np.array_equal(a.joints, c.joints)
    assert np.abs(a.joints - c.joints)[:, :, JOINT_INDEX["pelvis"]].max() < 1.0  # refined, not replaced


def smoke_snippets() -> list[str]:
    """The `python -c "..."` programs of the doc's smoke-test block, in order."""
    text = DOC.read_text()
    block = text.split("<!-- smoke-snippets -->", 2)[1]
    return re.findall(r'^python -c "\n(.*?)^"$', block, flags=re.S | re.M)


def test_the_doc_has_the_checklists_three_smoke_snippets() -> None:
    """§6.1: the doc carries the three snippets with this project's module paths."""
    snippets = smoke_snippets()
    assert len(snippets) == 3
    assert "from stickgen.generate.generator import InferenceGenerator" in snippets[0]
    assert "from stickgen.core.safety import SafetyCritic, evaluate_motion_safety" in snippets[1]
    assert "from stickgen.train.loop import train" in snippets[2]


@pytest.mark.parametrize("index", [0, 1])
def test_smoke_snippet_runs(index: int, production: str, workdir: Path, monkeypatch, capsys) -> None:
    """§6.1 smoke snippets 1 (InferenceGenerator with the safety check on `models/production`) and 2 (the
    safety check of a random 20-value stick motion), run as written in the repository folder (here, in
    this process: the readiness pipeline's folder; the text encoder stays loaded)."""
    monkeypatch.chdir(workdir)
    exec(compile(smoke_snippets()[index], f"smoke snippet {index + 1}", "exec"), {})
    out = capsys.readouterr().out
    expected = "✓ InferenceGenerator initialized successfully" if index == 0 else "✓ Safety check: is_safe="
    assert expected in out, out


def test_smoke_snippet_imports_run_in_a_fresh_interpreter() -> None:
    """§6.1 smoke snippet 3: every critical module imports in a fresh `python -c` (the checklist's way)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", smoke_snippets()[2]], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0 and "✓ All critical modules import successfully" in proc.stdout, proc.stderr
