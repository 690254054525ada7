"""StickFigureTransformer: a text-conditioned diffusion denoiser over whole motions.

The model is the denoiser D(x_t, t | text, action, style, actors, length) of a diffusion over normalised
motion features (`stickgen.model.diffusion`): given the motion noised to level t (x_t, (B, T, A, 66)) it
predicts the clean motion x0. Generation (`stickgen.model.diffusion.ddim_sample`) starts from pure noise
drawn from the caller's seeded generator and takes a few DDIM steps with classifier-free guidance, so a
seed picks one of many plausible motions instead of the regressed mean of a caption's motions (which is
still and gliding: a step's phase, which hand, when to jump are averaged away).

Tokens: one per `patch_frames` frames, the embedding of that patch of x_t plus where in the clip it is and
the noise level, attending (bidirectionally, with a padding mask) to the others and to a few condition
tokens (text or the learned null text of the unconditional branch, action, style, actor count, noise
level). Each token decodes its own patch frame by frame (`head`: patch_frames x features), so a step's
plant, a clap's contact and a kick's peak keep their sharpness (a cubic B-spline through one control point
per patch, the decoder of model format 2, could not represent them: fitted to the animator's own clips it
passes none of its runs and a third of its walks; docs/training.md). The root's floor-plane position is
not predicted frame by frame: a second head predicts its per-frame step, smoothly through the cubic
B-spline of `stickgen.model.spline`, and the position is where it starts plus the steps taken since
(`travel`): a walk travels at its speed for any duration. Blocks are pre-norm RMSNorm -> attention (rotary
positions, `scaled_dot_product_attention`) and RMSNorm -> SwiGLU.

A retrieved training clip (the template, `stickgen.model.memory`) enters twice: each token adds an
embedding of its patch, and the prediction adds the template's motion times a learnt gain per feature
(`template_skip`; its root's steps times that gain, its place as it is), so the network learns the
correction to a real instance of the motion and keeps the instance's brief detail (a punch's reach, a
clap's contact), which it returned blurred when it had to redraw it from the tokens (docs/training.md,
model format 8). The template's voice (`VOICE_SKIP`: its mouth's level, speaking flag, cycle rate and peak,
all slow) is added as it is, at a gain of 1 (model format 11; format 10 learnt that gain and kept under half
of it, so a whisper still spoke at a talk's level): the head alone gave a whisper, a talk and a song one
voice, and learnt who speaks only late (format 12 after 4 epochs: no face spoke; format 13 with the flag
passed: speaking-frame F1 0.57). Where a template is shown the voice is the template's alone (model format
14, `voice_unshown`): the head's correction of it erred both ways.
Where each actor stands at the start passes as it is too (model format 12): the head alone stood a hugging
pair at a handshake's distance.

No position sees its own target: the only motion input is the diffusion state x_t, which at level 1 is
pure noise (exactly what generation starts from); the clean motion is only the loss's target.

The state holds, per actor and frame, the 66 normalised motion features and then the face's
(`stickgen.core.features.STATE_FEATURES`): body and face are drawn together, from the same noise and
guidance.

Output: the predicted clean state (B, T, max_actors, STATE_FEATURES) (see `stickgen.core.features`).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from stickgen.core.face import FACE_SLICES
from stickgen.core.features import FEATURES_PER_ACTOR, ROOT_XZ, STATE_FEATURES
from stickgen.core.laterality import SIDES
from stickgen.core.vocab import ACTIONS
from stickgen.model.memory import MotionMemory
from stickgen.model.noise import LEVEL_FEATURES, level_features
from stickgen.model.side_prior import SidePrior
from stickgen.model.spline import n_patches, spline_basis

# the voice's four scalars of the face (`stickgen.core.face.FACE_SLICES`): the mouth's level, whether it
# speaks, the mouth's cycle rate and peak (weighted as motion in the loss: `train.objective.VOICE_WEIGHT`)
VOICE_FEATURES = ("mouth_open", "speaking", "voice_rate", "voice_peak")
# the face features the template passes to the prediction (`template_skip`): the voice's envelope, which
# changes over a second or more and so lines up with any motion the template is aligned to, and whether it
# speaks (turns of a second or more; model format 13); the expression, viseme and eye codes stay the head's
VOICE_SKIP = tuple(FACE_SLICES[n].start for n in VOICE_FEATURES)
# the voice's features in an actor's state (after its motion features)
VOICE_COLUMNS = tuple(FEATURES_PER_ACTOR + i for i in VOICE_SKIP)

N_COND_TOKENS = 6  # text (or null text), action, style, leading side, actor count, noise level
TRAVEL_SCALE = 0.02  # normalised root step per frame of a unit travel-head output (a brisk walk ~ 1.3)


@dataclass(frozen=True)
class TransformerConfig:
    """Everything needed to rebuild the model; saved with every checkpoint."""

    text_dim: int
    max_frames: int
    max_actors: int
    d_model: int
    n_layers: int
    n_heads: int
    ffn_hidden: int
    dropout: float
    n_actions: int = len(ACTIONS)
    n_styles: int = 32
    patch_frames: int = 1
    memory_top_k: int = 4  # templates are drawn among the nearest clips of the motion memory

    def __post_init__(self) -> None:
        if self.patch_frames < 1:
            raise ValueError(f"TransformerConfig.patch_frames must be >= 1, got {self.patch_frames}")

    def to_dict(self) -> dict:
        return asdict(self)


def style_name(style: str) -> str:
    """A style as it is named: its words joined by single spaces ("" for none)."""
    return " ".join(style.split())


def style_names(names: Iterable[str], also: Iterable[str] = ()) -> list[str]:
    """The distinct non-empty style names of `names` and `also` (`style_name`; one spelling per name
    case-insensitively, the first seen), sorted: what a checkpoint records as the styles it was trained with
    (`config["styles"]`), so that a generation asked for another is refused (`check_style`)."""
    seen: dict[str, str] = {}
    for name in (*also, *names):
        name = style_name(str(name))
        if name:
            seen.setdefault(name.lower(), name)
    return [seen[k] for k in sorted(seen)]


def check_style(style: str, known: Sequence[str] | None) -> None:
    """`ValueError` when `style` is not among the `known` styles a checkpoint records (None: a checkpoint
    from before they were recorded, which takes any name). Every name hashes to some style row
    (`style_id`), and a row no training clip used is an untrained embedding: it would steer the motion
    at random instead of by the style."""
    if known is None or style.lower() in {k.lower() for k in known}:
        return
    if not known:
        raise ValueError(f"style {style!r}: this model was trained without styles; leave the style out")
    raise ValueError(
        f"style {style!r} is not one this model was trained with; it knows {len(known)}: {', '.join(known)}"
    )


def style_id(style: str, n_styles: int) -> int:
    """A style name -> its embedding row: 0 for "" (no style), else a stable hash bucket in 1..n_styles-1."""
    if not style:
        return 0
    return 1 + zlib.crc32(style.strip().lower().encode()) % (n_styles - 1)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Rotary(nn.Module):
    """Rotary position tables for up to `n_pos` positions, computed once (non-persistent buffers: not in
    checkpoints). Computing them inside `forward` made torch.compile fuse the cos/sin evaluation into every
    attention element (a fifth of a GPU training step). Each pair of channels (even, odd) turns by its
    position's angle; the tables hold each angle's cosine for both channels of its pair and its sine signed
    for each (-sin for the even, +sin for the odd), so that `apply_rotary` runs on whole, contiguous rows."""

    def __init__(self, n_pos: int, head_dim: int) -> None:
        super().__init__()
        inv = 1.0 / (10000 ** (torch.arange(0, head_dim, 2).float() / head_dim))
        ang = torch.arange(n_pos).float()[:, None] * inv[None, :]  # (n_pos, hd/2)
        self.register_buffer("cos", ang.cos().repeat_interleave(2, dim=-1), persistent=False)
        self.register_buffer(
            "sin", torch.stack([-ang.sin(), ang.sin()], dim=-1).flatten(-2), persistent=False
        )

    def forward(self, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        if length > self.cos.shape[0]:
            raise ValueError(f"{length} positions > the {self.cos.shape[0]} of the rotary tables")
        return self.cos[:length], self.sin[:length]


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: (B, nh, L, hd); rotate pairs (even, odd) by position-dependent angles (`Rotary`'s tables):
    even' = even cos - odd sin, odd' = odd cos + even sin, as x cos + (x with each pair swapped) sin, which
    is the same arithmetic (the same bits) as computing each half on its own, at 2.3x the speed on a CPU
    (strided halves do not vectorise)."""
    swapped = x.unflatten(-1, (-1, 2)).flip(-1).flatten(-2)
    return x * cos + swapped * sin


def padding_mask(
    b: int, n_cond: int, n_tok: int, patch: int, lengths: torch.Tensor | None
) -> torch.Tensor | None:
    """(B, n_cond + n_tok) keys to attend to: the condition tokens and the patches that start within a
    clip's length; None when there is no padding (`lengths` None)."""
    if lengths is None:
        return None
    valid = torch.arange(n_tok, device=lengths.device)[None, :] * patch < lengths[:, None]
    return torch.cat([torch.ones(b, n_cond, dtype=torch.bool, device=lengths.device), valid], dim=1)


class Attention(nn.Module):
    """Bidirectional self-attention with rotary positions; `cfg` is any config with d_model, n_heads,
    ffn_hidden and dropout (the transformer's or the diffusion refiner's)."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.n_heads = cfg.n_heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.dropout = cfg.dropout

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None, rope: tuple[torch.Tensor, torch.Tensor]
    ) -> torch.Tensor:
        """`mask` (B, L): the keys to attend to; None attends to all (no padding: the fused flash kernel)."""
        b, length, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=-1)
        q, k, v = (t.view(b, length, self.n_heads, d // self.n_heads).transpose(1, 2) for t in (q, k, v))
        cos, sin = (r.to(q.dtype) for r in rope)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)  # (B, nh, L, hd)
        y = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=None if mask is None else mask[:, None, None, :],
            dropout_p=self.dropout if self.training else 0.0,
        )
        return self.proj(y.transpose(1, 2).reshape(b, length, d))


class SwiGLU(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.gate = nn.Linear(cfg.d_model, cfg.ffn_hidden, bias=False)
        self.up = nn.Linear(cfg.d_model, cfg.ffn_hidden, bias=False)
        self.down = nn.Linear(cfg.ffn_hidden, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.norm1, self.attn = RMSNorm(cfg.d_model), Attention(cfg)
        self.norm2, self.mlp = RMSNorm(cfg.d_model), SwiGLU(cfg)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, mask, rope):
        x = x + self.drop(self.attn(self.norm1(x), mask, rope))
        return x + self.drop(self.mlp(self.norm2(x)))


class StickFigureTransformer(nn.Module):
    """The denoiser: (x_t, level, text + optional action, style, actor count, length) -> clean motion."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        feat = cfg.max_actors * STATE_FEATURES
        self.text_proj = nn.Sequential(nn.Linear(cfg.text_dim, d), nn.SiLU(), nn.Linear(d, d))
        self.null_text = nn.Parameter(torch.zeros(d))  # the unconditional branch of guidance
        self.action_emb = nn.Embedding(cfg.n_actions, d)  # index 0 ("unknown") = no action given
        self.style_emb = nn.Embedding(cfg.n_styles, d)  # index 0 = no style given
        self.side_emb = nn.Embedding(len(SIDES), d)  # stickgen.core.laterality ids; 0 = not given
        self.actors_emb = nn.Embedding(cfg.max_actors + 1, d)
        self.level_proj = nn.Sequential(nn.Linear(LEVEL_FEATURES, d), nn.SiLU(), nn.Linear(d, d))
        self.in_proj = nn.Linear(feat * cfg.patch_frames, d)  # one patch of frames of x_t
        # one patch of the template (a retrieved clip, `stickgen.model.memory`) and its valid frames
        self.template_proj = nn.Linear((feat + 1) * cfg.patch_frames, d)
        # the template's motion also reaches the output directly: the prediction is the template (its root's
        # steps for the floor position) times this gain per motion feature plus the head's correction
        self.template_skip = nn.Parameter(torch.ones(cfg.max_actors * FEATURES_PER_ACTOR))
        self.frame_query = nn.Parameter(torch.randn(d) * 0.02)
        self.progress_proj = nn.Linear(16, d)  # sinusoids of t / (T - 1): where in the clip a frame is
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, feat * cfg.patch_frames)  # every frame of the token's patch
        self.travel = nn.Linear(d, cfg.max_actors * len(ROOT_XZ))  # per-frame root steps, zero at init
        self.rotary = Rotary(N_COND_TOKENS + n_patches(cfg.max_frames, cfg.patch_frames), d // cfg.n_heads)
        self.apply(self._init)
        nn.init.zeros_(self.travel.weight)  # a fresh model stands still
        self.side_prior = SidePrior(cfg.text_dim)  # fitted before training, then frozen
        self.memory = MotionMemory(cfg.text_dim)  # filled before training, then frozen

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

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
        side: torch.Tensor | None = None,
        template: torch.Tensor | None = None,
        template_valid: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Predict the clean motion from its noised state.

        Args:
            x_t: (B, T, max_actors, STATE_FEATURES) the diffusion state (normalised motion features, then the
                face's, `stickgen.core.features.STATE_FEATURES`, noised to level `t`).
            t: (B,) noise levels in [0, 1] (1: pure noise).
            text_emb: (B, text_dim) caption embeddings.
            lengths: (B,) valid frames per clip (<= T); None: every clip is T frames long (the same result
                as full lengths, without a padding mask: faster attention).
            actors: (B,) actor counts in 1..max_actors (default 1).
            action: (B,) action ids (0 = unknown / not given).
            style: (B,) style ids (0 = not given).
            drop_cond: (B,) bool, True where text, action, style and side are hidden (the unconditional
                branch of classifier-free guidance); the actor count and length always stay.
            side: (B,) the leading side (`stickgen.core.laterality`: 0 = not given, both, left, right).
            template: (B, T, max_actors, STATE_FEATURES) a retrieved clip aligned with the motion
                (`stickgen.model.memory`), read where `template_valid` (B, T) is True; None: no template.
                Hidden with the other conditions where `drop_cond`.

        Returns:
            (B, T, max_actors, STATE_FEATURES) the predicted clean state; frames past `lengths` are padding.
        """
        (b, n_frames), cfg, dev = x_t.shape[:2], self.cfg, x_t.device
        if n_frames > cfg.max_frames:
            raise ValueError(f"n_frames {n_frames} > model max_frames {cfg.max_frames}")
        cond = self._conditions(t, text_emb, actors, action, style, side, drop_cond)  # (B, N_COND_TOKENS, d)
        patch = cfg.patch_frames
        n_tok = n_patches(n_frames, patch)
        frames = x_t.flatten(2)  # (B, T, A * STATE_FEATURES)
        if lengths is not None:
            frames = frames * (torch.arange(n_frames, device=dev)[None, :, None] < lengths[:, None, None])
        frames = F.pad(frames, (0, 0, 0, n_tok * patch - n_frames)).reshape(b, n_tok, -1)
        shown, shown_frames = self._shown_template(x_t, template, template_valid, drop_cond)
        read = torch.cat([shown.flatten(2), shown_frames[..., None]], dim=-1)  # (B, T, A * STATE + 1)
        read = F.pad(read, (0, 0, 0, n_tok * patch - n_frames)).reshape(b, n_tok, -1)
        where = self._where(n_frames, n_tok, lengths, dev)
        # every token also carries the sum of the conditions: the text reaches each frame directly, not only
        # through attention to its token (text conditioning is learnt in far fewer steps)
        tokens = self.in_proj(frames) + self.template_proj(read) + where + cond.sum(dim=1, keepdim=True)
        x = torch.cat([cond, tokens], dim=1)  # (B, N_COND_TOKENS + n_tok, d)
        mask = padding_mask(b, N_COND_TOKENS, n_tok, patch, lengths)
        rope = self.rotary(x.shape[1])
        for block in self.blocks:
            x = block(x, mask, rope)
        h = self.norm(x[:, N_COND_TOKENS:])
        out = self.head(h).reshape(b, n_tok * patch, cfg.max_actors, STATE_FEATURES)[:, :n_frames]
        basis = spline_basis(n_frames, patch, lengths, device=dev).to(h.dtype)  # (B or 1, T, n_tok)
        steps = torch.matmul(basis, self.travel(h)).view(b, n_frames, cfg.max_actors, len(ROOT_XZ))
        skip, skip_steps = template_skip(shown.float(), shown_frames.float(), self.template_skip)
        return travel(
            voice_unshown(out.float(), shown_frames) + skip, steps.float() * TRAVEL_SCALE + skip_steps
        )

    def _conditions(
        self,
        t: torch.Tensor,
        text_emb: torch.Tensor,
        actors: torch.Tensor | None,
        action: torch.Tensor | None,
        style: torch.Tensor | None,
        side: torch.Tensor | None,
        drop_cond: torch.Tensor | None,
    ) -> torch.Tensor:
        """(B, N_COND_TOKENS, d): the condition tokens (text or the null text, action, style, side, actor
        count, noise level); text, action, style and side hidden where `drop_cond`."""
        zeros = torch.zeros(text_emb.shape[0], dtype=torch.long, device=text_emb.device)
        actors = torch.ones_like(zeros) if actors is None else actors
        action = zeros if action is None else action
        style = zeros if style is None else style
        side = zeros if side is None else side
        text = self.text_proj(text_emb)
        if drop_cond is not None:
            text = torch.where(drop_cond[:, None], self.null_text.to(text.dtype).expand_as(text), text)
            action, style, side = action * ~drop_cond, style * ~drop_cond, side * ~drop_cond
        return torch.stack(
            [
                text,
                self.action_emb(action),
                self.style_emb(style),
                self.side_emb(side),
                self.actors_emb(actors),
                self.level_proj(level_features(t)),
            ],
            dim=1,
        )

    def _shown_template(
        self,
        x_t: torch.Tensor,
        template: torch.Tensor | None,
        valid: torch.Tensor | None,
        drop_cond: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The template where it is shown ((B, T, A, STATE), zero elsewhere: no template, past its end, or
        hidden with the conditions) and which frames are shown ((B, T), 0 or 1), in x_t's dtype."""
        b, n_frames = x_t.shape[:2]
        if template is None or valid is None:
            shown = torch.zeros(b, n_frames, dtype=x_t.dtype, device=x_t.device)
            return torch.zeros_like(x_t), shown
        if drop_cond is not None:
            valid = valid & ~drop_cond[:, None]
        shown = valid.to(x_t.dtype)
        return template.to(x_t.dtype) * shown[:, :, None, None], shown

    def _where(
        self, n_frames: int, n_tok: int, lengths: torch.Tensor | None, dev: torch.device
    ) -> torch.Tensor:
        """(B or 1, n_tok, d): where in the clip each token's patch lies (sinusoids of its progress)."""
        patch = self.cfg.patch_frames
        centre = (torch.arange(n_tok, device=dev).float() + 0.5) * patch - 0.5  # each token's frame
        last = torch.full((1, 1), n_frames - 1.0, device=dev) if lengths is None else lengths[:, None] - 1.0
        progress = centre[None, :] / last.clamp(min=1)  # (B or 1, n_tok)
        freqs = torch.arange(8, device=dev).float()
        ang = progress[..., None] * math.pi * (2**freqs)  # (B or 1, n_tok, 8)
        return self.frame_query + self.progress_proj(torch.cat([ang.sin(), ang.cos()], -1))


def voice_unshown(head: torch.Tensor, shown: torch.Tensor) -> torch.Tensor:
    """The head's (B, T, A, F) prediction with its voice (`VOICE_COLUMNS`) zeroed in the frames where a
    template is shown (`shown` (B, T)): there the voice is the template's alone (`template_skip`; model
    format 14). The head's correction of the template's voice missed both ways (a whisper's mouth opened to
    a talk's level over a whisper's template, a talk's closed under its template's), where the template
    itself, retrieved by caption, passed every whisper of the behaviour suite (docs/training.md, "The
    template's voice"). The head's voice speaks where there is no template."""
    voice = torch.zeros(head.shape[-1], dtype=torch.bool, device=head.device)
    voice[list(VOICE_COLUMNS)] = True
    return torch.where(voice & (shown[:, :, None, None] > 0), torch.zeros((), dtype=head.dtype), head)


def template_skip(
    template: torch.Tensor, shown: torch.Tensor, gain: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """What the template adds to the prediction: (B, T, A, F) its motion features times `gain`
    (A * FEATURES_PER_ACTOR,) except on the root's floor position, which passes as it is (where each actor
    stands: `travel` starts the motion there, so that a pair stands as far apart as the template's pair;
    format 11 left the place to the head, which put a hugging pair at a handshake's distance:
    docs/training.md, model format 12), its voice (`VOICE_SKIP`) as it is (format 10 learnt a gain on it
    and kept under half: docs/training.md, model format 11), zero on the rest of the face, and (B, T, A, 2)
    its root's floor-plane steps times their gain, counted where the template shows the frame and the one
    before (`shown` (B, T)). `template` is zero where not shown (and its face where it
    has none), so a prediction without one is the head's alone. The face's codes are the head's: a
    template's expression codes, passed on, blurred the caption's own (docs/training.md, row F2)."""
    a = template.shape[-2]
    dt = template.dtype
    body = template[..., :FEATURES_PER_ACTOR] * gain.view(a, FEATURES_PER_ACTOR).to(dt)
    root = list(ROOT_XZ)
    both = (shown[:, 1:] * shown[:, :-1])[:, :, None, None]
    steps = (body[:, 1:, :, root] - body[:, :-1, :, root]) * both
    place = torch.zeros(FEATURES_PER_ACTOR, dtype=torch.bool, device=template.device)
    place[root] = True  # where each actor stands passes as it is (`travel` reads frame 0's)
    body = torch.where(place, template[..., :FEATURES_PER_ACTOR], body)
    voice = [FEATURES_PER_ACTOR + i for i in VOICE_SKIP]
    face = torch.zeros_like(template[..., FEATURES_PER_ACTOR:])
    face[..., list(VOICE_SKIP)] = template[..., voice]
    return torch.cat([body, face], dim=-1), F.pad(steps, (0, 0, 0, 0, 1, 0))


def travel(features: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """Features whose root floor-plane position is its frame-0 value plus the steps of the frames since.

    Args:
        features: (B, T, A, F) the state (motion features first); only frame 0 of the root x/z columns
            is used.
        steps: (B, T, A, 2) normalised root x/z change from the previous frame (frame 0's is ignored).

    Summed in float32: bf16 cannot add a small step to a long way travelled.
    """
    x, z = ROOT_XZ
    moved = torch.cumsum(torch.cat([torch.zeros_like(steps[:, :1]), steps[:, 1:]], dim=1), dim=1)
    root = features[:, :1, :, [x, z]] + moved  # (B, T, A, 2)
    return torch.cat([root[..., :1], features[..., x + 1 : z], root[..., 1:], features[..., z + 1 :]], dim=-1)
