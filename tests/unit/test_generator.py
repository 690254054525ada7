"""InferenceGenerator on a tiny trained checkpoint: shapes, determinism, refusals, the safety loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from inferkit import TINY_STYLES, FakeEncoder, ScriptedCritic, cached_checkpoint

from stickgen.generate.footlock import lock_feet
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.headcount import infer_num_actors
from stickgen.generate.motion import Motion
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.generate.together import MAX_TOGETHER
from stickgen.model.diffusion import Sampling

PROMPT = "a person walks at speed 1.0"


@pytest.fixture(scope="module")
def fake_checkpoint(tmp_path_factory):
    return cached_checkpoint(tmp_path_factory, "fake")


def _gen(ckpt, use_diffusion=True, lock_feet=True, encoder=None, **checks) -> InferenceGenerator:
    """The checkpoint on the CPU, refined with 3 steps (none without diffusion), without the safety check
    unless `safety=True`; other keywords are `Checks`'."""
    checks.setdefault("safety", False)
    sampling = SamplingSettings(refinement=Sampling(steps=3) if use_diffusion else None, lock_feet=lock_feet)
    return InferenceGenerator(ckpt, sampling, Checks(**checks), Runtime("cpu", encoder or FakeEncoder()))


def test_generate_returns_canonical_joints_fps_and_meta(fake_checkpoint) -> None:
    gen = _gen(fake_checkpoint)
    m = gen.generate(PROMPT, duration_s=1.5, seed=5)
    assert isinstance(m, Motion) and m.joints.shape == (30, 1, 22, 3) and m.joints.dtype == np.float32
    assert m.fps == 20.0 and np.isfinite(m.joints).all() and m.prompt == PROMPT
    assert m.joints[..., 1].min() >= -1e-5  # an untrained model's figure too stays on the floor
    assert (
        m.meta["seed"] == 5
        and m.meta["model"]["variant"] == "tiny"
        and m.meta["model"]["phase"] == "pretrain"
    )
    assert m.meta["text_encoder"] == {"name": "fake-hash", "dim": 16}
    assert m.meta["use_diffusion"] and m.meta["diffusion"]["steps"] == 3 and not m.meta["flagged"]
    two = gen.generate(PROMPT, duration_s=1.0, num_actors=2, seed=5)
    assert two.joints.shape == (20, 2, 22, 3)


def test_a_seed_reproduces_a_motion_other_seeds_give_others_and_diffusion_changes_it(fake_checkpoint) -> None:
    """The transformer samples: with or without the refiner, the same seed gives the same motion and
    another seed another one."""
    for use_diffusion in (True, False):
        gen = _gen(fake_checkpoint, use_diffusion=use_diffusion)
        a, b = gen.generate(PROMPT, 1.0, seed=1), gen.generate(PROMPT, 1.0, seed=1)
        np.testing.assert_array_equal(a.joints, b.joints)
        assert not np.allclose(a.joints, gen.generate(PROMPT, 1.0, seed=2).joints)
        assert a.meta["generation"] == {"steps": 3, "guidance_scale": 1.25, "guidance_rescale": 1.0}
    refined = _gen(fake_checkpoint).generate(PROMPT, 1.0, seed=1)
    plain = _gen(fake_checkpoint, use_diffusion=False).generate(PROMPT, 1.0, seed=1)
    assert plain.meta["diffusion"] is None and not np.allclose(refined.joints, plain.joints)


def test_bf16_sampling_where_the_device_computes_it_natively(fake_checkpoint, monkeypatch) -> None:
    """`Runtime.bf16` (params `inference.bf16`): the model samples under bf16 autocast where the device
    computes bf16 natively (forced here, so that any CPU runs the path, emulated where not native): the
    denoiser's passes, not the side's draw or the template's retrieval; float32 where it does not or where
    asked so; `meta["precision"]` says which. In bf16 too a seed gives the same
    motion, and the motion is the float32 one within bf16's rounding."""
    import stickgen.core.device as device
    import stickgen.generate.generator as generator

    for module in (device, generator):
        monkeypatch.setattr(module, "native_bf16", lambda dev: True)
    plain = InferenceGenerator(
        fake_checkpoint, checks=Checks(safety=False), runtime=Runtime("cpu", FakeEncoder(), bf16=False)
    )
    half = InferenceGenerator(
        fake_checkpoint, checks=Checks(safety=False), runtime=Runtime("cpu", FakeEncoder())
    )
    seen, drawn_under = [], []
    hook = half.model.transformer.head.register_forward_hook(lambda mod, args, out: seen.append(out.dtype))
    for owner, name in (
        (half.model.transformer.memory, "choose"),
        (half.model.transformer.side_prior, "choose"),
    ):
        draw = getattr(owner, name)

        def spy(*args, _draw=draw, **kwargs):
            drawn_under.append(torch.is_autocast_enabled("cpu"))
            return _draw(*args, **kwargs)

        monkeypatch.setattr(owner, name, spy)
    a, b = (half.generate(PROMPT, 1.0, seed=1) for _ in range(2))
    hook.remove()
    assert drawn_under and not any(drawn_under)  # the clip and the side are drawn in float32
    f = plain.generate(PROMPT, 1.0, seed=1)
    np.testing.assert_array_equal(a.joints, b.joints)
    assert seen and set(seen) == {torch.bfloat16}
    assert a.meta["precision"] == "bf16" and f.meta["precision"] == "float32" and a.joints.dtype == np.float32
    assert not np.array_equal(a.joints, f.joints) and np.abs(a.joints - f.joints).max() < 0.05
    for module in (device, generator):
        monkeypatch.setattr(module, "native_bf16", lambda dev: False)
    emulated = InferenceGenerator(
        fake_checkpoint, checks=Checks(safety=False), runtime=Runtime("cpu", FakeEncoder())
    )
    assert emulated.generate(PROMPT, 1.0, seed=1).meta["precision"] == "float32"
    np.testing.assert_array_equal(emulated.generate(PROMPT, 1.0, seed=1).joints, f.joints)


def test_planted_feet_are_locked_unless_turned_off(fake_checkpoint) -> None:
    """The generator's motion is the model's, rigid, then through `lock_feet` (params inference.lock_feet)."""
    held = 0
    for seed, seconds in enumerate((1.0, 3.0)):
        locked = _gen(fake_checkpoint, use_diffusion=False).generate(PROMPT, seconds, seed=seed)
        free = _gen(fake_checkpoint, False, lock_feet=False).generate(PROMPT, seconds, seed=seed)
        assert locked.meta["lock_feet"] and not free.meta["lock_feet"]
        np.testing.assert_array_equal(locked.joints, lock_feet(free.joints, free.fps))
        held += not np.array_equal(locked.joints, free.joints)
    assert held  # this model glides its feet on the ground: over 1 s, too little to count as a slide


@pytest.mark.parametrize(
    ("prompt", "reason"),
    [
        ("", "prompt is empty"),
        ("   \n\t ", "prompt is empty"),
        ("x" * 501, "prompt is too long: 501 characters, the limit is 500"),
        (42, "prompt must be a string, got int"),
        (None, "prompt must be a string, got NoneType"),
        ("?!...", "prompt has no letters or digits"),
    ],
)
def test_bad_prompts_are_refused_with_the_reason(fake_checkpoint, prompt, reason) -> None:
    with pytest.raises(ValueError, match=reason):
        _gen(fake_checkpoint).generate(prompt, 1.0, seed=0)


def test_bad_durations_and_actor_counts_are_refused(fake_checkpoint) -> None:
    gen = _gen(fake_checkpoint)  # max_frames 64 at 20 fps
    with pytest.raises(ValueError, match=r"at most 64 frames \(3.2 s at 20 fps\)"):
        gen.generate(PROMPT, duration_s=10.0)
    with pytest.raises(ValueError, match="duration_s must be a number > 0"):
        gen.generate(PROMPT, duration_s=-1)
    with pytest.raises(ValueError, match=r"num_actors must be in 1..2 for 'two people shake hands', got 3"):
        gen.generate("two people shake hands", 1.0, num_actors=3)  # an interaction: the model's count
    with pytest.raises(ValueError, match=r"num_actors must be in 1..8 for 'a person jumps', got 9"):
        gen.generate("a person jumps", 1.0, num_actors=9)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="num_actors must be an integer of at least 1"):
            gen.generate(PROMPT, 1.0, num_actors=bad)


def test_the_actor_count_follows_the_prompt_when_not_given(fake_checkpoint) -> None:
    assert infer_num_actors("two people dance together", 1) == 1  # the model's limit (test_headcount.py)
    assert _gen(fake_checkpoint).generate("a person waves with both hands", 1.0, seed=0).actors == 1
    assert _gen(fake_checkpoint).generate("they high five each other", 1.0, seed=0).actors == 2


def test_a_counted_group_doing_what_one_does_is_made_actor_by_actor(fake_checkpoint) -> None:
    """The model makes at most 2 actors in one motion; people each doing what one person does are made one
    by one and placed side by side (`together`), as many as the prompt counts (up to MAX_TOGETHER), or as
    `num_actors` asks. An interaction stays at the model's count."""
    gen = _gen(fake_checkpoint)
    three = gen.generate("three people jump", 1.0, seed=0)
    assert three.actors == 3 and three.joints.shape[1] == 3 and three.meta["together"]["placement"] == "side"
    pelvis = three.joints[0, :, 0][:, [0, 2]]
    assert min(np.linalg.norm(pelvis[a] - pelvis[b]) for a, b in ((0, 1), (1, 2), (0, 2))) > 0.9
    assert gen.generate("a person waves", 1.0, num_actors=4, seed=0).actors == 4
    assert gen.actors_for("100 people jump", None) == MAX_TOGETHER
    assert gen.generate("five friends shake hands", 1.0, seed=0).actors == 2


def test_a_text_encoder_other_than_the_checkpoints_is_refused(fake_checkpoint) -> None:
    with pytest.raises(
        ValueError, match="text encoder mismatch .* built with 'fake-hash' \\(16-d\\), but 'other'"
    ):
        _gen(fake_checkpoint, encoder=FakeEncoder(name="other"))
    with pytest.raises(ValueError, match="text encoder mismatch"):
        InferenceGenerator(
            fake_checkpoint, checks=Checks(safety=False), runtime=Runtime(encoder=FakeEncoder(dim=32))
        )


def test_a_rejected_motion_is_regenerated_with_the_next_seed(fake_checkpoint) -> None:
    critic = ScriptedCritic(reject=1)
    m = _gen(fake_checkpoint, safety=True, critic=critic, max_regenerations=2).generate(PROMPT, 1.0, seed=10)
    assert (
        len(critic.calls) == 2
        and critic.calls[0]["fps"] == 20.0
        and critic.calls[0]["shape"] == (20, 1, 22, 3)
    )
    assert m.meta["attempts"] == 2 and not m.meta["flagged"] and m.meta["seed"] == 11
    assert [h["seed"] for h in m.meta["safety_history"]] == [10, 11] and m.meta["safety"]["is_safe"]
    np.testing.assert_array_equal(m.joints, _gen(fake_checkpoint).generate(PROMPT, 1.0, seed=11).joints)


def test_after_max_regenerations_the_last_motion_is_returned_flagged(fake_checkpoint) -> None:
    critic = ScriptedCritic(reject=99)
    m = _gen(fake_checkpoint, safety=True, critic=critic, max_regenerations=2).generate(PROMPT, 1.0, seed=0)
    assert len(critic.calls) == 3 and m.meta["attempts"] == 3 and m.meta["flagged"]
    assert m.meta["safety"]["checks"]["scripted"]["reason"] == "scripted rejection"
    np.testing.assert_array_equal(m.joints, _gen(fake_checkpoint).generate(PROMPT, 1.0, seed=2).joints)
    # without the refiner a new seed is still a new sample: the same regenerations
    critic = ScriptedCritic(reject=99)
    plain = _gen(fake_checkpoint, use_diffusion=False, safety=True, critic=critic)
    m = plain.generate(PROMPT, 1.0, seed=0)
    assert len(critic.calls) == 3 and m.meta["flagged"] and m.meta["seed"] == 2


def test_check_motion_safety_returns_the_critics_verdict(fake_checkpoint) -> None:
    gen = _gen(fake_checkpoint, critic=ScriptedCritic(reject=1))
    m = gen.generate(PROMPT, 1.0, seed=0)
    assert gen.check_motion_safety(m)["is_safe"] is False and gen.check_motion_safety(m)["is_safe"] is True


def test_the_default_critic_is_the_projects_safety_critic_at_the_models_fps(fake_checkpoint) -> None:
    from stickgen.core.safety import SafetyCritic

    gen = InferenceGenerator(
        fake_checkpoint,
        SamplingSettings(refinement=Sampling(steps=2)),
        runtime=Runtime(encoder=FakeEncoder()),
    )
    assert isinstance(gen.critic, SafetyCritic) and gen.critic.fps == gen.fps
    m = gen.generate(PROMPT, 1.0, seed=0)
    assert m.meta["safety_checked"] and isinstance(m.meta["safety"]["is_safe"], bool)


def test_an_action_and_a_style_condition_the_motion_and_are_recorded(fake_checkpoint) -> None:
    gen = _gen(fake_checkpoint)
    plain = gen.generate(PROMPT, duration_s=1.0, seed=3)
    styled = gen.generate(PROMPT, duration_s=1.0, seed=3, style="Proud")
    acted = gen.generate(PROMPT, duration_s=1.0, seed=3, action="wave")
    assert plain.meta["style"] is None and styled.meta["style"] == "Proud" and acted.meta["action"] == "wave"
    assert not np.allclose(plain.joints, styled.joints) and not np.allclose(plain.joints, acted.joints)
    # a style is its name, whatever the case and spacing (stickgen.model.transformer.style_id)
    again = gen.generate(PROMPT, duration_s=1.0, seed=3, style="  proud ")
    np.testing.assert_array_equal(again.joints, styled.joints)
    with pytest.raises(ValueError, match="style must be a string, got int"):
        gen.generate(PROMPT, duration_s=1.0, style=3)
    for none in ("", "   "):  # no style, as None
        unstyled = gen.generate(PROMPT, duration_s=1.0, seed=3, style=none)
        assert unstyled.meta["style"] is None
        np.testing.assert_array_equal(unstyled.joints, plain.joints)


def test_a_style_the_model_was_not_trained_with_is_refused_naming_those_it_knows(
    fake_checkpoint, tmp_path
) -> None:
    """Every name hashes to some style row (`style_id`); one no training clip used is an untrained
    embedding, so the checkpoint records its training styles and the generator refuses any other. A
    checkpoint from before they were recorded takes any name, as it did."""
    gen = _gen(fake_checkpoint, use_diffusion=False)
    assert gen.checkpoint["config"]["styles"] == sorted(TINY_STYLES)
    assert gen.generate(PROMPT, duration_s=1.0, seed=3, style="old ").meta["style"] == "old"
    with pytest.raises(
        ValueError, match=r"style 'Zombie' is not one this model was trained with; it knows 2: Old, Proud"
    ):
        gen.generate(PROMPT, duration_s=1.0, seed=3, style="Zombie")
    ckpt = torch.load(fake_checkpoint, weights_only=False)
    for styles, name in (([], "none.pth"), (None, "older.pth")):
        config = {k: v for k, v in ckpt["config"].items() if k != "styles"}
        torch.save(
            {**ckpt, "config": config if styles is None else {**config, "styles": styles}}, tmp_path / name
        )
    with pytest.raises(ValueError, match="trained without styles; leave the style out"):
        _gen(tmp_path / "none.pth", use_diffusion=False).generate(PROMPT, 1.0, seed=3, style="Proud")
    older = _gen(tmp_path / "older.pth", use_diffusion=False).generate(PROMPT, 1.0, seed=3, style="Zombie")
    assert older.meta["style"] == "Zombie"


def test_a_duration_is_any_real_number_in_range_numpys_too(fake_checkpoint) -> None:
    """np.float32(1.0) was refused as "must be a number > 0, got np.float32(1.0)"; inf and 1e308 ended in an
    OverflowError."""
    import numpy as np

    gen = _gen(fake_checkpoint, use_diffusion=False)
    assert gen.generate("a person walks", np.float32(1.0), seed=1).frames == 20
    for bad in (float("inf"), 1e308, float("nan"), "1", True):
        with pytest.raises(ValueError, match=r"duration_s must be a number > 0 \(seconds\)"):
            gen.generate("a person walks", bad, seed=1)
