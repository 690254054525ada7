"""`make plots`: render DVC plots offline (no CDN) as PNG files plus a self-contained HTML page.

Usage: `python -m stickgen.ops.plots [--out plots] [REV ...]`. It asks DVC for the plot specs
(`dvc plots show --json`, or `dvc plots diff --json REV ...` to compare revisions/experiments),
renders each Vega-Lite spec with vl-convert (bundled Vega, no network) to PNG, and writes
`index.html` with the images embedded, so it opens anywhere.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import re
import subprocess
import sys
from pathlib import Path

from stickgen.core.atomic import atomic_write_bytes, atomic_write_text


def plot_specs(revs: list[str]) -> dict[str, list[dict]]:
    cmd = ["dvc", "plots", "diff", *revs, "--json"] if revs else ["dvc", "plots", "show", "--json"]
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    for err in out.get("errors", []):
        print(f"plots: DVC could not load {err.get('name')}: {err.get('msg')}", file=sys.stderr)
    return out.get("data", {})


def render(specs: dict[str, list[dict]], out_dir: Path) -> list[Path]:
    """Write one PNG per Vega-Lite spec (image plots are copied) and an index.html embedding them."""
    import vl_convert as vlc

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, entries in sorted(specs.items()):
        for k, entry in enumerate(entries):
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") + (f"_{k}" if k else "")
            if entry.get("type") == "vega":
                png = vlc.vegalite_to_png(vl_spec=json.dumps(entry["content"]), scale=1.5)
            elif entry.get("type") == "image" and Path(entry.get("url", "")).is_file():
                png = Path(entry["url"]).read_bytes()
                stem += Path(entry["url"]).suffix.removesuffix(".png") or ""
            else:
                continue
            path = out_dir / f"{stem}.png" if not stem.endswith(".gif") else out_dir / stem
            atomic_write_bytes(path, png)
            written.append(path)
    figures = "\n".join(
        f'<figure><img src="data:image/{"gif" if p.suffix == ".gif" else "png"};base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"><figcaption>{html.escape(p.name)}</figcaption></figure>'
        for p in written
    )
    atomic_write_text(
        out_dir / "index.html",
        f"<!doctype html><meta charset=utf-8><title>stickgen plots</title><body>{figures}</body>\n",
    )
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("revs", nargs="*", help="revisions or experiments to compare (default: workspace)")
    ap.add_argument("--out", type=Path, default=Path("plots"))
    args = ap.parse_args(argv)
    written = render(plot_specs(args.revs), args.out)
    print(f"plots: {len(written)} images -> {args.out}/ (open {args.out / 'index.html'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
