"""StickFigureDataset and the embedded format: what an item holds, determinism per (seed, epoch), and the
streamed writers agreeing with the in-memory definitions."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from motions import clean_motion, clip_of

from stickgen.core import canonical
from stickgen.core.features import STATE_FEATURES, compute_stats, joints_to_features
from stickgen.core.text import PACKAGED_MINILM
from stickgen.embed.dataset import (
    StickFigureDataset,
    collate,
    feature_stats_of,
    load_embedded,
    write_embedded,
)

DIM = 8


def fake_vectors(texts: list[str]) -> np.ndarray:
    return np.stack(
        [np.random.default_rng(zlib.crc32(t.encode())).standard_normal(DIM).astype(np.float32) for t in texts]
    ).reshape(len(texts), DIM)


def _store(n: int = 12) -> canonical.CanonicalStore:
    clips = [
        clip_of(
            clean_motion(30 + 5 * k, seed=k, actors=1 + (k % 3 == 2)),
            f"s/t{k:02d}#0-{30 + 5 * k}",
            action=("wave", "clap", "unknown")[k % 3],
            texts=[f"caption {k} a", f"caption {k} b", f"caption {k} c"][: 1 + k % 3],
        )
        for k in range(n)
    ]
    return canonical.CanonicalStore(canonical.encode_clips(clips, 20.0, 2, kind="curated"))


@pytest.fixture()
def embedded(tmp_path: Path) -> tuple[Path, canonical.CanonicalStore]:
    store = _store()
    write_embedded(store, tmp_path / "e.pt", {"name": "fake", "dim": DIM}, fake_vectors, chunk_rows=50)
    return tmp_path / "e.pt", store


def test_items_hold_features_caption_action_length_and_mask(embedded) -> None:
    path, store = embedded
    stats = feature_stats_of(store)
    data = StickFigureDataset(path, stats, max_actors=2, crop_frames=40, seed=3)
    d = data.store.data
    for i in range(len(data)):
        item = data[i]
        t = min(store.data["clip_frames"][i].item(), 40)
        a = int(store.data["clip_actors"][i])
        assert (
            item["features"].shape == (t, 2, STATE_FEATURES) and item["length"] == t and item["actors"] == a
        )
        assert item["face_mask"].shape == (t, 2) and not item["face_mask"].any()  # these clips have no face
        assert item["actor_mask"].tolist() == [True, a > 1]
        assert float(item["features"][:, a:].abs().sum()) == 0.0  # empty actor slot
        assert d["captions"][item["caption"]] in store.data["texts"][i]
        np.testing.assert_array_equal(item["text"].numpy(), fake_vectors([d["captions"][item["caption"]]])[0])
        assert item["action"] == data[i]["action"]
    batch = collate([data[i] for i in range(5)])
    assert batch.frame_mask.shape == batch.features.shape[:2]
    assert batch.frame_mask.sum(1).tolist() == batch.lengths.tolist()


def test_draws_are_a_pure_function_of_seed_epoch_and_index(embedded) -> None:
    path, store = embedded
    stats = feature_stats_of(store)
    a = StickFigureDataset(path, stats, 2, 30, seed=3)
    b = StickFigureDataset(path, stats, 2, 30, seed=3)
    b.set_epoch(4)
    b.set_epoch(0)
    for i in (11, 0, 7):  # any access order
        x, y = a[i], b[i]
        assert x["caption"] == y["caption"] and torch.equal(x["features"], y["features"])
    picks = {e: [] for e in range(4)}
    for e in picks:
        a.set_epoch(e)
        picks[e] = [a[i]["caption"] for i in range(len(a))]
    assert len({tuple(v) for v in picks.values()}) > 1  # epochs draw other captions
    first = StickFigureDataset(path, stats, 2, None, seed=3, random_caption=False)
    assert [first[i]["caption"] for i in range(len(first))] == [
        int(first.store.data["clip_caption_index"][int(o)])
        for o in first.store.data["clip_caption_offsets"][:-1]
    ]


def test_streamed_writers_match_the_in_memory_definitions(tmp_path: Path) -> None:
    store = _store()
    # feature statistics from the columns = statistics of the decoded clips' features
    ref = compute_stats([joints_to_features(store.joints(i)) for i in range(len(store))])
    got = feature_stats_of(store, chunk_rows=17)
    np.testing.assert_allclose(got.mean, ref.mean, atol=1e-5)
    np.testing.assert_allclose(got.std, ref.std, atol=1e-5)
    # write_embedded (streamed, as the embed stage runs it) = the in-memory definition of the format,
    # whatever the chunk size
    from stickgen.core.text import TextEncoder

    enc = TextEncoder(PACKAGED_MINILM)
    write_embedded(store, tmp_path / "a.pt", enc.info.to_dict(), enc.encode, chunk_rows=23)
    write_embedded(store, tmp_path / "b.pt", enc.info.to_dict(), enc.encode)
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()
    a = load_embedded(tmp_path / "a.pt").data
    captions = sorted({t for ts in store.data["texts"] for t in ts})
    assert a["captions"] == captions and a["kind"] == "embedded"
    assert a["text_encoder"] == enc.info.to_dict()
    for key in ("ids", "texts"):
        assert a[key] == store.data[key], key
    for key in ("root", "offsets", "clip_offsets"):
        assert torch.equal(a[key], store.data[key]), key
    counts = [len(ts) for ts in store.data["texts"]]
    assert a["clip_caption_offsets"].tolist() == np.concatenate([[0], np.cumsum(counts)]).tolist()
    assert a["clip_caption_index"].tolist() == [captions.index(t) for ts in store.data["texts"] for t in ts]
    torch.testing.assert_close(a["caption_emb"], torch.from_numpy(enc.encode(captions)), atol=1e-5, rtol=0)


def test_a_clip_with_a_face_serves_its_face_features_cropped_with_the_motion(tmp_path: Path) -> None:
    """The face goes through curation-like copying (write_embedded) and the dataset: an item's face
    features are `face_features` of the same frames the crop served, masked where the face is known."""
    from stickgen.core.face import FACE_FEATURES, FaceTrack, face_features

    clips = [
        clip_of(clean_motion(60, seed=k, actors=2), f"s/f{k}#0-60", texts=[f"talk {k}"]) for k in range(3)
    ]
    for c in clips[:2]:
        face = FaceTrack.unknown(60, 2)
        face.expression[:, 0] = 1 + (np.arange(60) // 7) % 7  # changes every 7 frames: a crop shows where
        face.mouth_open[:, 0] = np.linspace(0, 1, 60)
        face.speaking[::2, 0] = True
        c.face = face
    store = canonical.CanonicalStore(canonical.encode_clips(clips, 20.0, 2, kind="curated"))
    write_embedded(store, tmp_path / "e.pt", {"name": "fake", "dim": DIM}, fake_vectors, chunk_rows=37)
    data = StickFigureDataset(tmp_path / "e.pt", feature_stats_of(store), 2, crop_frames=24, seed=5)
    for i in range(3):
        item = data[i]
        face = data.store.face(i)
        if face is None:
            assert i == 2 and not item["face_mask"].any()
            assert float(item["features"][..., -FACE_FEATURES:].abs().sum()) == 0.0
            continue
        starts = [
            s
            for s in range(60 - 24 + 1)
            if torch.equal(
                torch.from_numpy(face_features(face.slice(s, s + 24), 20.0)),
                item["features"][..., -FACE_FEATURES:],
            )
        ]
        assert starts, "the served face is a 24-frame window of the clip's face"
        assert item["face_mask"][:, 0].all() and not item["face_mask"][:, 1].any()
