"""DVC stage `embed`: curated sets -> embedded sets (caption embeddings) + feature statistics."""

import argparse
import json
from pathlib import Path

from stickgen import canonical
from stickgen.config import load_params
from stickgen.curation import OUTPUT_SETS
from stickgen.dataset import build_embedded, feature_stats_of


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--curated-dir", type=Path, required=True)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    p = load_params(args.params)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_SETS:
        store = canonical.load(args.curated_dir / f"{name}.pt")
        canonical.atomic_torch_save(build_embedded(store, p.embed.model, p.embed.batch_size),
                                    args.out_dir / f"{name}.pt")
        if name == "pretrain":
            stats = feature_stats_of(store)
            (args.out_dir / "stats.json").write_text(json.dumps(stats.to_dict(), indent=1) + "\n")
        print(f"embed: {name} ({len(store)} clips)")


if __name__ == "__main__":
    main()
