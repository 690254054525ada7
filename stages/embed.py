"""DVC stage `embed`: curated sets -> embedded sets (caption embeddings) + feature statistics.

Every distinct caption of the four sets is embedded once with `embed.model`, through the embedding
cache (`--cache-dir`, a persistent DVC output): captions already cached for this encoder are not
embedded again. Motion is copied chunk by chunk (nothing is read into memory whole). Progress bars (tqdm on
stderr) follow the caption batches being embedded and the sets being written.
"""

import argparse
import json
import time
from pathlib import Path

from tqdm import tqdm

from stickgen.core import canonical
from stickgen.core.atomic import atomic_write_text
from stickgen.core.text import TextEncoder
from stickgen.curate.curation import OUTPUT_SETS
from stickgen.embed.cache import EmbeddingCache, ensure_cached
from stickgen.embed.dataset import feature_stats_of, write_embedded
from stickgen.entry import run_stage, stage_params


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--curated-dir", type=Path, required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument(
        "--cache-dir", type=Path, required=True, help="embedding cache (keyed by encoder and text)"
    )
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = stage_params(args.params, "embed")
    missing = [n for n in OUTPUT_SETS if not (args.curated_dir / f"{n}.pt").is_file()]
    if missing:
        raise SystemExit(f"embed: missing curated sets {missing} in {args.curated_dir}; run `curate`")
    stores = {n: canonical.load(args.curated_dir / f"{n}.pt") for n in OUTPUT_SETS}
    t0 = time.perf_counter()
    encoder = TextEncoder(p.embed.model, p.embed.device, p.embed.batch_size)
    cache = EmbeddingCache(args.cache_dir, encoder.info, encoder.fingerprint())
    texts = (t for s in stores.values() for ts in s.data["texts"] for t in ts)
    counts = ensure_cached(cache, encoder, texts, progress=True)  # sentence-transformers' batch bar
    print(
        f"embed: {encoder.info.name} ({encoder.info.dim}-d on {encoder.device}): {counts['embedded']} "
        f"captions embedded, {counts['cached']} from the cache, in {time.perf_counter() - t0:.1f} s"
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    bar = tqdm(stores.items(), desc="embed: write sets", unit="set", total=len(stores))
    for name, store in bar:
        write_embedded(store, args.out_dir / f"{name}.pt", encoder.info.to_dict(), cache.gather)
        bar.write(f"embed: {name} ({len(store)} clips)")
    stats = feature_stats_of(stores["pretrain"])
    atomic_write_text(args.out_dir / "stats.json", json.dumps(stats.to_dict(), indent=1) + "\n")


if __name__ == "__main__":
    run_stage(main, "embed")
