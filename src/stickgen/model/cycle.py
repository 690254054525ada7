"""A clip played for a generation's length: a longer clip from its most active window, a shorter one on
by its own cycle (or holding its last frame).

`active_start`: a generation's template plays its clip from the first frame (a caption describes its
whole clip), unless the clip is longer than the frames asked for and its start moves less than `KEEP_START`
of the most active window of that length (the summed neighbouring-frame distances of the pose features,
every actor): then from that window. The animator's handshakes stand for up to 3.5 s before the hands
meet, and a 3-s "two people shake hands" that read such a clip never joined hands (the right hands 0.79-0.81
m apart; seeds 3 and 5 of 8, the embedded default's small/sft: docs/training.md, "A template's most active
window").

A generation asks for a length (10 s of "a person walks forward") and reads a clip of the motion memory
(`stickgen.model.memory.MotionMemory.template`) that is often shorter (the animator's clips last 2.5-6 s).
Held at its last frame, the template showed a walker standing still for the rest of the motion, and the
denoiser, which adapts the template it reads, slowed down with it: a 4-s sprint read from a 3.5-s clip ran
its last second at 2.0-3.1 m/s, where its first three ran at 5.2-6.3 (docs/training.md, "Templates that
outlast their clip").

`continued` plays a clip that ends by repeating itself on by its last cycle: the frames `period` back,
again and again, each repetition moved along the floor by what the last cycle travelled. A clip "repeats"
when its last `period` frames match the `period` frames before them: the mean distance between the pose
features (all but the root's floor position: its height and the joints around it, of every actor) of
frames `period` apart is at most `MATCH` times the mean distance between neighbouring frames of the clip.
The period is the shortest of those of least distance (within `SLACK`), from `MIN_PERIOD` frames to
half the clip. Any other clip holds its
last frame, as before: a seat stays seated, a jump is not jumped again, a wave that ends lowering the arm
ends lowered. A clip that ends still matches at a short period and plays as if held.

On the embedded default's pretraining clips (the small/pretrain memory, 2386 clips) the median ratio of the
two distances is 0.11 for sprints, 0.21 for dances, 0.28 for walks, 0.35 for runs, 0.32 for crawls and
flights, and 2.4 for climbs, 2.5 for claps, 4.0 for talks (their gestures do not repeat in step): with
`MATCH` 0.5 most gaits, dances and swims repeat and the rest hold.
"""

from __future__ import annotations

import torch

from stickgen.core.features import FEATURES_PER_ACTOR, ROOT_XZ

KEEP_START = 0.5  # a clip's start is played unless its window moves less than this share of the most active
MIN_PERIOD = 4  # frames: a shorter "cycle" is a still end (the search finds those at the shortest period)
MATCH = 0.5  # the last cycle's mean distance to the one before, in mean neighbouring-frame distances
SLACK = 0.05  # periods within this (same unit) of the best one match as well: the shortest is taken
_POSE = [c for c in range(FEATURES_PER_ACTOR) if c not in ROOT_XZ]


def last_cycle(rows: torch.Tensor) -> int | None:
    """The period (frames) with which clip `rows` (L, A, STATE) ends repeating itself, or None when its end
    does not repeat (module docstring)."""
    n = rows.shape[0]
    if n < 2 * MIN_PERIOD:
        return None
    pose = rows[..., _POSE].reshape(n, -1).float()
    step = float((pose[1:] - pose[:-1]).norm(dim=-1).mean())
    if step <= 0.0:
        return None  # a still clip: holding its last frame is the same
    periods = range(MIN_PERIOD, n // 2 + 1)
    gaps = [float((pose[n - p :] - pose[n - 2 * p : n - p]).norm(dim=-1).mean()) for p in periods]
    least = min(gaps)
    if least > MATCH * step:
        return None
    # the shortest of the periods that match about as well (multiples of a period match as well as it)
    return next(p for p, gap in zip(periods, gaps, strict=True) if gap <= least + SLACK * step)


def continued(rows: torch.Tensor, frames: int) -> torch.Tensor:
    """Clip `rows` (L, A, STATE) with at least `frames` frames: unchanged when it is that long or its end
    does not repeat (`last_cycle`; it is then held where it runs out), else followed by repetitions of its
    last cycle, each moved along the floor by what that cycle travelled (per actor)."""
    n = rows.shape[0]
    if frames <= n:
        return rows
    period = last_cycle(rows)
    if period is None:
        return rows
    k = torch.arange(n, frames)
    laps = (k - n) // period + 1  # how many cycles back frame k repeats
    out = rows[k - laps * period].clone()
    travelled = rows[n - 1, :, list(ROOT_XZ)] - rows[n - 1 - period, :, list(ROOT_XZ)]  # (A, 2)
    out[..., list(ROOT_XZ)] += laps.to(rows.dtype)[:, None, None] * travelled
    return torch.cat([rows, out])


def active_start(rows: torch.Tensor, frames: int) -> int:
    """The first frame of the `frames`-long window that a template plays of clip `rows` (L, A, STATE): 0,
    unless the clip is longer and its first window moves less than `KEEP_START` of its most active one
    (module docstring), whose start (the earliest of equals) is then returned."""
    n = rows.shape[0]
    if frames >= n or frames < 2:
        return 0
    pose = rows[..., _POSE].reshape(n, -1).float()
    moved = torch.cat([pose.new_zeros(1), (pose[1:] - pose[:-1]).norm(dim=-1).cumsum(0)])  # (n,)
    window = moved[frames - 1 :] - moved[: n - frames + 1]  # the motion within each window of `frames`
    best = int(window.argmax())
    return best if float(window[0]) < KEEP_START * float(window[best]) else 0
