"""The `stickgen` command: use the pipeline's pieces outside DVC.

stickgen --version                          # the installed package's version
stickgen convert DATASET RAW_DIR OUT.pt     # one converter, with params.yaml's settings
stickgen convert bvh RAW_DIR OUT.pt --rig mixamo   # force a rig mapping (docs/datasets.md#bvh)
stickgen inspect FILE.pt [--json]           # summarise a canonical / curated / embedded file (exit 1:
                                            # a clip breaks the contract, e.g. NaN joints)
stickgen render-clip FILE.pt CLIP --out clip.gif   # one stored clip (id or index), with its face
stickgen upgrade-store OLD.pt NEW.pt        # rewrite a canonical-format-1 store as the current version
stickgen generate "a person waves" --checkpoint CKPT --out wave.gif   # and render, info, publish:
                                            # see stickgen.cli.generate and docs/inference.md
stickgen evaluate --checkpoint CKPT --data SPLIT.pt --out report.json   # metrics (docs/metrics.md)
stickgen safety MOTION [--json]             # the SafetyCritic on a .json / .npz / .npy / .pt motion
stickgen serve --checkpoint CKPT            # the local web demo on http://127.0.0.1:7860/ (docs/inference.md)

Every command that produces something prints one JSON object with `--json`. A bad argument is one line on
stderr (`stickgen generate: error: ...`) and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def cmd_convert(args: argparse.Namespace) -> int:
    from stickgen.entry import command_params
    from stickgen.sources.base import ConversionError
    from stickgen.sources.driver import run_conversion

    p = command_params(args.params, required=True)
    report_path = args.out.with_name(args.out.name.removesuffix(".pt") + ".report.json")
    try:
        report = run_conversion(
            args.dataset, args.raw_dir, args.out, report_path, p.canonical, p.convert, rig=args.rig
        )
    except (ConversionError, ValueError, FileNotFoundError) as exc:
        print(f"stickgen convert: {exc}", file=sys.stderr)
        return 1
    if args.json:
        summary = {k: report.get(k) for k in ("dataset", "clips", "rejected", "reject_fraction", "fps")}
        print(json.dumps({**summary, "out": str(args.out), "report": str(report_path)}, indent=2))
        return 0
    print(f"{report['clips']} clips ({report['rejected']} rejected) -> {args.out}; report: {report_path}")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from stickgen.core.canonical import CanonicalFormatError, describe, load

    try:
        info = describe(load(args.file))
    except (CanonicalFormatError, FileNotFoundError) as exc:
        print(f"stickgen inspect: {exc}", file=sys.stderr)
        return 1
    status = 1 if info["invalid_clips"] or info["fps"] is None else 0  # 1: the file breaks the contract
    if args.json:
        print(json.dumps(info, indent=2, allow_nan=False))
        return status
    print(
        f"{info['path']}: {info['kind']} v{info['version']}, {info['n_clips']} clips, "
        f"{info['total_frames']} frames at {info['fps']} fps"
    )
    shown = info["clips"][: args.limit]
    shown += [c for c in info["clips"][args.limit :] if not c["valid"]]  # every invalid clip is listed
    for c in shown:
        if not c["valid"]:
            print(f"  {c['id']:<40} {c['frames']:>5}f {c['actors']}a INVALID: {c['problem']}")
            continue
        print(
            f"  {c['id']:<40} {c['frames']:>5}f {c['actors']}a {c['height_m']:.2f}m "
            f"{'upright' if c['upright'] else 'NOT upright'} {c['action']:<10} {c['texts'][0]!r}"
        )
    if info["n_clips"] > len(shown):
        print(f"  ... {info['n_clips'] - len(shown)} more (--limit)")
    if status:
        print(
            f"stickgen inspect: {info['path']}: {info['invalid_clips']} invalid clips"
            + ("" if info["fps"] is not None else ", a non-finite fps"),
            file=sys.stderr,
        )
    return status


class OneLineParser(argparse.ArgumentParser):
    """argparse with a bad argument reported in one line (`stickgen generate: error: ...`), status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stickgen")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed: pip install -e .)"


def cmd_upgrade_store(args: argparse.Namespace) -> int:
    from stickgen.core.canonical import CanonicalFormatError
    from stickgen.core.upgrade import upgrade_store

    try:  # OSError: a folder as either path, a refused write (`core.atomic.WriteError`): one line too
        if args.src.is_dir():
            raise ValueError(f"{args.src} is a folder: name the .pt file to upgrade")
        summary = upgrade_store(args.src, args.dst)
    except (CanonicalFormatError, ValueError, OSError) as exc:
        print(f"stickgen upgrade-store: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"{summary['clips']} clips ({summary['kind']}) -> {summary['dst']}")
    return 0


class _Version(argparse.Action):
    """`--version`: the version is read only when asked for (importlib.metadata costs start-up time)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"stickgen {package_version()}")
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    ap = OneLineParser(prog="stickgen", description="text-to-stick-figure animation pipeline tools")
    ap.add_argument("--version", action=_Version, help="print the installed stickgen version and exit")
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert", help="convert one raw dataset folder to a canonical .pt file")
    c.add_argument("dataset", help="registry name, e.g. humanml3d")
    c.add_argument("raw_dir", type=Path)
    c.add_argument("out", type=Path, help="canonical .pt to write (report beside it)")
    c.add_argument("--params", type=Path, default=Path("params.yaml"))
    c.add_argument(
        "--rig",
        default="",
        help="BVH / ASF sources: map every file with this rig (a known skeleton such as mixamo, lafan1, "
        "cmu, 100style, or 'names' / 'topology'; docs/datasets.md lists them) instead of recognising each",
    )
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=cmd_convert)
    i = sub.add_parser("inspect", help="summarise a canonical, curated or embedded .pt file")
    i.add_argument("file", type=Path)
    i.add_argument("--json", action="store_true", help="print one JSON object")
    i.add_argument("--limit", type=int, default=20, help="clips listed in the text view")
    i.set_defaults(func=cmd_inspect)
    u = sub.add_parser("upgrade-store", help="rewrite an older-format canonical/curated/embedded .pt file")
    u.add_argument("src", type=Path, help="the old file (left as it is)")
    u.add_argument("dst", type=Path, help="the new file to write")
    u.add_argument("--json", action="store_true", help="print one JSON object")
    u.set_defaults(func=cmd_upgrade_store)
    from stickgen.cli.evaluate import add_commands as add_eval_commands  # evaluate, safety
    from stickgen.cli.generate_args import add_commands  # generate, render
    from stickgen.cli.release import add_commands as add_release_commands  # info, publish
    from stickgen.cli.render_clip import add_command as add_render_clip_command  # one stored clip
    from stickgen.cli.serve import add_command as add_serve_command  # the web demo

    add_commands(sub)
    add_release_commands(sub)
    add_eval_commands(sub)
    add_serve_command(sub)
    add_render_clip_command(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    import yaml

    from stickgen.core.config import ConfigError
    from stickgen.entry import ParamsFileError, params_problem

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ParamsFileError as exc:  # a bad --params file, one line whichever command read it (status 2)
        print(f"stickgen {args.command}: {exc}", file=sys.stderr)
    except (ConfigError, yaml.YAMLError) as exc:
        path = getattr(args, "params", "params.yaml")
        print(f"stickgen {args.command}: {params_problem(path, exc)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
