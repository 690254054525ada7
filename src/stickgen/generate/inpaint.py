"""Constrained sampling (inpainting): a motion that takes given values where a mask keeps them.

The sampler is the model's own (`StickFigureModel.generate`: DDIM over the transformer with classifier-free
guidance, then the optional diffusion refiner), with one change, as MDM in-betweens: before every network
pass the kept entries of the diffusion state are replaced by the known motion noised to the state's level,
x_t = sqrt(abar(t)) known + sqrt(1 - abar(t)) eps, with eps the sample's own starting noise (one draw, so
the kept entries follow the DDIM path a perfect model would give them). Replacing them before the pass at
level t is the same as replacing them after the step that reached t: `ddim`'s update of the free entries
uses only their own values and the prediction (`stickgen.model.diffusion.ddim`).

The final prediction then takes the known values exactly where kept, and the free frames are corrected to
meet them (`blend_kept`). Measured on a trained model, the prediction does not reproduce the kept frames
exactly (a few to 30 cm off across a change of text) and its step across a kept block's edge is its least
reliable one (the patches on either side saw different inputs), so the correction makes the first free frame
continue the last kept one by the model's own next step inside the free frames, and fades that offset out
over `fade_frames` frames; on the root's floor-plane position the offset is a translation of the rest of
the path and is carried (interpolated linearly between two kept blocks). The patches after a kept block
can also jump at their own edges when the text changes there, so the free frames within `fade_frames` of a
kept block are low-passed in time, fully next to it and less further away (`smooth_edges`). On the
format-4 small checkpoint, over 6 seeds of two timelines, fading over 1 s instead of 0.5 s and the
low-pass brought the fastest joint's speed in the second after a transition from 2.2x to 1.1x
(three-span timeline) and from 5.4x to 2.8x (walk then dance) of the 99th percentile elsewhere.

With an empty mask the sampler draws the same noise in the same order as `StickFigureModel.generate` and
returns the same motion (tests/unit/test_directed.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from stickgen.core.device import autocast
from stickgen.core.features import FEATURES_PER_ACTOR, STATE_FEATURES
from stickgen.model.diffusion import Denoiser, Generation, Sampling, ddim, noise_like, repeat_batch
from stickgen.model.motion_model import StickFigureModel, guidance_per_feature, split_state
from stickgen.model.named import Named
from stickgen.model.noise import add_noise
from stickgen.model.transformer import ROOT_XZ

EDGE_SIGMA = 2.0  # frames: the low-pass of `smooth_edges`
FADE_FRAMES = 20  # frames over which a kept block's offset fades into the free frames (1 s at 20 fps)


def keep_known(denoise: Denoiser, known: torch.Tensor, mask: torch.Tensor, noise: torch.Tensor) -> Denoiser:
    """`denoise(x, t, drop)` that first replaces the kept entries of x by `known` noised to level t.

    Args:
        denoise: the network pass `ddim` calls: (x (kB, ...), t (kB,), drop (kB,) or None) -> x0.
        known: (B, T, A, 66) normalised values to keep.
        mask: (B, T, A, 66) bool, True where kept (broadcastable to `known`).
        noise: (B, T, A, 66) the noise the known values are noised with (the sample's starting noise).
    """

    def constrained(x: torch.Tensor, t: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
        k = x.shape[0] // known.shape[0]  # the guided branches are stacked along the batch
        noised = add_noise(repeat_batch(known, k), repeat_batch(noise, k), t)
        return denoise(torch.where(repeat_batch(mask, k), noised, x), t, drop)

    return constrained


def blend_kept(
    pred: torch.Tensor,
    known: torch.Tensor,
    mask: torch.Tensor,
    fade_frames: int = FADE_FRAMES,
    model_step: bool = True,
) -> torch.Tensor:
    """`pred` (B, T, A, 66) with `known` where `mask` keeps it and the free frames corrected to meet it.

    Per feature column, a free frame is moved by the offset that puts the first free frame after the kept
    block before it one model step (pred[f + 1] - pred[f]) from that block's last frame, and by the offset
    that puts the last free frame before the next kept block one model step from that block's first frame;
    the two are weighted by where the frame lies between the blocks and faded linearly to zero
    `fade_frames` frames from them, except on the root's x/z (`ROOT_XZ`), a translation of the path, which
    is carried unfaded. With `model_step` False the offsets are the plain residuals (known - pred) at the
    blocks' edge frames (for a `pred` whose step across the edge is trusted).
    """
    b, n, a, f = pred.shape
    mask = mask.expand_as(pred)
    idx = torch.arange(n, device=pred.device).view(1, n, 1, 1).expand_as(pred)
    prev = torch.where(mask, idx, torch.full_like(idx, -1)).cummax(dim=1).values  # last kept frame <= i
    nxt = torch.where(mask, idx, torch.full_like(idx, n)).flip(1).cummin(dim=1).values.flip(1)  # first >= i
    has_prev, has_next = prev >= 0, nxt < n
    # the first free frame after a kept block continues it by the model's step inside the free frames (the
    # step across the block's edge is the model's least reliable: its patches there see different inputs)
    ahead = torch.cat(
        [pred[:, 1:] - pred[:, :-1], torch.zeros_like(pred[:, :1])], dim=1
    )  # pred[i+1] - pred[i]
    behind = torch.cat(
        [torch.zeros_like(pred[:, :1]), pred[:, 1:] - pred[:, :-1]], dim=1
    )  # pred[i] - pred[i-1]
    first = (prev + 1).clamp(max=n - 1)  # the free frame after the block before
    last = (nxt - 1).clamp(min=0)  # the free frame before the block after
    k_prev, k_next = known.gather(1, prev.clamp(min=0)), known.gather(1, nxt.clamp(max=n - 1))
    if model_step:
        r_prev = k_prev + ahead.gather(1, first) - pred.gather(1, first)
        r_next = k_next - behind.gather(1, last) - pred.gather(1, last)
    else:
        r_prev = k_prev - pred.gather(1, prev.clamp(min=0))
        r_next = k_next - pred.gather(1, nxt.clamp(max=n - 1))
    d_prev, d_next = (idx - prev).to(pred.dtype), (nxt - idx).to(pred.dtype)
    carry = torch.zeros(f, dtype=torch.bool, device=pred.device)
    carry[list(ROOT_XZ)] = True
    carry = carry.view(1, 1, 1, f)

    def fade(d: torch.Tensor) -> torch.Tensor:
        faded = (1 - (d - 1) / max(fade_frames, 1)).clamp(0, 1)
        return torch.where(carry, torch.ones_like(faded), faded)

    s = d_prev / (d_prev + d_next).clamp(min=1)  # 0 at the block before, 1 at the block after
    w_prev = torch.where(has_next, 1 - s, torch.ones_like(s)) * fade(d_prev) * has_prev
    w_next = torch.where(has_prev, s, torch.ones_like(s)) * fade(d_next) * has_next
    return torch.where(mask, known, pred + w_prev * r_prev + w_next * r_next)


def smooth_edges(
    motion: torch.Tensor, mask: torch.Tensor, fade_frames: int = FADE_FRAMES, sigma: float | None = None
) -> torch.Tensor:
    """`motion` (B, T, A, 66) low-passed in time on the free frames near a kept block, the kept ones as
    they are: a free frame `d` frames from a block takes (1 - d / (fade_frames + 1)) of its Gaussian
    average (`sigma` frames) over its neighbours, kept frames included.

    The patches next to a kept block see both the kept frames and their own noisy state, and with a
    change of text a trained model's prediction can jump at their edges (a wrist 0.47 m in one frame,
    10 m/s, where the motion inside the windows peaks at 4.7 m/s); the low-pass spreads such a jump over
    a few frames and leaves smooth motion nearly unchanged (sigma 2 frames: 0.1 s at 20 fps).
    """
    b, n, a, f = motion.shape
    mask = mask.expand_as(motion)
    kept = mask.any(dim=(2, 3))[0] if b == 1 else mask.any(dim=(0, 2, 3))  # (T,) frames with anything kept
    sigma = EDGE_SIGMA if sigma is None else sigma
    if fade_frames < 1 or sigma <= 0 or not kept.any() or kept.all():
        return motion
    idx = torch.arange(n, device=motion.device)
    where = torch.where(kept, idx, torch.full_like(idx, -(10**6)))
    prev = where.cummax(0).values
    nxt = torch.where(kept, idx, torch.full_like(idx, 10**6)).flip(0).cummin(0).values.flip(0)
    dist = torch.minimum(idx - prev, nxt - idx).to(motion.dtype)  # frames to the nearest kept frame
    weight = (1 - dist / (fade_frames + 1)).clamp(0, 1) * ~kept  # (T,)
    radius = max(1, int(3 * sigma))
    taps = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, device=motion.device) / sigma) ** 2)
    taps = (taps / taps.sum()).to(motion.dtype)
    flat = motion.permute(0, 2, 3, 1).reshape(-1, 1, n)  # (B*A*66, 1, T)
    padded = torch.nn.functional.pad(flat, (radius, radius), mode="replicate")
    low = torch.nn.functional.conv1d(padded, taps.view(1, 1, -1)).reshape(b, a, f, n).permute(0, 3, 1, 2)
    w = weight.view(1, n, 1, 1)
    return torch.where(mask, motion, (1 - w) * motion + w * low)


def leading_kept(mask: torch.Tensor) -> int:
    """How many frames from the start `mask` (B, T, A, 66) keeps whole for the first actor in every row: a
    continuation's kept frames, which its template waits out (`retrieve`'s `lead_in`)."""
    whole = mask[:, :, 0].all(dim=-1).all(dim=0)  # (T,)
    return int(whole.long().cumprod(0).sum())


@torch.no_grad()
def sample_constrained(
    model: StickFigureModel,
    text_emb: torch.Tensor,
    n_frames: int,
    known: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
    *,
    actors: torch.Tensor | None = None,
    action: torch.Tensor | None = None,
    style: torch.Tensor | None = None,
    side: torch.Tensor | None = None,
    named: Named | None = None,
    lead: torch.Tensor | None = None,
    generation: Generation | None = None,
    sampling: Sampling | None = None,
    generator: torch.Generator | None = None,
    fade_frames: int = FADE_FRAMES,
    bf16: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`StickFigureModel.generate` with the entries `mask` keeps taken from `known`.

    Args:
        text_emb: (B, text_dim) caption embeddings; the motions are `n_frames` long (<= max_frames).
        known: (B, n_frames, max_actors, 66) normalised features to keep (None: nothing kept).
        mask: bool, broadcastable to `known`: True where kept (e.g. (B, T, 1, 1) for whole frames, or only
            the root's x/z columns for a floor path).
        side: (B,) the side each caption names (0 = none), as `generate` takes it.
        named: the action and pace each caption names, for the template, as `generate` takes it.
        lead: (B,) the leading side already chosen (e.g. by an earlier window of the same span); None
            chooses it from `side` and the model's prior with `generator`, as `generate` does.
        generator: the source of all noise: the same seed gives the same motion.
        bf16: the denoiser's passes in bf16 where native, as `generate` takes it.

    Returns:
        ((B, n_frames, max_actors, 66) normalised features equal to `known` where kept, (B,) the leading
        side used). The face the model samples with the motion is not returned: directed timelines
        carry no face yet.
    """
    generation = generation or Generation()
    was_training = model.training
    model.eval()
    tf, b, dev = model.transformer, text_emb.shape[0], text_emb.device
    shape = (b, n_frames, model.cfg.max_actors, STATE_FEATURES)
    x = noise_like(torch.empty(shape, device=dev), generator)
    lead = tf.side_prior.choose(text_emb, side, generator) if lead is None else lead
    constrained = known is not None and mask is not None and bool(mask.any())
    if constrained:  # the motion's entries are kept, the face's are free (padded to the state's width)
        mask = mask.expand(*shape[:3], FEATURES_PER_ACTOR)
        known = known.to(x.dtype)
        state_known = F.pad(known, (0, STATE_FEATURES - FEATURES_PER_ACTOR))
        state_mask = F.pad(mask, (0, STATE_FEATURES - FEATURES_PER_ACTOR), value=False)
    kept = leading_kept(mask) if constrained else 0
    template, template_valid = model.retrieve(
        text_emb, n_frames, actors, generator, lead, kept, action, named
    )
    lengths = torch.full((b,), n_frames, device=dev)

    def denoise(x_: torch.Tensor, t: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
        k = x_.shape[0] // b
        conds = (repeat_batch(v, k) for v in (text_emb, lengths, actors, action, style))
        reads = (repeat_batch(v, k) for v in (lead, template, template_valid))
        with autocast(bf16, x_.device):
            return tf(x_, t, *conds, drop, *reads)

    levels = torch.linspace(1.0, 0.0, generation.steps + 1, device=dev)
    scale = guidance_per_feature(generation.guidance_scale, dev)
    step = keep_known(denoise, state_known, state_mask, x) if constrained else denoise
    motion = split_state(ddim(step, x, levels, scale, generation.guidance_rescale))[0]
    if constrained:
        motion = smooth_edges(blend_kept(motion, known, mask, fade_frames), mask, fade_frames)
    if sampling is not None:
        kept = (known, mask) if constrained else (None, None)
        motion = _refine(model, motion, text_emb, lengths, actors, sampling, generator, *kept)
        if constrained:
            motion = smooth_edges(blend_kept(motion, known, mask, fade_frames), mask, fade_frames)
    model.train(was_training)
    return motion, lead


def _refine(
    model: StickFigureModel,
    coarse: torch.Tensor,
    text_emb: torch.Tensor,
    lengths: torch.Tensor,
    actors: torch.Tensor | None,
    sampling: Sampling,
    generator: torch.Generator | None,
    known: torch.Tensor | None,
    mask: torch.Tensor | None,
) -> torch.Tensor:
    """`stickgen.model.diffusion.ddim_refine` with the kept entries held (same noise draws and order)."""
    b = coarse.shape[0]
    levels = torch.linspace(sampling.start_strength, 0.0, sampling.steps + 1, device=coarse.device)
    noise = noise_like(coarse, generator)
    x = add_noise(coarse, noise, levels[0].expand(b))

    def denoise(x_: torch.Tensor, t: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
        k = x_.shape[0] // b
        c, text, lens, act = (repeat_batch(v, k) for v in (coarse, text_emb, lengths, actors))
        return model.refiner(x_, t, c, text, lens, act, drop)

    step = denoise if known is None or mask is None else keep_known(denoise, known, mask, noise)
    return ddim(step, x, levels, sampling.guidance_scale)
