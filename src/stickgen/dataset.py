"""The training-ready embedded format and `StickFigureDataset`.

An embedded file is a canonical file (see `stickgen.canonical`) with `kind: "embedded"` and caption
embedding columns added: `text_encoder` ({name, dim}), `captions` (each distinct caption once),
`caption_emb` (float32 (U, dim)), and per clip its captions as indices into them
(`clip_caption_offsets` (C + 1,), `clip_caption_index`). Motion stays memory-mapped.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from stickgen import canonical
from stickgen.features import FEATURES_PER_ACTOR, FeatureStats, joints_to_features
from stickgen.vocab import action_id

EMBEDDED_KEYS = ("text_encoder", "captions", "caption_emb", "clip_caption_offsets", "clip_caption_index")


def load_embedded(path: str | os.PathLike) -> canonical.CanonicalStore:
    """Load an embedded file (memory-mapped) and check its embedding columns."""
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
    return store


@dataclass(frozen=True)
class Batch:
    """A padded batch. Shapes: features (B, T, A, 66), actor_mask (B, A), lengths (B,), text (B, D)."""

    features: torch.Tensor
    actor_mask: torch.Tensor
    lengths: torch.Tensor
    text: torch.Tensor
    action: torch.Tensor
    actors: torch.Tensor

    def to(self, device: torch.device | str) -> Batch:
        return Batch(*(getattr(self, f).to(device) for f in self.__dataclass_fields__))


class StickFigureDataset(Dataset):
    """Serves normalised features, a caption embedding (random among the clip's captions), the action,
    actor count and length of each clip. Randomness (caption choice, crop) is a pure function of
    (seed, epoch, index): call `set_epoch` each epoch, as with a DistributedSampler.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        stats: FeatureStats,
        max_actors: int,
        crop_frames: int | None,
        seed: int,
        random_caption: bool = True,
    ) -> None:
        self.store = load_embedded(path)
        self.stats = stats
        self.max_actors = max_actors
        self.crop_frames = crop_frames
        self.seed = seed
        self.random_caption = random_caption
        self.epoch = 0
        d = self.store.data
        self.text_encoder: dict = dict(d["text_encoder"])
        self.caption_emb: torch.Tensor = d["caption_emb"]

    def fingerprint(self) -> str:
        """A short hash of the clip ids and sizes: which data a checkpoint was trained on."""
        d = self.store.data
        h = hashlib.sha256(json.dumps(self.store.ids).encode())
        h.update(str(d["clip_frames"].tolist()).encode())
        h.update(json.dumps(self.text_encoder, sort_keys=True).encode())
        return h.hexdigest()[:16]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.store)

    def caption_indices(self, i: int) -> list[int]:
        d = self.store.data
        a, b = int(d["clip_caption_offsets"][i]), int(d["clip_caption_offsets"][i + 1])
        return [int(x) for x in d["clip_caption_index"][a:b]]

    def __getitem__(self, i: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, i])
        joints = self.store.joints(i)  # (T, A, 22, 3)
        t, a = joints.shape[:2]
        if a > self.max_actors:
            raise ValueError(f"clip {self.store.ids[i]} has {a} actors > max_actors {self.max_actors}")
        if self.crop_frames is not None and t > self.crop_frames:
            start = int(rng.integers(0, t - self.crop_frames + 1))
            joints = joints[start : start + self.crop_frames]
            # keep the canonical origin convention: actor 0's root at x = z = 0 on the first frame
            joints = joints - np.array([joints[0, 0, 0, 0], 0.0, joints[0, 0, 0, 2]], dtype=np.float32)
            t = joints.shape[0]
        feats = np.zeros((t, self.max_actors, FEATURES_PER_ACTOR), dtype=np.float32)
        feats[:, :a] = self.stats.normalise(joints_to_features(joints))
        caps = self.caption_indices(i)
        cap = caps[int(rng.integers(0, len(caps)))] if self.random_caption else caps[0]
        return {
            "features": torch.from_numpy(feats),
            "actors": a,
            "text": self.caption_emb[cap].float(),
            "action": action_id(self.store.data["actions"][i]),
        }


def collate(items: list[dict]) -> Batch:
    """Pad a list of dataset items to the longest clip."""
    lengths = torch.tensor([it["features"].shape[0] for it in items])
    t_max, (a_max, f) = int(lengths.max()), items[0]["features"].shape[1:]
    feats = torch.zeros(len(items), t_max, a_max, f)
    for k, it in enumerate(items):
        feats[k, : it["features"].shape[0]] = it["features"]
    actors = torch.tensor([it["actors"] for it in items])
    return Batch(
        features=feats,
        actor_mask=torch.arange(a_max)[None, :] < actors[:, None],
        lengths=lengths,
        text=torch.stack([it["text"] for it in items]),
        action=torch.tensor([it["action"] for it in items]),
        actors=actors,
    )


def build_embedded(store: canonical.CanonicalStore, encoder: str, batch_size: int) -> dict:
    """A curated store plus its caption embedding columns, ready for `atomic_torch_save`.

    Each distinct caption of the store is embedded once (in sorted order, so the output is stable).
    """
    from stickgen.text import embed_texts, encoder_info

    d = dict(store.data)
    captions = sorted({t for texts in d["texts"] for t in texts})
    row = {t: i for i, t in enumerate(captions)}
    index = [row[t] for texts in d["texts"] for t in texts]
    counts = [len(texts) for texts in d["texts"]]
    info = encoder_info(encoder)
    d.update(
        kind="embedded",
        text_encoder=info.to_dict(),
        captions=captions,
        caption_emb=torch.from_numpy(embed_texts(encoder, captions, batch_size, progress=True)),
        clip_caption_offsets=torch.tensor(np.concatenate([[0], np.cumsum(counts)]), dtype=torch.int64),
        clip_caption_index=torch.tensor(index, dtype=torch.int64),
    )
    # materialise memory-mapped tensors so the saved file does not alias the input
    return {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in d.items()}


def feature_stats_of(store: canonical.CanonicalStore) -> FeatureStats:
    """Normalisation statistics over every real actor-frame of a store (the training split)."""
    from stickgen.features import compute_stats

    return compute_stats([joints_to_features(store.joints(i)) for i in range(len(store))])
