"""Benchmark: caption embedding throughput on this CPU (JSON in bench/results/embed.json).

Usage: `python bench/embed.py [--model NAME] [--captions 3000] [--out bench/results/embed.json]`.

Captions are distinct, HumanML3D-like sentences (5-15 words) built from templates. Measured: loading
the encoder; encoding `--captions` distinct captions cold at `embed.batch_size`; the best of three
runs over 1 000 captions per batch size and torch thread count (captions/s); the embed stage's cache
path: a cold run, "a dataset is added" (half the captions new: only those are encoded) and a warm
run (everything cached); streaming an embedded set (`write_embedded`: motion copied, vectors
gathered from the cache) for a generated curated store. Never part of the test
suite's pass/fail.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from stickgen.core import canonical
from stickgen.core.config import load_params
from stickgen.core.text import TextEncoder
from stickgen.embed.cache import EmbeddingCache, ensure_cached
from stickgen.embed.dataset import write_embedded
from stickgen.synthetic.generated import GeneratedSpec, write_generated_store

SUBJECTS = [
    "a person",
    "someone",
    "a man",
    "a woman",
    "the figure",
    "a stick figure",
    "the character",
    "a child",
]
ACTIONS = [
    "walks forward",
    "runs in a circle",
    "waves the left hand",
    "waves the right hand",
    "jumps twice",
    "kicks with the right leg",
    "punches forward",
    "sits down on a chair",
    "stands up slowly",
    "turns around to the left",
    "claps three times",
    "bows deeply",
    "stretches both arms up",
    "picks something up from the floor",
    "dances energetically",
    "crouches down",
]
ENDINGS = [
    "",
    " and then stops",
    " while looking around",
    ", then walks back",
    " before raising both arms",
    " and turns right",
    " in a hurry",
    " very slowly, then pauses",
]


MANNERS = ["", " slowly", " quickly", " with energy", " carefully", " again"]


def captions(n: int) -> list[str]:
    """n distinct captions (up to 6 144), in a fixed pseudo-random order."""
    combos = [
        f"{s.capitalize()} {a}{m}{e}."
        for s, a, m, e in itertools.product(SUBJECTS, ACTIONS, MANNERS, ENDINGS)
    ]
    if n > len(combos):
        raise SystemExit(f"--captions is at most {len(combos)}")
    pick = np.random.default_rng(0).permutation(len(combos))[:n]
    return sorted(combos[i] for i in pick)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def encode_speeds(model: str, texts: list[str], batch_size: int) -> dict[str, float]:
    """Captions per second, best of 3 on 1 000 captions (the machine is shared: the best run is the least
    disturbed one), at batch sizes 16, `batch_size`, 256 with 1 thread and with all of torch's threads."""
    by_batch: dict[str, float] = {}
    threads = torch.get_num_threads()
    for n_threads in sorted({1, threads}):
        torch.set_num_threads(n_threads)
        for bs in (16, batch_size, 256):
            e = TextEncoder(model, "cpu", bs)
            best = min(timed(lambda e=e: e.encode(texts[:1000]))[1] for _ in range(3))
            by_batch[f"threads={n_threads},batch={bs}"] = round(1000 / best, 1)
    torch.set_num_threads(threads)
    return by_batch


def cache_and_write(enc, texts: list[str], fingerprint: str, clips: int) -> tuple[dict, dict]:
    """The embedding cache (half the captions, then all: "a dataset is added", then warm) and
    `write_embedded` on a generated store of `clips` clips: their timings."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cache = EmbeddingCache(tmp / "cache", enc.info, fingerprint)
        half = texts[: len(texts) // 2]
        first, first_s = timed(lambda: ensure_cached(cache, enc, half))
        added, added_s = timed(lambda: ensure_cached(cache, enc, texts))  # "a dataset is added"
        warm, warm_s = timed(
            lambda: ensure_cached(EmbeddingCache(tmp / "cache", enc.info, fingerprint), enc, texts)
        )
        _, gather_s = timed(lambda: cache.gather(texts))

        spec = GeneratedSpec(
            n_clips=clips, seed=3, min_frames=60, max_frames=160, nan_fraction=0.0, captions_per_clip=3
        )
        info = write_generated_store(tmp / "curated.pt", spec)
        store = canonical.load(tmp / "curated.pt")
        store_caps = sorted({t for ts in store.data["texts"] for t in ts})
        ensure_cached(cache, enc, store_caps)
        _, write_s = timed(
            lambda: write_embedded(store, tmp / "embedded.pt", enc.info.to_dict(), cache.gather)
        )
        out_bytes = os.path.getsize(tmp / "embedded.pt")

    cache = {
        "first_half": {**first, "seconds": round(first_s, 2)},
        "dataset_added": {
            **added,
            "seconds": round(added_s, 2),
            "new_captions_per_s": round(added["embedded"] / added_s, 1),
        },
        "warm": {
            **warm,
            "seconds": round(warm_s, 2),
            "captions_per_s": round(len(texts) / max(warm_s, 1e-9), 1),
        },
        "gather_captions_per_s": round(len(texts) / max(gather_s, 1e-9)),
    }
    write = {
        "clips": info["clips"],
        "actor_frames": info["rows"],
        "bytes": out_bytes,
        "seconds": round(write_s, 2),
        "clips_per_s": round(info["clips"] / write_s),
        "mb_per_s": round(out_bytes / write_s / 2**20, 1),
    }
    return cache, write


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="default: params.yaml embed.model")
    ap.add_argument("--captions", type=int, default=3000)
    ap.add_argument(
        "--clips", type=int, default=50_000, help="clips of the generated store for write_embedded"
    )
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/embed.json"))
    args = ap.parse_args()
    p = load_params(args.params)
    model = args.model or p.embed.model
    texts = captions(args.captions)
    words = float(np.mean([len(t.split()) for t in texts]))

    enc, load_s = timed(lambda: TextEncoder(model, "cpu", p.embed.batch_size))
    enc.encode(texts[:32])  # warm-up
    fingerprint, fp_s = timed(enc.fingerprint)
    _, cold_s = timed(lambda: enc.encode(texts))
    by_batch = encode_speeds(model, texts, p.embed.batch_size)

    cache_result, write_result = cache_and_write(enc, texts, fingerprint, args.clips)

    result = {
        "benchmark": "caption embedding",
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        },
        "model": enc.info.to_dict(),
        "captions": len(texts),
        "mean_words": round(words, 1),
        "load_seconds": round(load_s, 2),
        "fingerprint_seconds": round(fp_s, 2),
        "encode": {
            "batch_size": p.embed.batch_size,
            "seconds": round(cold_s, 2),
            "captions_per_s": round(len(texts) / cold_s, 1),
        },
        "captions_per_s_best_of_3": by_batch,
        "cache": cache_result,
        "write_embedded": write_result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps({k: result[k] for k in ("model", "encode", "captions_per_s_best_of_3", "cache")}, indent=1)
    )


if __name__ == "__main__":
    main()
