"""The training-ready embedded format and `StickFigureDataset`.

An embedded file is a canonical file (see `stickgen.core.canonical`) with `kind: "embedded"` and caption
embedding columns added: `text_encoder` ({name, dim}), `captions` (each distinct caption once,
sorted), `caption_emb` (float32 (U, dim)), and per clip its captions as indices into them
(`clip_caption_offsets` (C + 1,), `clip_caption_index`). `write_embedded` streams a curated store
into that format chunk by chunk; loading memory-maps motion and caption vectors, so a set far larger
than RAM serves batches while only the clips being read are resident.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from stickgen.core import canonical, strings
from stickgen.core.columnar import (
    Column,
    ColumnSink,
    advise_random,
    release_pages,
    row_chunks,
    write_columnar,
)
from stickgen.core.face import FaceTrack, face_features
from stickgen.core.features import FEATURES_PER_ACTOR, STATE_FEATURES, FeatureStats, joints_to_features
from stickgen.core.laterality import leading_side
from stickgen.core.skeleton import NUM_JOINTS
from stickgen.core.vocab import action_id

EMBEDDED_KEYS = ("text_encoder", "captions", "caption_emb", "clip_caption_offsets", "clip_caption_index")
_CHUNK_ROWS = 200_000


def load_embedded(path: str | os.PathLike, text_encoder: dict | None = None) -> canonical.CanonicalStore:
    """Load an embedded file (memory-mapped) and check its embedding columns.

    Args:
        path: the file.
        text_encoder: if given ({name, dim}), the file must have been embedded with this encoder.
    """
    store = canonical.load(path)
    d = store.data
    missing = [k for k in EMBEDDED_KEYS if k not in d]
    if d.get("kind") != "embedded" or missing:
        raise canonical.CanonicalFormatError(
            f"{path}: not an embedded file (kind={d.get('kind')!r}, missing {missing}); run the `embed` stage"
        )
    n_caps = d["caption_emb"].shape[0]
    if len(d["captions"]) != n_caps or d["caption_emb"].shape[1] != d["text_encoder"]["dim"]:
        raise canonical.CanonicalFormatError(f"{path}: caption table does not match the text encoder dim")
    if d["clip_caption_offsets"].shape != (len(store) + 1,):
        raise canonical.CanonicalFormatError(f"{path}: clip_caption_offsets does not match the clip count")
    if text_encoder is not None:
        from stickgen.core.text import EncoderInfo

        EncoderInfo(text_encoder["name"], text_encoder["dim"]).check_matches(
            dict(d["text_encoder"]), str(path)
        )
    return store


@dataclass(frozen=True)
class Batch:
    """A padded batch. Shapes: features (B, T, A, 66 + FACE_FEATURES) (the normalised motion features, then
    the face's, `stickgen.core.face.face_features`), actor_mask (B, A), lengths (B,), text (B, D),
    action (B,), actors (B,), side (B,) (each sample's side condition,
    `stickgen.core.laterality.leading_side`), face_mask (B, T, A) (frames whose face is known)."""

    features: torch.Tensor
    actor_mask: torch.Tensor
    lengths: torch.Tensor
    text: torch.Tensor
    action: torch.Tensor
    actors: torch.Tensor
    side: torch.Tensor
    face_mask: torch.Tensor

    @property
    def frame_mask(self) -> torch.Tensor:
        """(B, T) True on real frames, False on padding."""
        return (
            torch.arange(self.features.shape[1], device=self.lengths.device)[None, :] < self.lengths[:, None]
        )

    def to(self, device: torch.device | str) -> Batch:
        return Batch(*(getattr(self, f).to(device) for f in self.__dataclass_fields__))


def data_fingerprint(data: dict) -> str:
    """16 hex digits of sha256 over an embedded file's stored fields, in key order: every tensor's dtype,
    shape and bytes, every plain value as JSON (the decoded string views repeat tensors and are skipped)."""
    h = hashlib.sha256()
    for key in sorted(data):
        value = data[key]
        if isinstance(value, torch.Tensor):
            flat = value.detach().contiguous().reshape(-1)
            h.update(f"{key}:{flat.dtype}:{tuple(value.shape)}".encode())
            h.update(flat.view(torch.uint8).numpy().tobytes())
        elif value is None or isinstance(value, (str, int, float, bool, list, tuple, dict)):
            h.update(f"{key}={json.dumps(value, sort_keys=True, default=str)}".encode())
    return h.hexdigest()[:16]


class StickFigureDataset(Dataset):
    """Serves normalised features, a caption embedding (random among the clip's captions), the action,
    actor count, length, actor mask and side condition (the side the caption names, else the one the crop
    served leads with: `stickgen.core.laterality.leading_side`) of each clip. Randomness
    (caption choice, crop) is a pure function of (seed, epoch, index): call `set_epoch` each epoch, as
    with a DistributedSampler.

    Args:
        path: an embedded file (memory-mapped: only the clips read become resident).
        stats: feature normalisation statistics.
        max_actors: actor slots per sample (missing actors are zero and masked).
        crop_frames: random crop length for longer clips (None: whole clips).
        seed: base seed.
        random_caption: draw one of the clip's captions (False: always its first).
        text_encoder: if given ({name, dim}), the file must have been embedded with this encoder.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        stats: FeatureStats,
        max_actors: int,
        crop_frames: int | None,
        seed: int,
        random_caption: bool = True,
        text_encoder: dict | None = None,
    ) -> None:
        self.store = load_embedded(path, text_encoder)
        self.stats = stats
        self.max_actors = max_actors
        self.crop_frames = crop_frames
        self.seed = seed
        self.random_caption = random_caption
        self.epoch = 0
        d = self.store.data
        self.text_encoder: dict = dict(d["text_encoder"])
        self.caption_emb: torch.Tensor = d["caption_emb"]
        self._actions = [action_id(a) for a in d["actions"]]
        for key in ("root", "offsets", "caption_emb"):  # read at random: no read-ahead around each clip
            advise_random(d[key])

    def fingerprint(self) -> str:
        """A short hash of the whole file's content (motion, faces, captions, their embeddings, labels, ids):
        which data a checkpoint was trained on. Ids and sizes alone were not enough: a caption rewritten
        or a motion changed kept them, and `dvc repro` resumed the finished run of the old data as done."""
        return data_fingerprint(self.store.data)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.store)

    def lengths(self) -> np.ndarray:
        """(N,) frames of every item as `__getitem__` returns it (clips longer than `crop_frames` cropped)."""
        frames = np.asarray(self.store.data["clip_frames"], dtype=np.int64)
        return frames if self.crop_frames is None else np.minimum(frames, self.crop_frames)

    def side_examples(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Every (caption embedding (N, D), side condition (N,)) pair of the set: the side the caption names,
        else the one its whole clip's motion leads with (`stickgen.core.laterality.leading_side`); what the
        side prior p(side | text) is fitted to (`stickgen.model.side_prior`)."""
        rows, sides = [], []
        texts = self.store.data["captions"]
        for i in range(len(self)):
            caps = self.caption_indices(i)
            rows += caps
            joints = self.store.joints(i)
            sides += [leading_side([texts[c]], joints) for c in caps]
        return self.caption_emb[rows].float(), torch.tensor(sides)

    def caption_indices(self, i: int) -> list[int]:
        d = self.store.data
        a, b = int(d["clip_caption_offsets"][i]), int(d["clip_caption_offsets"][i + 1])
        return [int(x) for x in d["clip_caption_index"][a:b]]

    def state(
        self, i: int, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Clip i as the model reads it: its normalised diffusion state (T, max_actors, STATE_FEATURES),
        face mask (T, max_actors) and joints (T, A, 22, 3); cropped to `crop_frames` at a start drawn from
        `rng` (None: the whole clip) and moved so that actor 0 starts at the floor's origin."""
        joints = self.store.joints(i)  # (T, A, 22, 3)
        t, a = joints.shape[:2]
        if a > self.max_actors:
            raise ValueError(f"clip {self.store.ids[i]} has {a} actors > max_actors {self.max_actors}")
        face = self.store.face(i) or FaceTrack.unknown(t, a)
        if rng is not None and self.crop_frames is not None and t > self.crop_frames:
            start = int(rng.integers(0, t - self.crop_frames + 1))
            joints = joints[start : start + self.crop_frames]
            face = face.slice(start, start + self.crop_frames)
            # keep the canonical origin convention: actor 0's root at x = z = 0 on the first frame
            joints = joints - np.array([joints[0, 0, 0, 0], 0.0, joints[0, 0, 0, 2]], dtype=np.float32)
            t = joints.shape[0]
        feats = np.zeros((t, self.max_actors, STATE_FEATURES), dtype=np.float32)
        feats[:, :a, :FEATURES_PER_ACTOR] = self.stats.normalise(joints_to_features(joints))
        feats[:, :a, FEATURES_PER_ACTOR:] = face_features(face, self.store.fps)
        face_mask = np.zeros((t, self.max_actors), dtype=bool)
        face_mask[:, :a] = face.known
        return feats, face_mask, joints

    def __getitem__(self, i: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, i])
        feats, face_mask, joints = self.state(i, rng)
        caps = self.caption_indices(i)
        cap = caps[int(rng.integers(0, len(caps)))] if self.random_caption else caps[0]
        return {
            "features": torch.from_numpy(feats),
            "face_mask": torch.from_numpy(face_mask),
            "actors": joints.shape[1],
            "length": feats.shape[0],
            "actor_mask": torch.arange(self.max_actors) < joints.shape[1],
            "text": self.caption_emb[cap].float(),
            "caption": cap,
            "action": self._actions[i],
            "side": leading_side([self.store.data["captions"][cap]], joints),
        }


def collate(items: list[dict]) -> Batch:
    """Pad a list of dataset items to the longest clip."""
    lengths = torch.tensor([it["features"].shape[0] for it in items])
    t_max, (a_max, f) = int(lengths.max()), items[0]["features"].shape[1:]
    feats = torch.zeros(len(items), t_max, a_max, f)
    face_mask = torch.zeros(len(items), t_max, a_max, dtype=torch.bool)
    for k, it in enumerate(items):
        feats[k, : it["features"].shape[0]] = it["features"]
        face_mask[k, : it["features"].shape[0]] = it["face_mask"]
    actors = torch.tensor([it["actors"] for it in items])
    return Batch(
        features=feats,
        actor_mask=torch.arange(a_max)[None, :] < actors[:, None],
        lengths=lengths,
        text=torch.stack([it["text"] for it in items]),
        action=torch.tensor([it["action"] for it in items]),
        actors=actors,
        side=torch.tensor([it["side"] for it in items]),
        face_mask=face_mask,
    )


# ---------------------------------------------------------------------------------------------
# Writing embedded sets


def _caption_columns(texts: Sequence[Sequence[str]]) -> tuple[list[str], torch.Tensor, torch.Tensor]:
    captions = sorted({t for ts in texts for t in ts})
    row = {t: i for i, t in enumerate(captions)}
    counts = np.fromiter((len(ts) for ts in texts), dtype=np.int64, count=len(texts))
    offsets = torch.from_numpy(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    index = torch.tensor([row[t] for ts in texts for t in ts], dtype=torch.int64)
    return captions, offsets, index


def write_embedded(
    store: canonical.CanonicalStore,
    path: str | os.PathLike,
    text_encoder: dict,
    vectors: Callable[[list[str]], np.ndarray],
    chunk_rows: int = _CHUNK_ROWS,
) -> None:
    """Stream a curated store plus its caption embedding columns into an embedded file.

    Args:
        store: a curated (or canonical) store.
        path: the embedded file to write.
        text_encoder: {name, dim} of the encoder that made the vectors.
        vectors: maps a list of captions to float32 (len, dim) vectors (e.g. `EmbeddingCache.gather`).
        chunk_rows: motion rows (and caption vectors) copied per step.
    """
    d = store.data
    captions, cap_offsets, cap_index = _caption_columns(d["texts"])
    dim = int(text_encoder["dim"])
    header = canonical.header_of(d, "embedded")
    header.update(
        text_encoder={"name": text_encoder["name"], "dim": dim},
        **strings.pack("captions", captions),
        clip_caption_offsets=cap_offsets,
        clip_caption_index=cap_index,
    )
    rows = int(d["root"].shape[0])
    columns = {
        "root": Column((rows, 3), torch.float32),
        "offsets": Column((rows, NUM_JOINTS - 1, 3), torch.int16),
        "face": Column((rows, canonical.FACE_BYTES), torch.uint8),
        "caption_emb": Column((len(captions), dim), torch.float32),
    }

    def fill(sink: ColumnSink) -> None:
        for a in range(0, rows, chunk_rows):
            b = min(a + chunk_rows, rows)
            for key in canonical.MOTION_FIELDS:
                part = d[key][a:b]
                sink.write(key, a, part.numpy())
                release_pages(part)
        step = max(1, chunk_rows // 8)
        for a in range(0, len(captions), step):
            vecs = np.asarray(vectors(captions[a : a + step]), dtype=np.float32)
            if vecs.shape != (min(step, len(captions) - a), dim):
                raise ValueError(f"caption vectors of shape {vecs.shape}; the text encoder is {dim}-d")
            sink.write("caption_emb", a, vecs)

    write_columnar(path, header, columns, fill)


def feature_stats_of(store: canonical.CanonicalStore, chunk_rows: int = _CHUNK_ROWS) -> FeatureStats:
    """Normalisation statistics over every real actor-frame of a store (the training split), streamed.

    A stored row is one actor-frame and its features are exactly the root and the root-relative
    offsets (`stickgen.core.features`), so the chunks are read straight from the columns.
    """
    from stickgen.core.features import compute_stats

    d = store.data

    def blocks() -> Iterator[np.ndarray]:
        for c0, c1 in row_chunks(d["clip_offsets"], chunk_rows):
            a, b = int(d["clip_offsets"][c0]), int(d["clip_offsets"][c1])
            root_t, off_t = d["root"][a:b], d["offsets"][a:b]
            yield np.concatenate(
                [root_t.numpy(), off_t.numpy().reshape(b - a, -1) / np.float32(1000.0)], axis=1
            )
            release_pages(root_t)
            release_pages(off_t)

    return compute_stats(blocks())  # type: ignore[arg-type]  # iterates its argument once
