"""StickFigureModel: the StickFigureTransformer and its diffusion refiner, trained and saved together.

`forward` is the training computation (what DDP wraps): the transformer's clean-motion prediction from the
real motion noised to a level, and, when asked, the refiner's prediction from the same state given the
transformer's DETACHED prediction and the text. `generate` is inference: a motion sampled by the
transformer from seeded noise (`Generation`: DDIM with classifier-free guidance), refined by the refiner
when a `Sampling` is given and returned untouched otherwise.
"""

from __future__ import annotations

import torch
from torch import nn

from stickgen.core.device import autocast
from stickgen.core.features import FEATURES_PER_ACTOR, STATE_FEATURES
from stickgen.model.diffusion import (
    DiffusionRefiner,
    Generation,
    RefinerConfig,
    Sampling,
    check_refinable,
    ddim,
    ddim_refine,
    noise_like,
    repeat_batch,
)
from stickgen.model.memory import GENERATION_MARGIN
from stickgen.model.named import Named
from stickgen.model.transformer import VOICE_COLUMNS, StickFigureTransformer, TransformerConfig

ROOT_XYZ = (0, 1, 2)  # the root's position features (x, height, z: FEATURE_LAYOUT's root_xyz)

# what the weights compute; recorded in every checkpoint's config. 1 (unrecorded): the deterministic regressor
# of text -> mean motion; 2: the diffusion denoiser decoding each token through a cubic B-spline; 3: the
# diffusion denoiser decoding each token's frames directly (sampled by DDIM with guidance, as 2); 4: 3 with
# the leading side as a condition and its prior p(side | text) (`stickgen.model.side_prior`); 5: 4 with the
# action condition over the 54-action vocabulary of `stickgen.core.vocab` (4 knew 26); 6: 5 reading a
# template retrieved from its motion memory (`stickgen.model.memory`); 7: 6 generating the voice under the
# face's mouth (its cycle rate and peak openness, `stickgen.core.face.voice_envelope`) with the face; 8: 7
# whose prediction adds the template itself (`transformer.template_skip`) to the network's correction; 9: 8
# whose memory knows each clip's leading side and serves a one-sided motion a template of its side; 10: 9
# whose face feature holds the mouth's level (`stickgen.core.face.mouth_level`) and whose prediction adds the
# template's voice too (`transformer.VOICE_SKIP`, a learnt gain `voice_skip`); 11: 10 whose template's voice
# is added at a gain of 1 (no `voice_skip`); 12: 11 whose prediction starts each actor where the template's
# stands (the template's floor position passes to `travel` as it is); 13: 12 whose template's speaking flag is
# added as its voice is (`transformer.VOICE_SKIP`) and whose expression codes weigh as a motion feature in
# the loss (`stickgen.train.objective.EXPRESSION_WEIGHT`); 14: 13 whose voice, where a template is shown, is
# the template's alone (`transformer.voice_unshown`); 15: 14 whose memory knows each clip's action and serves
# a motion given an action, or naming one, a template of that action (`stickgen.model.memory.nearest`); 16:
# 15 whose memory knows the pace each clip's captions name and serves a motion naming a pace a template of
# that pace (`stickgen.model.pace`).
MODEL_FORMAT = 16
MEMORY_PREFIX = "transformer.memory."  # the state dict keys of the motion memory (sized by its clips)


def guidance_per_feature(scale: float, device: torch.device | None = None) -> torch.Tensor:
    """The guidance scale of every feature (STATE_FEATURES,): `scale`, except 1 (the conditional
    prediction) for the root's position, where the figure stands, and for the voice (`VOICE_COLUMNS`:
    the mouth's level, its cycle rate and peak); the pose, the expression and whether an actor speaks are
    guided. The
    floor-plane position is the sum of the per-frame steps (`travel`), and extrapolating a sum away from
    the unconditional branch's, whose clips mostly walk forward, sends in-place actions backwards (scale
    2.5: 1.5x the average speed) and walks too fast. Extrapolating the root's height lifted the whole figure
    with a high kick's leg (the support foot 0.15-0.19 m off the floor at the kick's peak, where the
    animator's stays at 0.04 m: the behaviour suite's kicks passed 4 in 10; docs/training.md, "The whole
    test split, and the root unguided"). The unconditional branch's voice reads the state, not a caption,
    and sits above the conditional one's (a talk's mouth level 0.21-0.30 where the conditional prediction
    holds 0.06-0.10 at the second and third DDIM steps): extrapolating away from it closed a talking
    mouth to a whisper's (0.015-0.05; the behaviour suite's talk passed 0.475 over four seeds, 0.775
    unguided; docs/training.md, "The voice unguided")."""
    out = torch.full((STATE_FEATURES,), float(scale), device=device)
    out[list(ROOT_XYZ)] = 1.0
    out[list(VOICE_COLUMNS)] = 1.0
    return out


def split_state(state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(normalised motion features (..., 66), face features (..., FACE_FEATURES)) of a state (..., STATE)."""
    return state[..., :FEATURES_PER_ACTOR], state[..., FEATURES_PER_ACTOR:]


class StickFigureModel(nn.Module):
    """Transformer generator + diffusion refiner. State dict keys: `transformer.*`, `refiner.*`."""

    def __init__(self, cfg: TransformerConfig, refiner_cfg: RefinerConfig) -> None:
        super().__init__()
        for key in ("text_dim", "max_frames", "max_actors"):
            a, b = getattr(cfg, key), getattr(refiner_cfg, key)
            if a != b:
                raise ValueError(f"transformer and refiner disagree on {key}: {a} vs {b}")
        self.cfg = cfg
        self.refiner_cfg = refiner_cfg
        self.transformer = StickFigureTransformer(cfg)
        self.refiner = DiffusionRefiner(refiner_cfg)

    def forward(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        text_emb: torch.Tensor,
        lengths: torch.Tensor | None,
        actors: torch.Tensor | None = None,
        action: torch.Tensor | None = None,
        style: torch.Tensor | None = None,
        drop_cond: torch.Tensor | None = None,
        with_refiner: bool = False,
        side: torch.Tensor | None = None,
        template: torch.Tensor | None = None,
        template_valid: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Training outputs: (transformer x0 prediction (B, T, A, STATE_FEATURES), refiner x0 prediction of
        the motion (B, T, A, 66) or None).

        `x_t` is the real motion noised to levels `t`; `drop_cond` hides text, action, style and side (the
        unconditional branch of guidance) from both networks; `side` (B,) is the motion's leading side;
        `template` / `template_valid` the retrieved clip the transformer reads (`stickgen.model.memory`).
        """
        motion = self.transformer(
            x_t, t, text_emb, lengths, actors, action, style, drop_cond, side, template, template_valid
        )
        if not with_refiner:
            return motion, None
        body_t, body = split_state(x_t)[0], split_state(motion.detach())[0]
        x0 = self.refiner(body_t, t, body, text_emb, lengths, actors, drop_cond)
        return motion, x0

    @torch.no_grad()
    def generate(
        self,
        text_emb: torch.Tensor,
        lengths: torch.Tensor,
        n_frames: int,
        actors: torch.Tensor | None = None,
        action: torch.Tensor | None = None,
        style: torch.Tensor | None = None,
        sampling: Sampling | None = None,
        generator: torch.Generator | None = None,
        generation: Generation | None = None,
        side: torch.Tensor | None = None,
        named: Named | None = None,
        bf16: bool = False,
    ) -> torch.Tensor:
        """A sampled motion and face from conditions only: the state (B, T, A, STATE_FEATURES), normalised
        motion features then face features (`split_state` parts them).

        Args:
            side: (B,) the side each caption names (`stickgen.model.named.named_side`: 0 = none); the
                side the motion leads with is that one or a draw from the model's prior p(side | text)
                (`SidePrior.choose`).
            sampling: refine with the diffusion refiner (DDIM; a `ValueError` if it was never trained:
                `check_refinable`); None returns the transformer's sample unchanged (params
                `diffusion.use_diffusion: false`).
            generator: the source of all noise (seed it: the same seed gives the same motion, other seeds
                other motions).
            generation: the transformer's sampler (steps, guidance); None: `Generation()`'s defaults.
            named: the action and pace each caption names (`stickgen.model.memory.named`), for the
                template's choice only (`retrieve`); a given `action` chooses it too.
            bf16: the denoiser's passes under bf16 autocast where the device computes bf16 natively
                (`stickgen.core.device.autocast`); the side's draw, the template's retrieval and the refiner
                stay float32, so a rounding never changes which clip or side is drawn.
        """
        if sampling is not None:
            check_refinable(self.refiner_cfg)
        generation = generation or Generation()
        was_training = self.training
        self.eval()
        b = text_emb.shape[0]
        shape = (b, n_frames, self.cfg.max_actors, STATE_FEATURES)
        x = noise_like(torch.empty(shape, device=text_emb.device), generator)
        side = self.transformer.side_prior.choose(text_emb, side, generator)
        template, template_valid = self.retrieve(
            text_emb, n_frames, actors, generator, side, action=action, named=named
        )
        levels = torch.linspace(1.0, 0.0, generation.steps + 1, device=text_emb.device)

        def denoise(x_: torch.Tensor, t: torch.Tensor, drop: torch.Tensor | None) -> torch.Tensor:
            k = x_.shape[0] // b
            conds = (repeat_batch(v, k) for v in (text_emb, lengths, actors, action, style))
            reads = (repeat_batch(v, k) for v in (side, template, template_valid))
            with autocast(bf16, x_.device):
                return self.transformer(x_, t, *conds, drop, *reads)

        scale = guidance_per_feature(generation.guidance_scale, x.device)
        valid = torch.arange(n_frames, device=x.device)[None, :] < lengths.to(x.device)[:, None]
        state = ddim(denoise, x, levels, scale, generation.guidance_rescale, valid)
        if sampling is not None:
            motion, face = split_state(state)
            motion = ddim_refine(self.refiner, motion, text_emb, lengths, actors, sampling, generator)
            state = torch.cat([motion, face], dim=-1)
        self.train(was_training)
        return state

    def retrieve(
        self,
        text_emb: torch.Tensor,
        n_frames: int,
        actors: torch.Tensor | None,
        generator: torch.Generator | None,
        side: torch.Tensor | None = None,
        lead_in: int = 0,
        action: torch.Tensor | None = None,
        named: Named | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The templates of a generation (`stickgen.model.memory`): per row, a clip among the
        `memory_top_k` nearest the caption with the row's actor count (and leading `side` (B,), the side
        the motion leads with, where one-sided; of those, the ones described about as well as the best,
        `GENERATION_MARGIN`; of the `action` (B,) given, of the action `named` where one is about as near,
        and of the pace named: `MotionMemory.nearest`) drawn from `generator`, played from its start after
        holding it for the first `lead_in` frames (`MotionMemory.template`): ((B, n_frames, A, STATE),
        (B, n_frames))."""
        b = text_emb.shape[0]
        u = torch.rand(b, generator=generator, device="cpu")
        actors = torch.ones(b, dtype=torch.long) if actors is None else actors
        memory = self.transformer.memory
        k, margin = self.cfg.memory_top_k, GENERATION_MARGIN
        wanted = {"margin": margin, "action": action, "named": named}
        clips = memory.choose(text_emb, actors, k, u, side=side, **wanted)
        lenders = memory.choose(text_emb, actors, k, u, faced=True, **wanted)
        template, valid = memory.templates(clips, lenders, n_frames, self.cfg.max_actors, lead_in)
        return template.to(text_emb.device), valid.to(text_emb.device)
