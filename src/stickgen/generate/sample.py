"""Generate canonical joints from a model and conditions (shared by evaluation and inference).

The model's features decode to joint positions, filtered lightly over time at the seams between the
decoder's patches so that they do not shiver (`stickgen.generate.smoothing`; the legs of planted feet stay
as decoded, `stickgen.generate.footlock.keep_planted_legs`, so a fast step's contact is not lifted into a V),
and every generated clip
then has its bones held at one length each (`stickgen.core.skeleton.rigid_bones`): a stick figure whose
limbs stretch is never shown; a figure that sinks is lifted back onto the floor
(`stickgen.generate.floor.onto_floor`); planted feet are then held in place when asked
(`stickgen.generate.footlock.lock_feet`, params `inference.lock_feet`), and two actors' hands that nearly
meet are brought to touching (`stickgen.generate.handmeet.meet_hands`).
The face's features, their expression code held steady over about a second
(`stickgen.generate.smoothing.steady_expression`), decode to a face track whose mouth cycles at the
generated voice's rate (`stickgen.core.face.face_from_features`), timed by the frame rate and phased by
the seed.
"""

from __future__ import annotations

import numpy as np
import torch

from stickgen.core.face import FaceTrack, face_from_features
from stickgen.core.features import FeatureStats, features_to_joints
from stickgen.core.skeleton import rigid_bones
from stickgen.generate.floor import onto_floor
from stickgen.generate.footlock import keep_planted_legs
from stickgen.generate.footlock import lock_feet as hold_planted_feet
from stickgen.generate.handmeet import meet_hands
from stickgen.generate.retime import with_bone_lengths
from stickgen.generate.smoothing import smooth_motion, steady_expression
from stickgen.model.diffusion import Generation, Sampling
from stickgen.model.motion_model import StickFigureModel, split_state
from stickgen.model.named import Named


@torch.no_grad()
def generate_motions(
    model: StickFigureModel,
    stats: FeatureStats,
    text_emb: torch.Tensor,
    lengths: list[int],
    actors: list[int],
    sampling: Sampling | None = None,
    seed: int = 0,
    *,
    fps: float,
    action: torch.Tensor | None = None,
    lock_feet: bool = False,
    generation: Generation | None = None,
    style: torch.Tensor | None = None,
    side: torch.Tensor | None = None,
    named: Named | None = None,
    bf16: bool = False,
) -> list[tuple[np.ndarray, FaceTrack]]:
    """One motion per row of `text_emb` (B, D): a list of (float32 (T_i, A_i, 22, 3) canonical joints, the
    face track sampled with them (`stickgen.core.face`)).

    Args:
        sampling: diffusion refinement settings; None returns the transformer's sample unrefined.
        seed: seeds all the noise: the same seed gives the same motions, another seed other ones.
        action: (B,) optional action ids (0 = unknown); None conditions on text only.
        style: (B,) optional style ids (`stickgen.model.transformer.style_id`; 0 = none); None: no style.
        side: (B,) the side each caption names (`stickgen.model.named.named_side`; 0 = none); None: none
            named (the model draws the leading side from its prior).
        named: the action and pace each caption names (`stickgen.model.memory.named`), for the template's
            choice; None: none named.
        fps: the motion's frame rate (the model's, params `canonical.fps`): the face's mouth cycles and the
            foot lock are timed by it.
        lock_feet: hold planted feet in place; False leaves the feet as generated.
        bf16: the denoiser's passes in bf16 where the device computes it natively
            (`StickFigureModel.generate`); False: float32.
    """
    dev = text_emb.device
    lens = torch.tensor(lengths, device=dev)
    gen = torch.Generator().manual_seed(seed)  # CPU noise: the same motion on every device
    pred = model.generate(
        text_emb.float(),
        lens,
        int(lens.max()),
        actors=torch.tensor(actors, device=dev),
        action=action,
        style=style,
        sampling=sampling,
        generator=gen,
        generation=generation,
        side=side,
        named=named,
        bf16=bf16,
    )  # (B, T, A, STATE_FEATURES)
    motion, face = (x.cpu().numpy() for x in split_state(pred))
    feats = stats.denormalise(motion)
    out = []
    for k, (t, a) in enumerate(zip(lengths, actors, strict=True)):
        joints = decode_joints(feats[k, :t, :a], fps, lock_feet, model.cfg.patch_frames)
        mouth_rng = np.random.default_rng([seed, k])  # the mouth cycles' phases: from the seed too
        steady = steady_expression(face[k, :t, :a], fps)
        out.append((joints.astype(np.float32), face_from_features(steady, fps, mouth_rng)))
    return out


def decode_joints(
    feats: np.ndarray,
    fps: float,
    lock_feet: bool,
    patch_frames: int | None = None,
    kept: np.ndarray | None = None,
    lengths: np.ndarray | None = None,
) -> np.ndarray:
    """(T, A, 66) denormalised features -> (T, A, 22, 3) joints, the decoding of every generation: the
    frames at the decoder's patch seams smoothed (`patch_frames`; None: every frame) except the values
    `kept` marks (a mask like `feats`: given, kept exact), the legs of planted feet as decoded, each bone at
    one length (`lengths` (21,); None: its median over the clip), nothing under the floor, planted feet held
    in place when `lock_feet`, two actors' nearly meeting hands joined."""
    feats = feats.astype(np.float32)
    smoothed = smooth_motion(feats, patch_frames=patch_frames)
    if kept is not None:
        smoothed = np.where(kept, feats, smoothed)
    joints = keep_planted_legs(features_to_joints(smoothed), features_to_joints(feats), fps)
    joints = rigid_bones(joints) if lengths is None else with_bone_lengths(joints, lengths)
    joints = onto_floor(joints, fps)
    if lock_feet:
        joints = hold_planted_feet(joints, fps)
    return meet_hands(joints)


def generate_joints(*args, **kwargs) -> list[np.ndarray]:
    """`generate_motions` (same arguments) without the faces: a list of float32 (T_i, A_i, 22, 3) joints."""
    return [joints for joints, _ in generate_motions(*args, **kwargs)]
