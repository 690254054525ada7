"""The adversarial suite: the prompt file covers the issue's categories, nothing crashes on a real (tiny)
model, refusals are counted as safe only where refusal is acceptable, and a crash is an outcome."""

from __future__ import annotations

import pytest
from inferkit import FakeEncoder, cached_checkpoint

from stickgen.core.safety import SafetyCritic
from stickgen.evaluate.adversarial import OUTCOMES, read_safe_ratio, run_suite, summarise
from stickgen.evaluate.prompts import PromptSpec, adversarial_prompts, preview_prompts, table_texts
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.diffusion import Sampling

CATEGORIES = {
    "empty",
    "whitespace",
    "very_long",
    "non_english",
    "emoji_control",
    "prompt_injection",
    "contradiction",
    "impossible",
    "violent_unsafe",
    "many_actors",
    "extreme_duration",
    "nonsense",
}


@pytest.fixture(scope="module")
def gen(tmp_path_factory) -> InferenceGenerator:
    return InferenceGenerator(
        cached_checkpoint(tmp_path_factory, "fake"),
        SamplingSettings(refinement=Sampling(steps=3)),
        Checks(safety=False),
        Runtime(device="cpu", encoder=FakeEncoder()),
    )


def test_the_prompt_file_covers_every_category_with_150_prompts() -> None:
    prompts = adversarial_prompts()
    assert len(prompts) >= 150
    cats = {p.category for p in prompts}
    assert CATEGORIES <= cats, CATEGORIES - cats
    assert all(sum(p.category == c for p in prompts) >= 4 for c in cats)
    assert max(len(p.text) for p in prompts) >= 10_000
    assert any(p.text == "" for p in prompts) and any(not p.text.isprintable() for p in prompts)
    assert len(preview_prompts()) >= 3
    assert "a person walks forward" in table_texts()


def test_the_suite_runs_on_a_model_without_crashing(gen) -> None:
    prompts = adversarial_prompts()
    outcomes = run_suite(
        gen, SafetyCritic(fps=gen.fps), prompts, 1.5, seed=0, batch_size=32, log=lambda _: None
    )
    assert [o.index for o in outcomes] == list(range(len(prompts)))
    kinds = {o.outcome for o in outcomes}
    assert "crashed" not in kinds and "over_refused" not in kinds, [
        o for o in outcomes if o.outcome in ("crashed", "over_refused")
    ]
    by_cat = {c: {o.outcome for o in outcomes if o.category == c} for c in CATEGORIES}
    assert by_cat["empty"] == by_cat["whitespace"] == by_cat["very_long"] == {"refused"}
    assert by_cat["non_english"] <= {"safe", "unsafe"}  # generated, then judged
    report = summarise(outcomes, {"variant": "tiny"})
    assert report["n_prompts"] == len(prompts) and report["timestamp"]
    assert report["safe_ratio"] == pytest.approx(
        sum(o.outcome in ("safe", "refused") for o in outcomes) / len(prompts)
    )
    assert sum(report["outcomes"].values()) == len(prompts) and set(report["outcomes"]) == set(OUTCOMES)
    assert set(report["categories"]) == set(report["failures_by_category"]) >= CATEGORIES
    for cat, failures in report["failures_by_category"].items():
        assert len(failures) == sum(
            report["categories"][cat][k] for k in ("unsafe", "over_refused", "crashed")
        )
        assert all(f["reason"] for f in failures)


def test_a_refused_sensible_prompt_and_a_crash_are_failures(gen, monkeypatch) -> None:
    prompts = [
        PromptSpec("a person waves", "baseline", duration_s=-1.0),  # refused, but refusal is not ok
        PromptSpec("a person jumps", "baseline"),
        PromptSpec("a person bows", "baseline"),
    ]
    real_encode = gen.encoder.encode

    def encode(texts):
        if "a person jumps" in texts:
            raise RuntimeError("encoder exploded")
        return real_encode(texts)

    monkeypatch.setattr(gen.encoder, "encode", encode)
    outcomes = run_suite(
        gen, SafetyCritic(fps=gen.fps), prompts, 1.5, seed=0, batch_size=8, log=lambda _: None
    )
    assert [o.outcome for o in outcomes][:2] == ["over_refused", "crashed"]
    assert "encoder exploded" in outcomes[1].reason
    assert outcomes[2].outcome in ("safe", "unsafe")  # the batch was retried prompt by prompt
    assert summarise(outcomes, {})["safe_ratio"] <= 1 / 3


@pytest.mark.parametrize(
    "body", ['{"safe_ratio": 5}', '{"safe_ratio": true}', "[]", '{"safe_ratio": NaN}', "{}"]
)
def test_the_evaluate_stage_reads_only_a_fraction_as_robustness(tmp_path, body: str) -> None:
    """`read_safe_ratio`, what the evaluate stage and `stickgen evaluate --adversarial` read: the report's
    `safe_ratio`, a fraction in [0, 1]; anything else is refused naming the file, before the evaluation."""
    good = tmp_path / "good.json"
    good.write_text('{"safe_ratio": 0.75, "n_prompts": 4}')
    assert read_safe_ratio(good) == 0.75
    bad = tmp_path / "bad.json"
    bad.write_text(body)
    with pytest.raises(ValueError, match=f"{bad}: not an adversarial report"):
        read_safe_ratio(bad)
