"""Near-duplicate clips, within and across sources (docs/curation.md, "De-duplication").

A clip's descriptor is a small pose sequence in canonical coordinates: actor 0's pelvis, head, wrists
and ankles at `DESCRIPTOR_FRAMES` instants spread evenly over the clip, plus the mean pelvis of the
other actors at the same instants (zeros for one actor): `DESCRIPTOR_POINTS` points. Canonical
coordinates already remove where and which way a take starts, so the same motion from two sources
(AMASS and HumanML3D share CMU takes) gets nearly the same descriptor.

Two clips are near-duplicates when they have the same number of actors, lengths within
`MAX_LENGTH_RATIO_DIFF` of each other, and descriptors whose corresponding points are all within
`max_dist_m` metres (`distance`: the largest point distance) with a root-mean-square point distance
within half of it. Every point must match, so two different people doing the same kind of motion (a
few centimetres apart nearly everywhere, but not at the wrists of a punch) are not duplicates; a
shifted window of a moving take is not one either (a walk moves about 6 cm per frame at 20 fps).
With mirroring on, a clip that is a near-duplicate of another clip's mirror image is one too
(HumanML3D ships mirrored copies): mirror augmentation recreates it, and keeping both would put a
take and its mirror in different splits.

Search, vectorised (no Python loop over clips): random-projection locality-sensitive hashing
(`_TABLES` tables, each keyed by the actor count and `_HASHES` quantised projections; a pair of
repeats a centimetre apart shares a bucket with probability above 0.99) sorts every clip, and every
clip's mirror image, into buckets; within a bucket each entry is paired with at most `_WINDOW`
higher-priority clips, which bounds the work where many clips are alike (a duplicate is then
missed only if it misses in every table). Candidate pairs pass a cheap exact test on a subset of
points, then the full test. Finally, in priority order, a clip is a duplicate when a clip it
matches was kept.
"""

from __future__ import annotations

import numpy as np

from stickgen.core.quality import Tracks
from stickgen.core.skeleton import JOINT_INDEX, MIRROR, PELVIS

DESCRIPTOR_FRAMES = 16
_DESC_JOINTS = tuple(
    JOINT_INDEX[n] for n in ("pelvis", "head", "left_wrist", "right_wrist", "left_ankle", "right_ankle")
)
DESCRIPTOR_POINTS = DESCRIPTOR_FRAMES * (len(_DESC_JOINTS) + 1)
MAX_LENGTH_RATIO_DIFF = 0.1
_TABLES, _HASHES, _WIDTH_FACTOR, _WINDOW = 16, 12, 4.0, 16
_KEY_CHUNK = 65_536
_PAIR_CHUNK = 1 << 20

# mirror of a descriptor: swap the left/right columns among the sampled joints, negate X
_DESC_MIRROR = np.array([_DESC_JOINTS.index(MIRROR[j]) for j in _DESC_JOINTS])


def descriptors(tracks: Tracks, tracks_per_clip: np.ndarray) -> np.ndarray:
    """Float32 (C, DESCRIPTOR_POINTS, 3) descriptors of the clips whose actor tracks `tracks` holds
    (the tracks of clip c are consecutive, actor 0 first)."""
    starts, lengths = tracks.starts[:-1], tracks.lengths
    s = np.linspace(0.0, 1.0, DESCRIPTOR_FRAMES)
    rows = starts[:, None] + np.rint(s[None, :] * (lengths[:, None] - 1)).astype(np.int64)  # (K, F)
    first = np.concatenate([[0], np.cumsum(tracks_per_clip)[:-1]]).astype(np.int64)
    main = tracks.joints[rows[first]][:, :, _DESC_JOINTS, :]  # (C, F, 6, 3)
    pelvis = tracks.joints[rows][:, :, PELVIS, :]  # (K, F, 3)
    others = np.add.reduceat(pelvis, first, axis=0) - pelvis[first]
    partner = others / np.maximum(tracks_per_clip - 1, 1)[:, None, None]
    out = np.concatenate([main.reshape(len(first), -1, 3), partner], axis=1)
    return np.nan_to_num(out.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def clip_descriptor(joints: np.ndarray) -> np.ndarray:
    """The descriptor (DESCRIPTOR_POINTS, 3) of one clip's joints (T, A, 22, 3)."""
    return descriptors(Tracks.from_clip(np.asarray(joints), 1.0), np.array([joints.shape[1]]))[0]


def _mirror_index() -> tuple[np.ndarray, np.ndarray]:
    """Flat (P * 3) permutation and signs that turn a descriptor into its mirror image's."""
    n_main = DESCRIPTOR_FRAMES * len(_DESC_JOINTS)
    points = np.arange(DESCRIPTOR_POINTS)
    frame, joint = points[:n_main] // len(_DESC_JOINTS), points[:n_main] % len(_DESC_JOINTS)
    src_points = np.concatenate([frame * len(_DESC_JOINTS) + _DESC_MIRROR[joint], points[n_main:]])
    perm = (src_points[:, None] * 3 + np.arange(3)[None, :]).reshape(-1)
    sign = np.tile(np.array([-1.0, 1.0, 1.0], dtype=np.float32), DESCRIPTOR_POINTS)
    return perm, sign


_MIRROR_PERM, _MIRROR_SIGN = _mirror_index()


def mirror_descriptors(desc: np.ndarray) -> np.ndarray:
    """Descriptors of the mirrored clips (N, DESCRIPTOR_POINTS, 3): left/right joints swapped, X negated."""
    n = desc.shape[0]
    flat = desc.reshape(n, -1)[:, _MIRROR_PERM] * _MIRROR_SIGN
    return flat.astype(np.float32).reshape(n, DESCRIPTOR_POINTS, 3)


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The largest distance (m) between corresponding points of descriptors (broadcasts leading axes)."""
    d = a.astype(np.float32) - b.astype(np.float32)
    return np.sqrt((d * d).sum(axis=-1)).max(axis=-1)


def _keys(
    flat: np.ndarray, actors: np.ndarray, proj: np.ndarray, shift: np.ndarray, width: float
) -> np.ndarray:
    """(N, _TABLES) int64 bucket keys.

    The projections are computed in float64: a float32 product's last bits depend on the CPU's BLAS
    kernels, and a key that moves across a bucket boundary changes the candidate pairs, so the curated
    sets would differ between machines (docs/reproducibility.md).
    """
    x = flat.astype(np.float64) @ proj.astype(np.float64) + shift.astype(np.float64)
    q = np.floor(x / width).astype(np.int64).reshape(flat.shape[0], _TABLES, _HASHES)
    mult = np.random.default_rng(0x11A5).integers(1 << 40, 1 << 62, _HASHES, dtype=np.int64) | 1
    with np.errstate(over="ignore"):
        return (q * mult).sum(axis=-1) ^ (actors[:, None].astype(np.int64) * 0x2545F4914F6CDD1D)


def find_duplicates(
    desc: np.ndarray,
    actors: np.ndarray,
    frames: np.ndarray,
    order: np.ndarray,
    max_dist_m: float,
    mirror: bool,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mark near-duplicates among N clips.

    Args:
        desc: (N, DESCRIPTOR_POINTS, 3) descriptors (float16 is enough; rows convert on use).
        actors, frames: (N,) actor count and length of each clip.
        order: a permutation of range(N): the priority (earlier clips are kept first).
        max_dist_m: the largest point distance of a near-duplicate (0 switches de-duplication off).
        mirror: also match each clip's mirror image against the other clips.
        seed: seeds the random projections (the result barely depends on it).

    Returns:
        (dup_of, mirrored, distance): per clip the index of the kept clip it duplicates (-1 if none),
        whether it matched that clip's mirror image, and the descriptor distance.
    """
    n = desc.shape[0]
    dup_of = np.full(n, -1, dtype=np.int64)
    mirrored = np.zeros(n, dtype=bool)
    dist = np.zeros(n, dtype=np.float32)
    if n < 2 or max_dist_m <= 0:
        return dup_of, mirrored, dist
    flat = desc.reshape(n, -1)
    rank = np.empty(n, dtype=np.int64)
    rank[np.asarray(order)] = np.arange(n)
    q, c, m = _candidate_pairs(flat, actors, rank, max_dist_m, mirror, seed)  # query, candidate, mirrored
    ok = (actors[q] == actors[c]) & (
        np.abs(frames[q] - frames[c]) <= MAX_LENGTH_RATIO_DIFF * np.maximum(frames[q], frames[c])
    )
    q, c, m = q[ok], c[ok], m[ok]
    d = _pair_distances(flat, q, c, m, max_dist_m)
    hit = d <= max_dist_m
    q, c, m, d = q[hit], c[hit], m[hit], d[hit]
    # greedy in priority order: a clip is a duplicate when a clip it matches (always of higher
    # priority) was kept; prefer plain over mirror matches, then the closest
    by = np.lexsort((d, m, rank[q]))
    kept = np.ones(n, dtype=bool)
    for qi, ci, mi, di in zip(q[by].tolist(), c[by].tolist(), m[by].tolist(), d[by].tolist(), strict=True):
        if kept[qi] and kept[ci]:
            kept[qi] = False
            dup_of[qi], mirrored[qi], dist[qi] = ci, mi, di
    return dup_of, mirrored, dist


def _candidate_pairs(
    flat: np.ndarray, actors: np.ndarray, rank: np.ndarray, max_dist_m: float, mirror: bool, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query, candidate, via-mirror) clip pairs sharing an LSH bucket; the candidate always has the
    higher priority (lower rank). Unique pairs."""
    n = flat.shape[0]
    # a near-duplicate pair is at most max_dist_m / 2 * sqrt(points) apart in the flat (L2) space
    width = _WIDTH_FACTOR * max_dist_m / 2 * np.sqrt(DESCRIPTOR_POINTS)
    rng = np.random.default_rng([seed, 0xD0D0])
    proj = rng.standard_normal((flat.shape[1], _TABLES * _HASHES)).astype(np.float32)
    shift = rng.uniform(0.0, width, _TABLES * _HASHES).astype(np.float32)
    keys = np.empty((n, _TABLES), dtype=np.int64)
    mkeys = np.empty((n, _TABLES), dtype=np.int64) if mirror else None
    for a in range(0, n, _KEY_CHUNK):  # bounded float32 temporaries
        b = min(a + _KEY_CHUNK, n)
        keys[a:b] = _keys(flat[a:b].astype(np.float32), actors[a:b], proj, shift, width)
        if mkeys is not None:
            mkeys[a:b] = _keys(mirror_flat(flat[a:b]), actors[a:b], proj, shift, width)
    clip = np.arange(n) if mkeys is None else np.concatenate([np.arange(n), np.arange(n)])
    is_mirror = np.zeros(len(clip), dtype=bool)
    is_mirror[n:] = True
    found = []
    for t in range(_TABLES):
        k = keys[:, t] if mkeys is None else np.concatenate([keys[:, t], mkeys[:, t]])
        # entries in shared buckets only, sorted by (bucket, priority); originals before mirrors on ties
        srt = np.lexsort((is_mirror, rank[clip], k))
        ks = k[srt]
        shared = np.zeros(len(ks), dtype=bool)
        same = ks[1:] == ks[:-1]
        shared[1:] |= same
        shared[:-1] |= same
        e = srt[shared]
        ke, ce, me = k[e], clip[e], is_mirror[e]
        for back in range(1, _WINDOW + 1):  # pair each entry with the entries just before it
            if back >= len(e):
                break
            p = np.arange(back, len(e))
            same = ke[p] == ke[p - back]
            if not same.any():  # no bucket holds more than `back` entries
                break
            p = p[same & ~me[p - back] & (ce[p] != ce[p - back])]
            found.append(np.stack([ce[p], ce[p - back], me[p]], axis=1))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=bool)
    pairs = np.unique(np.concatenate(found), axis=0)
    return pairs[:, 0], pairs[:, 1], pairs[:, 2].astype(bool)


def mirror_flat(flat: np.ndarray) -> np.ndarray:
    """Flat (N, P * 3) descriptors of the mirror images, float32."""
    return flat[:, _MIRROR_PERM].astype(np.float32) * _MIRROR_SIGN


_SUBSET = np.arange(0, DESCRIPTOR_POINTS, 7)  # 16 points spread over instants and joints


def _pair_distances(
    flat: np.ndarray, q: np.ndarray, c: np.ndarray, m: np.ndarray, max_dist_m: float
) -> np.ndarray:
    """Largest point distance of each pair (inf when the RMS test fails); query rows mirrored where m.

    A first pass on `_SUBSET` (a lower bound of the largest distance) discards most pairs cheaply.
    """
    out = np.full(len(q), np.inf, dtype=np.float32)
    sub = (_SUBSET[:, None] * 3 + np.arange(3)).reshape(-1)
    for a in range(0, len(q), _PAIR_CHUNK):
        qa, ca, ma = q[a : a + _PAIR_CHUNK], c[a : a + _PAIR_CHUNK], m[a : a + _PAIR_CHUNK]
        qs = flat[qa][:, sub].astype(np.float32)
        if ma.any():
            qs[ma] = mirror_flat(flat[qa[ma]])[:, sub]
        diff = (qs - flat[ca][:, sub].astype(np.float32)).reshape(len(qa), -1, 3)
        near = np.flatnonzero(np.einsum("npk,npk->np", diff, diff).max(axis=1) <= max_dist_m**2)
        if not len(near):
            continue
        qf = flat[qa[near]].astype(np.float32)
        mn = ma[near]
        if mn.any():
            qf[mn] = mirror_flat(flat[qa[near][mn]])
        diff = (qf - flat[ca[near]].astype(np.float32)).reshape(len(near), -1, 3)
        sq = np.einsum("npk,npk->np", diff, diff)
        rms_ok = np.sqrt(sq.mean(axis=1)) <= max_dist_m / 2
        out[a + near] = np.where(rms_ok, np.sqrt(sq.max(axis=1)), np.inf)
    return out
