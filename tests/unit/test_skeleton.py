"""Skeleton geometry: mirror, projection, facing and the canonical frame."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import standing_body

from stickgen.core import skeleton as sk


def test_bones_form_a_tree_rooted_at_the_pelvis() -> None:
    assert len(sk.BONES) == sk.NUM_JOINTS - 1
    assert all(p < c for p, c in sk.BONES)


def test_mirror_swaps_sides_and_is_an_involution() -> None:
    body = standing_body()
    m = sk.mirror(body)
    lw, rw = sk.JOINT_INDEX["left_wrist"], sk.JOINT_INDEX["right_wrist"]
    assert m[lw, 0] > 0 and np.allclose(m[lw], body[lw])  # symmetric body maps onto itself
    np.testing.assert_allclose(sk.mirror(m), body)
    moved = body.copy()
    moved[rw, 1] += 0.5  # raise the right hand
    assert sk.mirror(moved)[lw, 1] > sk.mirror(moved)[rw, 1]


def test_front_view_shows_height_upwards_and_left_side_on_screen_right() -> None:
    body = standing_body()
    xy = sk.project(body)
    assert xy[sk.HEAD, 1] > xy[sk.JOINT_INDEX["left_ankle"], 1]  # not projected onto the floor plane
    assert xy[sk.JOINT_INDEX["left_wrist"], 0] > xy[sk.JOINT_INDEX["right_wrist"], 0]
    side = sk.project(body, azimuth_deg=90.0)  # from the figure's left: depth (Z) becomes screen x
    assert abs(side[sk.JOINT_INDEX["left_wrist"], 0] - side[sk.JOINT_INDEX["right_wrist"], 0]) < 0.05


def test_segment_layouts_have_48_and_20_values() -> None:
    xy = sk.project(np.repeat(standing_body()[None], 5, axis=0))
    assert sk.segments(xy, "v3").shape == (5, 48)
    assert sk.segments(xy, "legacy").shape == (5, 20)


def test_to_canonical_frame_faces_plus_z_at_origin_on_the_floor() -> None:
    body = standing_body()
    rot = sk.rotation_y(np.deg2rad(130.0))
    clip = (body @ rot.T + np.array([3.0, 0.7, -2.0]))[None, None].repeat(4, axis=0)
    out = sk.to_canonical_frame(clip)
    assert abs(sk.facing_yaw(out[0, 0])) < 1e-5
    assert np.allclose(out[0, 0, sk.PELVIS, [0, 2]], 0.0, atol=1e-6)
    assert abs(out[:, :, sk.FOOT_JOINTS, 1].min()) < 1e-6
    assert out[0, 0, sk.JOINT_INDEX["left_wrist"], 0] > 0  # left side is +X


def test_rigid_bones_holds_each_bone_at_its_median_length_and_keeps_directions() -> None:
    from stickgen.core.skeleton import BONES, rigid_bones

    rng = np.random.default_rng(0)
    base = standing_body()
    clip = np.stack([base + rng.normal(0, 0.03, base.shape) for _ in range(30)])[:, None]  # (30, 1, 22, 3)
    out = rigid_bones(clip)
    assert out.shape == clip.shape and out.dtype == clip.dtype
    np.testing.assert_allclose(out[..., 0, :], clip[..., 0, :])  # the root stays
    for p, c in BONES:
        before = np.linalg.norm(clip[..., c, :] - clip[..., p, :], axis=-1)
        after = np.linalg.norm(out[..., c, :] - out[..., p, :], axis=-1)
        np.testing.assert_allclose(after, np.median(before, axis=0)[None].repeat(30, 0), rtol=1e-5)
        cos = np.sum((out[..., c, :] - out[..., p, :]) * (clip[..., c, :] - clip[..., p, :]), -1) / (
            after * before
        )
        assert cos.min() > 1 - 1e-5
    rigid = np.repeat(base[None, None], 5, axis=0)
    np.testing.assert_allclose(rigid_bones(rigid), rigid, atol=1e-6)  # a rigid clip is left alone
    with pytest.raises(ValueError, match="rigid_bones needs"):
        rigid_bones(np.zeros((5, 21, 3)))
