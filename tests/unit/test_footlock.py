"""Foot locking: planted feet stop sliding, legs keep their bone lengths, nothing else moves."""

from __future__ import annotations

import numpy as np
import pytest

from stickgen.core.skeleton import JOINT_INDEX
from stickgen.evaluate.metrics import physical_measures
from stickgen.generate import footlock
from stickgen.generate.footlock import lock_feet, two_bone_ik
from stickgen.generate.smoothing import smooth_motion
from stickgen.synthetic.generated import STANDING

FPS = 20.0
LEGS = footlock._LEGS
LEG_JOINTS = sorted({j for hip, knee, ankle, toe in LEGS for j in (knee, ankle, toe)})
ABOVE = [j for j in range(22) if j not in LEG_JOINTS]  # pelvis, hips, spine, arms, head


def crouched(drop: float = 0.08) -> np.ndarray:
    """The standing adult with everything above the knees lowered by `drop` and the knees re-bent, so
    that the legs can reach forwards and backwards."""
    pose = STANDING.copy()
    pose[ABOVE, 1] -= drop
    down = np.array([0.0, drop, 0.0])
    for hip, knee, ankle, _ in LEGS:  # the whole leg lowered (its lengths), its ankle back on the floor
        new_knee, _ = two_bone_ik(
            pose[None, hip],
            STANDING[None, knee] - down,
            STANDING[None, ankle] - down,
            STANDING[None, ankle],
            np.array([[0, 0, 1.0]]),
        )
        pose[knee] = new_knee[0]
    return pose


def gliding(speed: float, frames: int = 15) -> np.ndarray:
    """The crouched figure carried forwards (+z) at `speed` m/s, feet and all: (T, 1, 22, 3)."""
    clip = np.repeat(crouched()[None], frames, axis=0)
    clip[..., 2] += speed * np.arange(frames)[:, None] / FPS
    return clip[:, None]


def bone(clip: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(clip[..., a, :] - clip[..., b, :], axis=-1)


def test_planted_feet_stop_sliding_and_the_legs_keep_their_lengths() -> None:
    clip = gliding(0.6)  # 0.42 m over the clip: every frame is a sliding contact (> SKID_SPEED_MS)
    out = lock_feet(clip, FPS)
    assert physical_measures([clip], FPS)["foot_skating"][0] == 1.0
    assert physical_measures([out], FPS)["foot_skating"][0] == 0.0
    for hip, knee, ankle, toe in LEGS:
        np.testing.assert_allclose(np.ptp(out[:, 0, toe, [0, 2]], axis=0), 0.0, atol=1e-9)  # held still
        np.testing.assert_allclose(bone(out, hip, knee), bone(clip, hip, knee), atol=1e-9)
        np.testing.assert_allclose(bone(out, knee, ankle), bone(clip, knee, ankle), atol=1e-9)
        np.testing.assert_allclose(bone(out, ankle, toe), bone(clip, ankle, toe), atol=1e-9)
        np.testing.assert_allclose(
            out[..., [ankle, toe], 1], clip[..., [ankle, toe], 1], atol=1e-9
        )  # heights
        # the knee still bends forwards: in front of the hip -> ankle line
        line = out[:, 0, ankle] - out[:, 0, hip]
        along = ((out[:, 0, knee] - out[:, 0, hip]) * line).sum(-1) / (line * line).sum(-1)
        off_line = out[:, 0, knee] - (out[:, 0, hip] + along[:, None] * line)
        assert (off_line[:, 2] > 0).all()
    np.testing.assert_array_equal(out[..., ABOVE, :], clip[..., ABOVE, :])  # the body above the legs stays
    assert out.dtype == clip.dtype


def test_feet_that_move_on_purpose_are_left_alone() -> None:
    fast = gliding(2.0)  # faster than PLANT_SPEED_MS: swept, not planted
    np.testing.assert_array_equal(lock_feet(fast, FPS), fast)
    far = gliding(0.6, frames=30)  # a glide of 0.87 m: holding it would move the foot 0.44 m
    np.testing.assert_array_equal(lock_feet(far, FPS), far)
    np.testing.assert_array_equal(lock_feet(gliding(0.6)[:1], FPS), gliding(0.6)[:1])  # one frame: no contact


def test_the_correction_fades_out_around_a_contact() -> None:
    clip = gliding(0.6, frames=30)
    clip[:10, ..., 1] += 0.3  # in the air before frame 10 and from frame 20 on: one contact, frames 10-19
    clip[20:, ..., 1] += 0.3
    out = lock_feet(clip, FPS)
    changed = np.flatnonzero(np.abs(out - clip).reshape(len(clip), -1).max(axis=1) > 0)
    blend = footlock.BLEND_FRAMES
    assert changed.min() == 10 - blend and changed.max() == 19 + blend
    toe = JOINT_INDEX["left_foot"]
    np.testing.assert_allclose(np.ptp(out[10:20, 0, toe, [0, 2]], axis=0), 0.0, atol=1e-9)
    shift = np.linalg.norm(out[:, 0, toe] - clip[:, 0, toe], axis=-1)
    assert shift[10 - blend] < shift[10 - 1] and shift[20] > shift[19 + blend]  # it fades


def test_a_toe_dipping_to_the_floor_is_held_through_its_contact() -> None:
    """A generated fast gait touches down in a V (0.06, 0.01, 0.05 m: one frame under the quality check's
    contact height): the lock holds the toe's floor position through all three frames, heights as they
    were."""
    clip = gliding(0.6, frames=20)
    lift = np.zeros(20)
    lift[4:9] = lift[12:17] = 0.3  # swings between flat contacts at the floor
    lift[9:12] = [0.06, 0.01, 0.05]
    for _, knee, ankle, foot in LEGS:
        clip[:, 0, [knee, ankle, foot], 1] += lift[:, None]
    out = lock_feet(clip, FPS)
    toe = JOINT_INDEX["left_foot"]
    np.testing.assert_allclose(np.ptp(out[9:12, 0, toe, [0, 2]], axis=0), 0.0, atol=1e-9)  # held
    assert np.ptp(clip[9:12, 0, toe, 2]) > 0.05  # where it slid 6 cm
    np.testing.assert_allclose(out[..., toe, 1], clip[..., toe, 1], atol=1e-9)
    np.testing.assert_array_equal(out[..., ABOVE, :], clip[..., ABOVE, :])


def test_a_filter_does_not_lift_a_fast_foot_off_the_floor() -> None:
    """A sprint's toe is down for two frames at a time; where those frames straddle a patch seam the seam
    filter averages them with the swing around them (a touchdown in a V, 7.5 cm up: no plant). The legs
    of planted feet are put back as decoded; every other value keeps the filter's."""
    clip = gliding(0.0, frames=24)
    clip[..., 2] += 5.0 * np.arange(24)[:, None, None] / FPS  # the body sprints on at 5 m/s
    for (_, knee, ankle, toe), down in zip(LEGS, ((3, 4, 11, 12, 19, 20), (7, 8, 15, 16)), strict=True):
        lift = np.full(24, 0.3)
        lift[list(down)] = 0.0
        clip[:, 0, [knee, ankle, toe], 1] += lift[:, None]
        for a, b in zip(down[::2], down[1::2], strict=True):  # the toe comes straight down and stays
            clip[a - 1 : b + 2, 0, [knee, ankle, toe], 2] = clip[a, 0, [knee, ankle, toe], 2]
    filtered = smooth_motion(clip, patch_frames=4)
    left_toe = JOINT_INDEX["left_foot"]
    assert filtered[3, 0, left_toe, 1] - clip[3, 0, left_toe, 1] > 0.05  # the V
    planted = footlock.planted_legs(clip, FPS)
    assert planted[[3, 4, 11, 12], 0, left_toe].all() and not planted[[2, 5, 7, 8], 0, left_toe].any()
    out = footlock.keep_planted_legs(filtered, clip, FPS)
    np.testing.assert_array_equal(out[planted], clip[planted])
    np.testing.assert_array_equal(out[~planted], filtered[~planted])
    assert out.dtype == filtered.dtype
    with pytest.raises(ValueError, match="planted_legs needs"):
        footlock.planted_legs(clip[:, 0], FPS)


def test_a_long_contact_keeps_its_heights_and_loses_the_seams_shiver() -> None:
    """Put back as decoded, a planted leg kept the patch seams' shiver, and the knees became the jerkiest
    joints. Inside a contact of STEADY_CONTACT_FRAMES or more, the knee and the foot's floor-plane path are
    low-passed over the contact's own frames: the heights stay as decoded (the foot stays down), the first
    and last frame of the contact are kept, and nothing outside the legs changes."""
    clip = gliding(0.0, frames=30)
    seams = np.flatnonzero(np.isin(np.arange(30) % 4, (0, 3)))
    shiver = np.where(np.arange(30) % 2, 0.004, -0.004)[:, None]  # a seam's few millimetres, flipping
    clip[seams[:, None], 0, LEG_JOINTS] += shiver[seams, :, None] * np.array([1.0, 0.3, 1.0])
    filtered = smooth_motion(clip, patch_frames=4)
    planted = footlock.planted_legs(clip, FPS)
    toe = JOINT_INDEX["left_foot"]
    assert planted[:, 0, toe].all() and footlock.STEADY_CONTACT_FRAMES <= 30  # one contact: the whole clip
    out = footlock.keep_planted_legs(filtered, clip, FPS)
    feet = [j for _, _, ankle, toe_ in LEGS for j in (ankle, toe_)]
    np.testing.assert_array_equal(out[:, 0, feet, 1], clip[:, 0, feet, 1])  # heights as decoded
    np.testing.assert_array_equal(out[[0, -1]][:, :, LEG_JOINTS], clip[[0, -1]][:, :, LEG_JOINTS])
    np.testing.assert_array_equal(out[:, 0, ABOVE], filtered[:, 0, ABOVE])
    knees = [knee for _, knee, _, _ in LEGS]

    def shake(x: np.ndarray) -> float:
        return float(np.abs(np.diff(x, n=3, axis=0)).mean())

    assert shake(out[:, 0, knees]) < 0.5 * shake(clip[:, 0, knees])
    assert shake(out[:, 0, feet][..., [0, 2]]) < 0.5 * shake(clip[:, 0, feet][..., [0, 2]])


def test_shapes() -> None:
    clip = gliding(0.6)
    np.testing.assert_array_equal(lock_feet(clip[:, 0], FPS), lock_feet(clip, FPS)[:, 0])
    two = np.concatenate([clip, gliding(2.0)], axis=1)  # actors are locked one by one
    np.testing.assert_array_equal(lock_feet(two, FPS)[:, 1], two[:, 1])
    with pytest.raises(ValueError, match="lock_feet needs"):
        lock_feet(np.zeros((5, 21, 3)), FPS)
