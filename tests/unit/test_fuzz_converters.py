"""Fuzz every converter: >= 100 mutated sample files per format, no crash and no silently wrong clip.

For each dataset a one-take sample folder is written by its writer; each case mutates one of its files
(bytes: truncation, flipped or inserted bytes, an empty file; text: a number replaced by NaN / inf /
garbage / a huge value, lines deleted, duplicated, swapped or inserted, all numbers rescaled; arrays:
NaN / inf / huge values, wrong shapes, empty motions, wrong types, missing or extra keys), converts the
folder and checks the outcome:

- no crash: every failure is an anticipated one (a reject with a reason, never an unexpected
  exception with a traceback);
- no silently wrong clip: whatever converts is finite, of human size, Y up and on the floor in every
  actor, and mutations that make a file unreadable by its own format's rules (a truncated binary
  file, an empty motion file, NaN in the motion) are rejected. (A mutation can also leave a
  well-formed file describing another motion; no reader can tell that from real data.)
"""

from __future__ import annotations

import io
import pickle
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sourcekit import convert, takes

from stickgen.core.skeleton import FOOT_JOINTS, HEAD, PELVIS
from stickgen.sources import writers
from stickgen.sources.base import MAX_BODY_EXTENT_M, MIN_BODY_EXTENT_M, MIN_HEAD_ABOVE_PELVIS_M
from stickgen.sources.writers.common import save_npz

CASES = 110
_NUMBER = re.compile(rb"-?\d+\.\d+(?:[eE][-+]?\d+)?")
_TEXT_VALUES = (b"nan", b"inf", b"-inf", b"1e30", b"abc", b"", b"0", b"-1e-30", b"12345678.9")


# --- mutations: each returns (new bytes, whether the format must reject the result) ----------------


def truncate(data: bytes, rng: np.random.Generator, strict: bool) -> tuple[bytes, bool]:
    cut = int(len(data) * rng.uniform(0.05, 0.95))
    return data[:cut], strict and data[cut:].strip() != b""


def flip_bytes(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    out = bytearray(data)
    for pos in rng.integers(0, len(out), size=int(rng.integers(1, 8))):
        out[pos] = int(rng.integers(0, 256))
    return bytes(out), False


def insert_bytes(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    pos = int(rng.integers(0, len(data)))
    return data[:pos] + rng.bytes(int(rng.integers(1, 40))) + data[pos:], False


def empty(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    return b"", True


def empty_side_file(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    return b"", False  # e.g. an empty descriptions.tsv: captions fall back to the file names


def replace_number(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    spans = [m.span() for m in _NUMBER.finditer(data)]
    if not spans:
        return data, False
    a, b = spans[int(rng.integers(0, len(spans)))]
    return data[:a] + _TEXT_VALUES[int(rng.integers(0, len(_TEXT_VALUES)))] + data[b:], False


def edit_lines(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    lines = data.split(b"\n")
    i, j = (int(x) for x in rng.integers(0, len(lines), size=2))
    op = int(rng.integers(0, 4))
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i])
    elif op == 2:
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines.insert(i, b"garbage 1 2 3 ;;; {")
    return b"\n".join(lines), False


def rescale(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    factor = float(rng.choice([1e-3, 1e3, -1.0]))
    return _NUMBER.sub(lambda m: b"%.6g" % (float(m.group()) * factor), data), False


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*path, k))
    else:
        yield path, obj


def _set(obj, path, value):
    for k in path[:-1]:
        obj = obj[k]
    if value is _DELETE:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value


_DELETE = object()


def mutate_array(value, rng: np.random.Generator):
    """A damaged version of one stored value, and whether it must be rejected when the value is used."""
    arr = np.asarray(value)
    op = int(rng.integers(0, 9))
    if op == 0 and arr.dtype.kind == "f" and arr.size:
        bad = arr.astype(np.float64).copy()
        bad.flat[int(rng.integers(0, bad.size))] = float(rng.choice([np.nan, np.inf]))
        return bad, True
    if op == 1 and arr.ndim >= 1:
        return arr[:0], False
    if op == 2 and arr.ndim == 2:
        return arr[:, : max(1, arr.shape[1] - 1)], False
    if op == 3:
        return arr.reshape(-1)[:7] if arr.size else arr, False
    if op == 4:
        return np.array("not a number"), False
    if op == 5 and arr.dtype.kind == "f":
        return arr * 1e6, False
    if op == 6:
        return _DELETE, False
    if op == 7 and arr.ndim == 2:
        return arr.T, False
    return arr[None], False


def mutate_npz(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    with np.load(io.BytesIO(data)) as f:
        arrays = {k: f[k] for k in f.files}
    key = sorted(arrays)[int(rng.integers(0, len(arrays)))]
    value, must = mutate_array(arrays[key], rng)
    if value is _DELETE:
        del arrays[key]
    else:
        arrays[key] = value
    buf = Path(f"/tmp/fuzz-{rng.integers(1 << 30)}.npz")
    try:
        save_npz(buf, arrays)
        return buf.read_bytes(), must and key in ("poses", "trans")
    finally:
        buf.unlink(missing_ok=True)


def mutate_npy(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    arr = np.load(io.BytesIO(data))
    value, must = mutate_array(arr, rng)
    buf = io.BytesIO()
    np.save(buf, np.zeros(0) if value is _DELETE else value)
    return buf.getvalue(), must


def mutate_pickle(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    obj = pickle.loads(data)
    leaves = list(_leaves(obj))
    path, value = leaves[int(rng.integers(0, len(leaves)))]
    new, must = mutate_array(value, rng)
    _set(obj, path, new)
    used = path[-1] in ("smpl_poses", "smpl_trans", "trans", "root_orient", "pose_body")
    return pickle.dumps(obj), must and used


Mutation = Callable[[bytes, np.random.Generator], tuple[bytes, bool]]


def truncate_binary(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    return truncate(data, rng, strict=True)  # npy / npz / pickle: any cut breaks the file


def truncate_text(data: bytes, rng: np.random.Generator) -> tuple[bytes, bool]:
    # a cut inside the last number, or through values a converter does not use, can leave a valid file
    return truncate(data, rng, strict=False)


BINARY: list[Mutation] = [truncate_binary, flip_bytes, insert_bytes, empty]
TEXT_BYTES: list[Mutation] = [truncate_text, flip_bytes, insert_bytes, empty]
TEXT: list[Mutation] = [replace_number, replace_number, edit_lines, edit_lines, rescale]
SIDE_TEXT: list[Mutation] = [truncate_text, flip_bytes, insert_bytes, empty_side_file, edit_lines]


def _write(dataset: str, folder: Path) -> None:
    if dataset == "humanml3d":
        (t,) = takes(1, 20.0, seconds=(1.5, 1.5))
        writers.write_humanml3d(folder, [(t.name, t.joints[:, 0], t.texts)], 0)
    elif dataset == "kit_ml":
        writers.write_kit_ml(folder, takes(1, 12.5, seconds=(1.5, 1.5)), 0)
    elif dataset == "amass":
        writers.write_amass(folder, takes(1, 60.0, seconds=(1.5, 1.5)), 0)
    elif dataset == "interhuman":
        writers.write_interhuman(folder, takes(1, 30.0, actors=2, seconds=(1.5, 1.5)), 0)
    elif dataset == "ntu_rgbd":
        writers.write_ntu_rgbd(folder, takes(1, 30.0, actions=("wave",), seconds=(1.5, 1.5)), 0)
    elif dataset == "lsmb19":
        writers.write_lsmb19(folder, takes(1, 30.0, actions=("wave",), seconds=(1.5, 1.5)), 0)
    elif dataset == "100style":
        writers.write_100style(folder, takes(1, 60.0, actions=("walk",), seconds=(1.5, 1.5)), 0)
    elif dataset == "aistpp":
        writers.write_aistpp(folder, takes(1, 60.0, actions=("dance",), seconds=(1.5, 1.5)), 0)
    elif dataset == "bvh":
        writers.write_bvh_folder(folder, takes(2, 30.0, seconds=(1.5, 1.5)), 0)  # Mixamo + CMU dialects
    elif dataset == "asf_amc":
        writers.write_asf_amc(folder, takes(1, 60.0, seconds=(1.0, 1.0)), 0)


# dataset -> [(file glob, mutations)]
NPY_TARGETS = [("new_joints/*.npy", [*BINARY, mutate_npy, mutate_npy]), ("texts/*.txt", [*TEXT_BYTES, *TEXT])]
TARGETS: dict[str, list[tuple[str, list[Mutation]]]] = {
    "amass": [("**/*_poses.npz", [*BINARY, mutate_npz, mutate_npz, mutate_npz])],
    "humanml3d": NPY_TARGETS,
    "kit_ml": NPY_TARGETS,
    "interhuman": [
        ("motions/*.pkl", [*BINARY, mutate_pickle, mutate_pickle, mutate_pickle]),
        ("annots/*.txt", [*TEXT_BYTES, edit_lines]),
    ],
    "ntu_rgbd": [("*.skeleton", [*TEXT_BYTES, *TEXT])],
    "lsmb19": [("*.data", [*TEXT_BYTES, *TEXT])],
    "100style": [("*/*.bvh", [*TEXT_BYTES, *TEXT])],
    "aistpp": [("motions/*.pkl", [*BINARY, mutate_pickle, mutate_pickle, mutate_pickle])],
    "bvh": [("*/*.bvh", [*TEXT_BYTES, *TEXT]), ("descriptions.tsv", SIDE_TEXT)],
    "asf_amc": [("*/*.amc", [*TEXT_BYTES, *TEXT]), ("*/*.asf", [*TEXT_BYTES, *TEXT])],
}


def plausible(clip) -> str | None:
    """Why a converted clip breaks what every converter promises (finite, human size, Y up), or None.

    A mutation can also leave a well-formed file that describes another motion (a changed joint
    angle, all angles negated); no reader can tell that from a real motion, so it is not checked.
    """
    if not np.isfinite(clip.joints).all():
        return "non-finite joints"
    for a in range(clip.actors):
        j = clip.joints[:, a].astype(np.float64)
        reach = np.median(np.linalg.norm(j - j[:, :1], axis=-1).max(axis=-1))
        if not MIN_BODY_EXTENT_M <= reach <= MAX_BODY_EXTENT_M:
            return f"actor {a} reaches {reach:.2f} m from its pelvis"
        if np.median(j[:, HEAD, 1] - j[:, PELVIS, 1]) < MIN_HEAD_ABOVE_PELVIS_M:
            return f"actor {a} upside down"
        if j[:, FOOT_JOINTS, 1].min() < -1e-3:
            return f"actor {a} below the floor"
    return None


@pytest.mark.parametrize("dataset", sorted(TARGETS))
def test_mutated_files_never_crash_nor_convert_wrongly(tmp_path: Path, dataset: str) -> None:
    clean = tmp_path / "clean"
    _write(dataset, clean)
    baseline, report = convert(dataset, clean)
    assert baseline and report["rejected"] == 0, report["rejects"]
    rng = np.random.default_rng(sorted(TARGETS).index(dataset))
    failures: list[str] = []
    case = tmp_path / "case"
    plan = [(glob, m) for glob, muts in TARGETS[dataset] for m in muts]
    for n in range(CASES):
        glob, mutation = plan[n % len(plan)]
        shutil.rmtree(case, ignore_errors=True)
        shutil.copytree(clean, case)
        target = sorted(case.glob(glob))[int(rng.integers(0, len(sorted(case.glob(glob)))))]
        mutated, must_reject = mutation(target.read_bytes(), rng)
        target.write_bytes(mutated)
        where = f"case {n} ({mutation.__name__} on {target.relative_to(case)})"
        try:
            clips, report = convert(dataset, case)
        except Exception as exc:  # the driver must turn every item failure into a reject
            failures.append(f"{where}: crashed: {type(exc).__name__}: {exc}")
            continue
        for reject in report["rejects"]:
            if "traceback" in reject or not reject["reason"]:
                failures.append(f"{where}: unexpected error: {reject['reason']}")
        if must_reject and report["rejected"] == 0:
            failures.append(f"{where}: should have been rejected")
        for clip in clips:
            problem = plausible(clip)
            if problem:
                failures.append(f"{where}: silently wrong clip {clip.id}: {problem}")
    assert not failures, "\n".join(failures[:20])
