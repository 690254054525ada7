"""The motion memory: training clips the denoiser retrieves by caption and reads as a template.

Retrieval-augmented diffusion (as ReMoDiffuse): beside the noised motion, the denoiser reads one clip of
its training set whose captions are near the prompt, aligned frame by frame with the motion it makes
(`StickFigureTransformer`'s `template`). A model that must reinvent a clap's contact, a step's plant and a
laugh's mouth cycles from the caption alone, in the few thousand optimizer steps a CPU affords, returns
their blur (docs/training.md); one that sees a real instance of the motion asked for learns to adapt it
(its timing, side, actor count and the caption's details come from the text, the noise and the other
conditions) in far fewer steps.

The memory holds, per clip, the normalised diffusion state of the whole clip (motion then face features,
float16), its key (the unit mean of its caption embeddings), actor count and group (the take it was cut
from). It is filled once per training run from the training set (`MotionMemory.fill`, deterministic),
then frozen: buffers, not parameters, so it travels in the checkpoint with the weights and no optimizer
or LoRA adapter touches it.

Which clip a motion reads (`MotionMemory.choose`): among the `top_k` clips with the motion's actor count
whose keys are nearest the caption, one drawn with the caller's uniform draw, so the seed picks the
instance as it picks the noise. In training a clip never reads a clip of its own group (itself, its mirror
and every window of its take), or the objective would leak its target; at generation the memory holds
only the training split, so no test clip is ever read. A generation draws among the clips its caption
describes about as well as the best (`GENERATION_MARGIN`) and the other takes of the best clip's motion
(`TAKES_WINDOW`, `TAKES_ALIKE`): the seed then picks the take, where the denoiser, which follows its
template closely, makes nearly the same motion of one take from any noise.

Sides: a one-sided motion (a left kick, a right-hand wave) reads a clip that leads with the same side
(`MotionMemory.nearest`'s `side`): among the `SIDE_POOL` x top_k clips nearest the caption, those whose
leading side (`stickgen.core.laterality.leading_side`: the side its captions name, else the one its motion
measures; found when the memory is filled) is the motion's, else the nearest of any side. The side
condition and the template then agree; a template of the other side left the denoiser to mirror it, and it
drew half of each (on the embedded default's small/sft, generation alone: the behaviour suite's kicks
0.1 -> 0.5, waves 0.6 -> 1.0, punches 0.5 -> 1.0; docs/training.md, "Sided templates"). Training serves
its templates the same way, by the sample's side condition.

Actions and paces: the memory knows each clip's action (the dataset's label, `stickgen.core.vocab`) and
the pace its captions name (`stickgen.model.pace.clip_pace`: "a human walks ahead quickly" FAST, most clips
NORMAL). A generation given an action (`--action`) draws among the clips of that action nearest its caption
(where the memory holds any with its actor count); one whose caption names an action or a pace in words
draws among the clips those words pick (`stickgen.model.named`: the sentence encoder weighs such words
less than a user means them). Training draws by the caption alone.

Faces (`MotionMemory.lend_faces`): motion capture has no face (its face features are zeros), so a caption
whose nearest clips are motion capture ("two people talk to each other" retrieves InterHuman pairs) would
read a template with no face, and the face would be the head's guess from the caption alone. Such a
template takes its face features from a second clip, drawn the same way among the nearest clips that have a
face (`faced`), of the same actor count; training serves its templates the same way, so the network learns
to read a body and a face from two clips.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from stickgen.core.features import FEATURES_PER_ACTOR, ROOT_XZ, STATE_FEATURES
from stickgen.core.laterality import BOTH, LEFT, RIGHT, leading_side
from stickgen.core.vocab import ACTIONS, action_id
from stickgen.model.cycle import active_start, continued
from stickgen.model.named import Named, narrow
from stickgen.model.pace import FAST, NORMAL, SLOW, clip_pace
from stickgen.model.warp import played, smooth_path, warp_paths

if TYPE_CHECKING:
    from stickgen.embed.dataset import StickFigureDataset

NO_CLIP = -1
# a one-sided motion's template is drawn among the clips of its side within this many times top_k nearest
SIDE_POOL = 8
# a generation's template is drawn among the top_k nearest clips whose similarity to the caption is within
# this of the best one's: "a person sprints forward" read a sprint-then-dodge chain (0.800 against 0.829)
# half the time (docs/training.md, "Templates that outlast their clip")
GENERATION_MARGIN = 0.02
# ... and among the other takes of the best clip's motion: the clips of its action and pace within this of its
# similarity whose own key (their captions) lies within TAKES_ALIKE of its key. With the margin alone most
# one-action captions read one take, and every seed of "a man waves his right hand" made the same wave; the
# test split's captions now draw among 1.70 takes where they drew among 1.48, and among no more clips that
# chain two motions (docs/training.md, "Other takes of the same motion")
TAKES_WINDOW = 0.05
# keys (mean caption embeddings) at least this near the best clip's: "a figure breaks into a sprint" lies
# 0.88 from "a stick figure races forward at top speed", a sprint that then dodges 0.79, and "a figure makes
# a left turn while walking" 0.86 from "a human walks forward"
TAKES_ALIKE = 0.87


@dataclass(frozen=True)
class MemorySettings:
    """How training fills and reads the memory (params `model.memory_clips`, `model.memory_dropout`; the
    number of nearest clips a template is drawn among, `memory_top_k`, is the model's config)."""

    max_clips: int = 4096  # clips held (a seeded draw of a larger training set); 0: no memory
    dropout: float = 0.1  # share of training samples served without a template


def no_template(length: int, max_actors: int) -> tuple[torch.Tensor, torch.Tensor]:
    """What a motion reads when it reads no clip: zeros, no frame valid."""
    return torch.zeros(length, max_actors, STATE_FEATURES), torch.zeros(length, dtype=torch.bool)


def group_id(group: str) -> int:
    """A stable 63-bit integer for a group name (the memory stores groups as integers)."""
    return int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "little") >> 1


class MotionMemory(nn.Module):
    """Buffers: `keys` (N, text_dim) unit caption keys, `states` (rows, STATE_FEATURES) float16, the clips'
    frames then actors in order, `offsets` (N + 1,) their first rows, `frames`, `actors`, `groups` and
    `sides` (N,; the leading side of the clip's actor 0: `stickgen.core.laterality` BOTH, LEFT or RIGHT),
    `actions` (N,; `stickgen.core.vocab.ACTION_INDEX` ids, 0 = unknown), `paces` (N,; the pace the clip's
    captions name, `stickgen.model.pace` SLOW, NORMAL or FAST), `origin` (2,) the normalised value
    of a zero floor-plane position (templates start at the origin, as training crops do). Empty (N = 0)
    until filled; a model with an empty memory generates without templates."""

    def __init__(self, text_dim: int) -> None:
        super().__init__()
        self.register_buffer("keys", torch.zeros(0, text_dim))
        self.register_buffer("states", torch.zeros(0, STATE_FEATURES, dtype=torch.float16))
        self.register_buffer("offsets", torch.zeros(1, dtype=torch.long))
        self.register_buffer("frames", torch.zeros(0, dtype=torch.long))
        self.register_buffer("actors", torch.zeros(0, dtype=torch.long))
        self.register_buffer("groups", torch.zeros(0, dtype=torch.long))
        self.register_buffer("sides", torch.zeros(0, dtype=torch.long))
        self.register_buffer("actions", torch.zeros(0, dtype=torch.long))
        self.register_buffer("paces", torch.zeros(0, dtype=torch.long))
        self.register_buffer("origin", torch.zeros(len(ROOT_XZ)))
        self._faced: torch.Tensor | None = None  # `faced()`

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def adopt_shapes(self, state_dict: dict, prefix: str) -> None:
        """Resize the buffers to those `state_dict` stores under `prefix` (a checkpoint's memory holds its
        own clip count), so that a strict load copies them (`stickgen.train.checkpoint.load_weights`, the
        one way weights are loaded, calls it first)."""
        for name, buf in self._buffers.items():
            stored = state_dict.get(prefix + name)
            if buf is not None and stored is not None and stored.shape != buf.shape:
                self._buffers[name] = torch.empty_like(stored, device=buf.device)

    @torch.no_grad()
    def fill(
        self,
        keys: torch.Tensor,
        states: Sequence[np.ndarray],
        groups: Sequence[str],
        origin: np.ndarray,
        sides: Sequence[int] | None = None,
        actions: Sequence[str] | None = None,
        paces: Sequence[int] | None = None,
    ) -> None:
        """Hold these clips: `keys` (N, text_dim) caption keys, `states` N normalised (T_i, A_i, STATE)
        clips, `groups` N take names, `origin` (2,) the normalised zero of the root's floor position,
        `sides` N leading sides (None: BOTH for every clip, no side preferred), `actions` N action names
        of `stickgen.core.vocab.ACTIONS` (None: "unknown" for every clip, no action preferred), `paces` N
        paces their captions name (None: NORMAL for every clip)."""
        sides = [BOTH] * len(states) if sides is None else list(sides)
        actions = ["unknown"] * len(states) if actions is None else list(actions)
        paces = [NORMAL] * len(states) if paces is None else list(paces)
        if not (len(keys) == len(states) == len(groups) == len(sides) == len(actions) == len(paces)):
            raise ValueError(
                f"memory: {len(keys)} keys, {len(states)} clips, {len(groups)} groups, {len(sides)} sides, "
                f"{len(actions)} actions, {len(paces)} paces"
            )
        if any(x not in (BOTH, LEFT, RIGHT) for x in sides):
            raise ValueError(f"memory: sides must be BOTH, LEFT or RIGHT ({BOTH}, {LEFT}, {RIGHT})")
        if any(x not in (SLOW, NORMAL, FAST) for x in paces):
            raise ValueError(f"memory: paces must be SLOW, NORMAL or FAST ({SLOW}, {NORMAL}, {FAST})")
        action_ids = [action_id(a) for a in actions]  # a word outside the vocabulary: ValueError naming it
        dev = self.keys.device
        rows = [np.asarray(s, dtype=np.float16).reshape(-1, STATE_FEATURES) for s in states]
        sizes = np.array([0] + [len(r) for r in rows], dtype=np.int64)
        self.keys = nn.functional.normalize(keys.float(), dim=-1).to(dev)
        self.states = torch.from_numpy(np.concatenate(rows) if rows else np.zeros((0, STATE_FEATURES))).to(
            dev, torch.float16
        )
        self.offsets = torch.from_numpy(np.cumsum(sizes)).to(dev)
        self.frames = torch.tensor([s.shape[0] for s in states], dtype=torch.long, device=dev)
        self.actors = torch.tensor([s.shape[1] for s in states], dtype=torch.long, device=dev)
        self.groups = torch.tensor([group_id(g) for g in groups], dtype=torch.long, device=dev)
        self.sides = torch.tensor(sides, dtype=torch.long, device=dev)
        self.actions = torch.tensor(action_ids, dtype=torch.long, device=dev)
        self.paces = torch.tensor(paces, dtype=torch.long, device=dev)
        self.origin = torch.as_tensor(np.asarray(origin, dtype=np.float32), device=dev)
        self._faced = None

    @torch.no_grad()
    def nearest(
        self,
        query: torch.Tensor,
        actors: torch.Tensor,
        top_k: int,
        exclude_groups: torch.Tensor | None = None,
        faced: bool = False,
        side: torch.Tensor | None = None,
        margin: float | None = None,
        action: torch.Tensor | None = None,
        named: Named | None = None,
    ) -> list[list[int]]:
        """For each caption embedding of `query` (B, text_dim), the (at most `top_k`) clips with that row's
        actor count (and, with `exclude_groups` (B,), of another group; with `faced`, whose face is known)
        whose keys are nearest, best first. With `side` (B,), a LEFT or RIGHT row takes the clips of its
        side among the `SIDE_POOL` x top_k nearest, and the nearest of any side only when none is. With
        `margin`, only the clips whose similarity to the caption is within `margin` of the row's best, and
        the other takes of the best clip's motion (`_takes`), are drawn among, before the side is
        (`GENERATION_MARGIN`: a generation does not read a clip that its caption describes clearly worse
        than the best, even where that clip leads with the motion's side and the best leads with none;
        training draws among all top_k). With `action` (B,) (ids; 0: none
        given), a row given an action reads only clips of it when the memory holds any it may read. With
        `named` (`Named`), what each caption names in words narrows its row (`stickgen.model.named.narrow`;
        the margin then counts from the nearest clip left)."""
        if len(self) == 0:
            return [[] for _ in range(query.shape[0])]
        pool = top_k if side is None and named is None and margin is None else top_k * SIDE_POOL
        q = nn.functional.normalize(query.float().to(self.keys.device), dim=-1)
        sim = q @ self.keys.T  # (B, N)
        ok = self.actors[None, :] == actors.to(self.keys.device)[:, None]
        if exclude_groups is not None:
            ok &= self.groups[None, :] != exclude_groups.to(self.keys.device)[:, None]
        if faced:
            ok &= self.faced()[None, :]
        if action is not None:
            given = action.to(self.keys.device)[:, None]
            of_action = ok & (self.actions[None, :] == given)
            ok = torch.where((given > 0) & of_action.any(1, keepdim=True), of_action, ok)
        sim = sim.masked_fill(~ok, -torch.inf)
        top, idx = sim.topk(min(pool, len(self)), dim=-1)  # (B, pool)
        further = [False] * len(sim) if named is None else named.reads_all(top[:, 0])
        rows = []
        for i, reads_all in enumerate(further):  # the clips a named pace or action picks may lie further
            vals, ids = sim[i].sort(descending=True) if reads_all else (top[i], idx[i])
            # as Python numbers first: iterating the tensors made a 0-d tensor of each of the N clips
            ranked = zip(ids.tolist(), vals.tolist(), strict=True)
            rows.append([(j, v) for j, v in ranked if v > -math.inf])
        if named is not None:
            clips = (self.actions.tolist(), self.paces.tolist(), self.sides.tolist())
            said = zip(named.action.tolist(), named.pace.tolist(), named.sides(), strict=True)
            rows = [narrow(row, n, clips) for row, n in zip(rows, said, strict=True)]
        if margin is not None:
            rows = [self._takes(row, margin) for row in rows]
        if side is not None:
            sides = self.sides.tolist()
            rows = [
                [c for c in row if sides[c[0]] == s] or row if s in (LEFT, RIGHT) else row
                for row, s in zip(rows, side.tolist(), strict=True)
            ]
        return [[j for j, _ in row[:top_k]] for row in rows]

    def _takes(self, row: list[tuple[int, float]], margin: float) -> list[tuple[int, float]]:
        """The clips of `row` ((clip, similarity to the caption), best first) that a generation draws
        among: those within `margin` of the best, and the other takes of the best clip's motion (its
        action and pace, within `TAKES_WINDOW` of it, their keys within `TAKES_ALIKE` of its key)."""
        if not row:
            return row
        top = row[0][1]
        near = [c for c in row if c[1] >= top - max(margin, TAKES_WINDOW)]  # a prefix: best first
        ids = [j for j, _ in near]
        alike = (self.keys[ids] @ self.keys[ids[0]]).tolist()
        kinds = list(zip(self.actions[ids].tolist(), self.paces[ids].tolist(), strict=True))
        return [
            (j, v)
            for (j, v), a, kind in zip(near, alike, kinds, strict=True)
            if v >= top - margin or (v >= top - TAKES_WINDOW and a >= TAKES_ALIKE and kind == kinds[0])
        ]

    def choose(
        self,
        query: torch.Tensor,
        actors: torch.Tensor,
        top_k: int,
        u: torch.Tensor,
        exclude_groups: torch.Tensor | None = None,
        faced: bool = False,
        side: torch.Tensor | None = None,
        margin: float | None = None,
        action: torch.Tensor | None = None,
        named: Named | None = None,
    ) -> torch.Tensor:
        """(B,) clip indices (`NO_CLIP` where none qualifies): for each row, the clip picked by `u` (B,) in
        [0, 1) among its `nearest`."""
        rows = self.nearest(query, actors, top_k, exclude_groups, faced, side, margin, action, named)
        return torch.tensor(
            [pick(row, float(x)) for row, x in zip(rows, u, strict=True)],
            dtype=torch.long,
        )

    def faced(self) -> torch.Tensor:
        """(N,) bool: the clips with a face in some frame (the synthetic ones: motion capture has none, and
        its face features are zeros). Computed once per filling or loading of the buffers."""
        if self._faced is None:
            rows = (self.states[:, FEATURES_PER_ACTOR:] != 0).any(dim=1).long()
            seen = torch.cat([rows.new_zeros(1), rows.cumsum(0)])
            self._faced = seen[self.offsets[1:]] > seen[self.offsets[:-1]]
        return self._faced.to(self.keys.device)

    def _load_from_state_dict(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self._faced = None
        super()._load_from_state_dict(*args, **kwargs)

    @staticmethod
    def lend_faces(
        clips: Sequence[int],
        lenders: Sequence[int],
        play: Callable[[list[tuple[int, int]]], list[tuple[torch.Tensor, torch.Tensor]]],
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Row k's template ((T, A, STATE), valid (T,)), `play`ed from `clips[k]` (`play([(k, clip), ...])`
        plays each listed row's clip on that row's timing), its face features taken from `lenders[k]` (a
        clip with a face, played the same way) when its clip's template shows none: a caption asking for a
        face reads a real one even where its nearest clip is motion capture. A lender is played only when
        its face is needed, all of them in one call."""
        out = play(list(enumerate(clips)))
        need = [
            k
            for k, (clip, lender) in enumerate(zip(clips, lenders, strict=True))
            if clip != NO_CLIP and lender != NO_CLIP and not bool(out[k][0][..., FEATURES_PER_ACTOR:].any())
        ]
        for k, (face, _) in zip(need, play([(k, lenders[k]) for k in need]), strict=True):
            template = out[k][0].clone()
            template[..., FEATURES_PER_ACTOR:] = face[..., FEATURES_PER_ACTOR:]
            out[k] = (template, out[k][1])
        return out

    def clip(self, clip: int) -> torch.Tensor:
        """Memory clip `clip`'s whole state (T, A, STATE_FEATURES), float32 on the CPU."""
        t, a = int(self.frames[clip]), int(self.actors[clip])
        rows = self.states[int(self.offsets[clip]) : int(self.offsets[clip + 1])]
        return rows.view(t, a, STATE_FEATURES).float().cpu()

    def _placed(self, frames: torch.Tensor, max_actors: int) -> tuple[torch.Tensor, torch.Tensor]:
        """`frames` (T, A, STATE) moved so that actor 0 starts at the floor's origin, as a (T, max_actors,
        STATE) template, every frame valid."""
        length, a = frames.shape[:2]
        frames = frames.clone()
        frames[..., list(ROOT_XZ)] -= frames[0, 0, list(ROOT_XZ)] - self.origin.cpu()
        out = torch.zeros(length, max_actors, STATE_FEATURES)
        out[:, : min(a, max_actors)] = frames[:, :max_actors]
        return out, torch.ones(length, dtype=torch.bool)

    @torch.no_grad()
    def template(
        self, clip: int, length: int, max_actors: int, lead_in: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The template of a generation: `length` frames of memory clip `clip`, played frame by frame as
        recorded (read between frames, at 0.95-1.05x, a sprint's three-frame contacts blurred into a V
        that the denoiser copied: docs/training.md) from its first frame (a
        caption describes its whole clip: a start drawn anywhere in a longer clip cut out what it names, so
        a turn played from after it turned stood still, already turned, in 2 of 6 "a person turns around"),
        or, where the clip is longer and its start much stiller, from its most active window
        (`stickgen.model.cycle.active_start`: a handshake's clip that stands before the hands meet), moved
        so that actor 0 starts at the floor's origin. Where the clip runs out it plays on by its
        last cycle when it ends repeating itself (a walk walks on), else its last frame is held
        (`stickgen.model.cycle.continued`; a training template plays its clip at 0-2 frames per frame and
        holds frames too, where the sample is slower than its clip): ((length, max_actors, STATE) float32,
        valid (length,) bool).
        `lead_in` frames (a continuation's kept frames) hold the start before it plays, so that what the
        clip does falls in the frames that are generated. `NO_CLIP` gives zeros, nothing valid."""
        if clip == NO_CLIP:
            return no_template(length, max_actors)
        lead_in = min(max(lead_in, 0), length - 1)
        rows = self.clip(clip)
        rows = continued(rows[active_start(rows, length - lead_in) :], length - lead_in)
        return self._placed(rows[(torch.arange(length) - lead_in).clamp(0, len(rows) - 1)], max_actors)

    @torch.no_grad()
    def aligned_templates(
        self, jobs: Sequence[tuple[int, torch.Tensor]]
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """For each (clip, target) job, memory clip `clip` played on the timing of `target` (T, max_actors,
        STATE), a clip of the same actor count: frame t of the template is the clip's frame that `warp_path`
        matches with target frame t (the template of a training sample, so that it shows where the
        target's steps, claps and mouth cycles fall); the jobs' warps are found together (`warp_paths`).
        `NO_CLIP` gives zeros, nothing valid."""
        shape = [c for c in range(STATE_FEATURES) if c not in ROOT_XZ]
        clips = [None if clip == NO_CLIP else self.clip(clip) for clip, _ in jobs]
        pairs = [
            (target[:, : rows.shape[1], shape].flatten(1).numpy(), rows[:, :, shape].flatten(1).numpy())
            for (_, target), rows in zip(jobs, clips, strict=True)
            if rows is not None
        ]
        paths = iter(warp_paths(pairs))
        return [
            no_template(*target.shape[:2])
            if rows is None
            else self._placed(played(rows, torch.from_numpy(smooth_path(next(paths)))), target.shape[1])
            for (_, target), rows in zip(jobs, clips, strict=True)
        ]

    def templates(
        self,
        clips: torch.Tensor,
        lenders: torch.Tensor,
        length: int,
        max_actors: int,
        lead_in: int = 0,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`template` of every row, its face lent by clip `lenders` (B,) where its own clip has none
        (`lend_faces`): ((B, length, max_actors, STATE), (B, length))."""
        parts = self.lend_faces(
            clips.tolist(),
            lenders.tolist(),
            lambda jobs: [self.template(clip, length, max_actors, lead_in) for _, clip in jobs],
        )
        return torch.stack([p[0] for p in parts]), torch.stack([p[1] for p in parts])


def check_memory_state(state: dict[str, torch.Tensor], text_dim: int, max_actors: int) -> None:
    """`ValueError` naming the first inconsistency of a memory's buffers (`MotionMemory.state_dict()`
    names), read from a file: every buffer present, the clips' rows adding up, actor counts in
    1..max_actors, keys of the text encoder's width, finite values."""
    names = ("keys", "states", "offsets", "frames", "actors", "groups", "sides", "actions", "paces", "origin")
    missing = [n for n in names if n not in state]
    if missing:
        raise ValueError(f"the motion memory lacks {missing}")
    n, keys, states, offsets = len(state["frames"]), state["keys"], state["states"], state["offsets"]
    problems = [
        (keys.shape != (n, text_dim), f"keys {tuple(keys.shape)} for {n} clips of width {text_dim}"),
        (states.ndim != 2 or states.shape[1] != STATE_FEATURES, f"states {tuple(states.shape)}"),
        (offsets.shape != (n + 1,), f"offsets {tuple(offsets.shape)} for {n} clips"),
        (
            any(len(state[k]) != n for k in ("actors", "groups", "sides", "actions", "paces")),
            "actors, groups, sides, actions or paces of another clip count",
        ),
        (state["origin"].shape != (len(ROOT_XZ),), f"origin {tuple(state['origin'].shape)}"),
    ]
    for bad, what in problems:
        if bad:
            raise ValueError(f"the motion memory does not fit together: {what}")
    frames, actors = state["frames"].long(), state["actors"].long()
    if n and (frames.min() < 1 or actors.min() < 1 or actors.max() > max_actors):
        raise ValueError(f"the motion memory holds clips of < 1 frame or actors outside 1..{max_actors}")
    if n and not bool(torch.isin(state["sides"].long(), torch.tensor([BOTH, LEFT, RIGHT])).all()):
        raise ValueError(
            f"the motion memory holds sides other than BOTH, LEFT, RIGHT ({BOTH}, {LEFT}, {RIGHT})"
        )
    if n and not bool(torch.isin(state["paces"].long(), torch.tensor([SLOW, NORMAL, FAST])).all()):
        raise ValueError(
            f"the motion memory holds paces other than SLOW, NORMAL, FAST ({SLOW}, {NORMAL}, {FAST})"
        )
    if n and not bool(((state["actions"] >= 0) & (state["actions"] < len(ACTIONS))).all()):
        raise ValueError(f"the motion memory holds action ids outside 0..{len(ACTIONS) - 1}")
    rows = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(frames * actors, 0)])
    if not torch.equal(offsets.long(), rows) or int(rows[-1]) != states.shape[0]:
        raise ValueError("the motion memory's offsets do not match its clips' frames and actors")
    if not all(bool(torch.isfinite(state[k].float()).all()) for k in ("keys", "states", "origin")):
        raise ValueError("the motion memory holds NaN or infinite values")


def pick(clips: list[int], u: float) -> int:
    """The clip of `clips` that a uniform draw `u` in [0, 1) picks; `NO_CLIP` from an empty list."""
    return clips[min(int(u * len(clips)), len(clips) - 1)] if clips else NO_CLIP


def fill_memory_from(memory: MotionMemory, data: StickFigureDataset, max_clips: int, seed: int) -> list[int]:
    """Fill `memory` with up to `max_clips` whole clips of `data` (all when they fit, else a seeded draw,
    kept in the set's order), keyed by the mean of each clip's caption embeddings, with the side and pace
    its captions name. Returns the indices held."""
    n = len(data)
    held = list(range(n))
    if n > max_clips:
        held = sorted(np.random.default_rng([seed, 0x3E30]).choice(n, max_clips, replace=False).tolist())
    keys = [data.caption_emb[data.caption_indices(i)].float().mean(0) for i in held]
    states, sides, paces = [], [], []
    texts = data.store.data["captions"]
    for i in held:
        state, _, joints = data.state(i)
        captions = [texts[c] for c in data.caption_indices(i)]
        states.append(state[:, : joints.shape[1]])
        sides.append(leading_side(captions, joints))
        paces.append(clip_pace(captions))
    zero = data.stats.normalise(np.zeros(data.stats.mean.shape, dtype=np.float32))
    memory.fill(
        torch.stack(keys) if keys else memory.keys.new_zeros(0, memory.keys.shape[1]),
        states,
        [data.store.data["groups"][i] for i in held],
        zero[list(ROOT_XZ)],
        sides,
        [data.store.data["actions"][i] for i in held],
        paces,
    )
    return held
