"""`stickgen evaluate` and `stickgen safety`: the evaluation outside DVC.

    stickgen evaluate --checkpoint CKPT --data SPLIT.pt --out report.json [--evaluator EVALUATOR.pth]
    stickgen safety MOTION [--json]      # MOTION: .json / .npz motion file, .npy array, or a canonical .pt

`safety` exits 0 when every motion passes, 1 when one is rejected, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads when a command runs, not for `stickgen --help`
    import numpy as np

from stickgen.entry import command_params

DEFAULT_EVALUATOR = Path("models/evaluator/evaluator.pth")
DEFAULT_PROMPT_TABLE = Path("models/evaluator/prompts.pt")


def read_motions(path: Path) -> list[tuple[str, np.ndarray, float | None]]:
    """(name, motion array, fps or None) of every motion in a file, values as stored (NaN included):
    a stickgen motion `.json` / `.npz` (`stickgen.generate.export`), a `.npy` array in any layout
    the critic reads, or a canonical / curated / embedded `.pt` (every clip); ValueError naming the file
    and why for anything else."""
    import numpy as np

    from stickgen.core.jsonable import read_json
    from stickgen.generate.export import npz_arrays, numpy_failure, open_npz

    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileNotFoundError(f"motion file not found: {path}")
    if suffix == ".pt":
        from stickgen.core.canonical import load

        store = load(path)
        return [(store.ids[i], store.joints(i), store.fps) for i in range(len(store))]
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, EOFError, ValueError) as exc:
            raise ValueError(f"{path}: not a NumPy array file ({numpy_failure(exc)})") from None
        if not isinstance(array, np.ndarray):
            array.close()
            raise ValueError(f"{path}: an NPZ archive, not one array (.npy); name it .npz")
        return [(path.name, array, None)]
    if suffix == ".npz":
        with open_npz(path) as z:
            key = next((k for k in ("joints", "segments") if k in z.files), None)
            if key is None:
                raise ValueError(f"{path}: no `joints` or `segments` array (has {z.files})")
            arrays = npz_arrays(z, [key] + (["fps"] if "fps" in z.files else []), str(path))
        fps = arrays.get("fps")
        if fps is not None and fps.ndim != 0:
            raise ValueError(f"{path}: fps must be one value, got an array of shape {fps.shape}")
        return [(path.name, arrays[key], None if fps is None else _fps(fps.item(), path))]
    if suffix == ".json":
        doc = read_json(path)
        if not isinstance(doc, dict) or "joints" not in doc:
            raise ValueError(f"{path}: not a stickgen motion JSON (no `joints`)")
        try:
            joints = np.asarray(doc["joints"], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: joints are not an array of numbers: {exc}") from None
        fps = doc.get("fps")
        return [(path.name, joints, None if fps is None else _fps(fps, path))]
    raise ValueError(
        f"unsupported motion file [{suffix or path.name}]; use .json, .npz, .npy or a canonical .pt"
    )


def _fps(value: object, path: Path) -> float:
    """A motion file's frame rate (`motion.check_fps`), else ValueError naming the file."""
    from stickgen.generate.motion import check_fps

    try:
        return check_fps(value, f"{path}: fps")
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def cmd_safety(args: argparse.Namespace) -> int:
    from stickgen.core.safety import DEFAULT_FPS, SafetyCritic

    if args.fps is not None:  # -5 and nan were tracebacks, 0 fell back to the params', inf was taken
        from stickgen.generate.motion import check_fps

        try:
            check_fps(args.fps, "--fps")
        except ValueError as exc:
            print(f"stickgen safety: {exc}", file=sys.stderr)
            return 2
    p = command_params(args.params, required=False)
    default_fps = args.fps or (p.canonical.fps if p else DEFAULT_FPS)
    critic = SafetyCritic.from_config(p.safety, default_fps) if p else SafetyCritic(fps=default_fps)
    try:
        motions = read_motions(args.motion)
        results = []
        for name, m, fps in motions:
            where = args.motion if name == args.motion.name else f"{args.motion} ({name})"
            if m.dtype.kind not in "iuf":
                raise ValueError(f"{where}: values must be real numbers, got dtype {m.dtype}")
            try:
                results.append((name, critic.evaluate(m, args.fps or fps or default_fps)))
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
    except (ValueError, FileNotFoundError) as exc:
        print(f"stickgen safety: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {"file": str(args.motion), "motions": [{"name": n, **r.to_dict()} for n, r in results]},
                indent=2,
            )
        )
    else:
        for name, r in results:
            print(f"{name}: {'safe' if r.is_safe else 'REJECTED'} (score {r.overall_score:.2f}, {r.layout})")
            for reason in r.reasons:
                print(f"  {reason}")
    return 0 if all(r.is_safe for _, r in results) else 1


def cmd_evaluate(args: argparse.Namespace) -> int:
    from stickgen.core.device import set_cpu_threads
    from stickgen.evaluate.adversarial import read_safe_ratio
    from stickgen.evaluate.evaluator import load_evaluator
    from stickgen.evaluate.report import evaluate, load_generator, write_report
    from stickgen.wiring import generation, refinement, sampling_from

    p = command_params(args.params, required=True)
    set_cpu_threads(p.evaluate.cpu_threads)
    table = args.prompt_table if args.prompt_table.is_file() else None
    try:
        if args.out.is_dir():  # found after the whole evaluation, as a traceback
            raise ValueError(f"--out {args.out} is a folder: name the report's file ({args.out / 'r.json'})")
        robustness = read_safe_ratio(args.adversarial) if args.adversarial else None
        gen = load_generator(
            args.checkpoint, generation(p), sampling_from(p), p.inference, p.canonical.fps, table
        )
        ev = load_evaluator(args.evaluator)
        report = evaluate(
            gen,
            ev,
            args.val_data or args.data,
            args.data,
            p.evaluate,
            p.select,
            p.base.seed + p.evaluate.seed_offset,
            robustness,
            refinement(p),
        )
    except (ValueError, FileNotFoundError, KeyError) as exc:
        print(f"stickgen evaluate: {exc}", file=sys.stderr)
        return 1
    write_report(report, args.out)
    s = report["selection"]
    if args.json:
        where = {"variant": gen.variant, "phase": gen.phase, "out": str(args.out)}
        print(json.dumps({**where, "selection": s}, indent=2))
        return 0
    print(
        f"{gen.variant}/{gen.phase}: selection_score {s['selection_score']:.3f}; "
        + ", ".join(f"{k} {v:.4g}" for k, v in s.items() if v is not None and k != "selection_score")
        + f" -> {args.out}"
    )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("evaluate", help="the metrics report of a checkpoint on an embedded split")
    e.add_argument("--checkpoint", type=Path, required=True, help="a .pth checkpoint or a published folder")
    e.add_argument("--data", type=Path, required=True, help="embedded split to evaluate on (e.g. test.pt)")
    e.add_argument("--out", type=Path, required=True, help="report JSON to write")
    e.add_argument("--val-data", type=Path, help="split for the validation loss (default: --data)")
    e.add_argument("--evaluator", type=Path, default=DEFAULT_EVALUATOR, help="the evaluator stage's model")
    e.add_argument(
        "--prompt-table",
        type=Path,
        default=DEFAULT_PROMPT_TABLE,
        help="precomputed prompt embeddings (else the text encoder is loaded)",
    )
    e.add_argument("--adversarial", type=Path, help="an adversarial report: its safe ratio is the robustness")
    e.add_argument("--params", type=Path, default=Path("params.yaml"))
    e.add_argument("--json", action="store_true", help="print one JSON object (the selection metrics)")
    e.set_defaults(func=cmd_evaluate)
    s = sub.add_parser("safety", help="run the SafetyCritic on a motion file")
    s.add_argument("motion", type=Path, help=".json / .npz motion, .npy array, or canonical .pt")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument(
        "--fps", type=float, help="frame rate when the file has none (default: params canonical.fps)"
    )
    s.add_argument("--params", type=Path, help="thresholds: params `safety` (default: params.yaml)")
    s.set_defaults(func=cmd_safety)
