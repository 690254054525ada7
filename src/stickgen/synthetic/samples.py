"""The embedded default's raw data: a few native-format files for every dataset type.

Motions come from the synthetic animator at each format's native frame rate and are written by
`stickgen.sources.writers` in each dataset's own layout: rotation formats (AMASS, AIST++, InterHuman,
BVH, 100STYLE, ASF/AMC) from the animator's joint rotations, position formats (HumanML3D, KIT-ML, NTU
RGB+D, LSMB19) from its joints. So `dvc repro` exercises every converter on a fresh machine with no
remote access.

Datasets whose only text is a label (NTU's action classes, AIST++'s dance genres, 100STYLE's
contents, AMASS's file names) get takes whose motion that label describes: single-action takes of an
action the format can name (`SampleFormat.accept`), found by screening the plans of the animator's takes
(`stickgen.synthetic.takes.take_plan`: its actions, kind and actors, known without animating it) and
animating the accepted ones at the native rate, where the take must pass the screen again.

Beside the dataset folders the stage writes `PROVENANCE.json` (`write_provenance`): which folders hold
generated files, so that a model card can tell a model trained on them from one trained on the real
datasets (`is_sample_folder`; stickgen.release.training_data).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stickgen.core.atomic import atomic_write_text
from stickgen.core.config import SamplesConfig, SynthesizeConfig
from stickgen.sources import writers
from stickgen.sources.ntu_classes import class_for_action
from stickgen.sources.writers.common import MotionTake
from stickgen.sources.writers.style100 import CONTENT_OF_ACTION
from stickgen.synthetic import SyntheticTake, make_take
from stickgen.synthetic.takes import take_plan

PROVENANCE_FILE = "PROVENANCE.json"  # beside the dataset folders the samples stage writes
# the name PROVENANCE.json records: an identifier of the samples stage's files (kept when the module moved)
GENERATOR = "stickgen.samples"
# take plans screened per take wanted: a format that takes one action of the animator's ~50 (AIST++: dance)
# finds one single take of it in about 90 plans
MAX_CANDIDATES_PER_TAKE = 2000

Writer = Callable[[Path, list[MotionTake], int], None]


def _any(take: SyntheticTake) -> bool:
    return True


def _single(take: SyntheticTake) -> bool:
    return take.actors == 1 and take.meta.get("kind") == "single"


def _ntu(take: SyntheticTake) -> bool:
    mutual = take.actors == 2
    return (mutual or _single(take)) and class_for_action(take.action, mutual) is not None


def _lsmb19(take: SyntheticTake) -> bool:
    return _single(take) and class_for_action(take.action, False) is not None


def _dance(take: SyntheticTake) -> bool:
    return _single(take) and take.action == "dance"


def _style100(take: SyntheticTake) -> bool:
    return _single(take) and take.action in CONTENT_OF_ACTION


@dataclass(frozen=True)
class SampleFormat:
    """How one dataset's samples are made."""

    fps: float  # the format's native frame rate
    two_actor_fraction: float
    writer: Writer
    accept: Callable[[SyntheticTake], bool] = _any


def _humanml3d(out_dir: Path, takes: list[MotionTake], seed: int) -> None:
    writers.write_humanml3d(out_dir, [(t.name, t.joints[:, 0], t.texts) for t in takes], seed)


def _ntu_rgbd(out_dir: Path, takes: list[MotionTake], seed: int) -> None:
    writers.write_ntu_rgbd(out_dir, takes, seed, spurious_every=3)


SAMPLE_FORMATS: dict[str, SampleFormat] = {
    "amass": SampleFormat(60.0, 0.0, writers.write_amass, _single),
    "humanml3d": SampleFormat(20.0, 0.0, _humanml3d),
    "kit_ml": SampleFormat(12.5, 0.0, writers.write_kit_ml),
    "interhuman": SampleFormat(59.94, 1.0, writers.write_interhuman),
    "ntu_rgbd": SampleFormat(30.0, 0.25, _ntu_rgbd, _ntu),
    "lsmb19": SampleFormat(30.0, 0.0, writers.write_lsmb19, _lsmb19),
    "100style": SampleFormat(60.0, 0.0, writers.write_100style, _style100),
    "aistpp": SampleFormat(60.0, 0.0, writers.write_aistpp, _dance),
    "bvh": SampleFormat(60.0, 0.0, writers.write_bvh_folder),
    "asf_amc": SampleFormat(120.0, 0.0, writers.write_asf_amc),
}


def motion_take(take: SyntheticTake) -> MotionTake:
    """The writer's view of a synthetic take, named by its index."""
    return MotionTake(
        name=f"{take.index:06d}",
        fps=take.fps,
        joints=take.joints,
        texts=list(take.texts),
        action=take.action,
        root=take.root,
        rotations=take.rotations,
        offsets=take.offsets,
    )


def sample_takes(
    n: int, cfg: SynthesizeConfig, fmt: SampleFormat, seed: int, start_index: int
) -> list[SyntheticTake]:
    """`n` takes at the format's frame rate that `fmt.accept`s, the first ones from `start_index` on."""
    if fmt.accept is _any:
        return [make_take(i, cfg, fmt.fps, seed) for i in range(start_index, start_index + n)]
    out: list[SyntheticTake] = []
    for i in range(start_index, start_index + MAX_CANDIDATES_PER_TAKE * n):
        if len(out) == n:
            break
        if fmt.accept(take_plan(i, cfg, seed)):  # type: ignore[arg-type]  # reads the plan's attributes
            take = make_take(i, cfg, fmt.fps, seed)
            if fmt.accept(take):  # a chain too short for two actions is animated as a single take
                out.append(take)
    if len(out) < n:
        raise RuntimeError(f"only {len(out)} of {n} candidate takes fit this format; check samples.min_s")
    return out


def write_samples(
    dataset: str, out_dir: Path, samples: SamplesConfig, chain_fraction: float, seed: int
) -> int:
    """Write `samples.takes_per_dataset` native-format takes of `dataset` into out_dir, chained as the
    synthesize stage chains (`chain_fraction`), drawn from `seed` (params `base.seed`); returns the count."""
    if dataset not in SAMPLE_FORMATS:
        raise ValueError(f"unsupported dataset [{dataset}] for samples; known: {sorted(SAMPLE_FORMATS)}")
    fmt = SAMPLE_FORMATS[dataset]
    s = samples
    cfg = SynthesizeConfig(
        clips=s.takes_per_dataset,
        min_s=s.min_s,
        max_s=s.max_s,
        two_actor_fraction=fmt.two_actor_fraction,
        chain_fraction=chain_fraction,
    )
    # a seed per dataset, far from the synthesize stage's indices, so samples never repeat its clips
    offset = 1_000_000 * (1 + sorted(SAMPLE_FORMATS).index(dataset))
    takes = sample_takes(s.takes_per_dataset, cfg, fmt, seed, offset)
    fmt.writer(Path(out_dir), [motion_take(t) for t in takes], seed)
    return len(takes)


def write_provenance(out_root: Path, datasets: list[str]) -> Path:
    """`out_root/PROVENANCE.json`: the dataset folders under `out_root` that hold this module's files."""
    path = Path(out_root) / PROVENANCE_FILE
    record = {
        "generator": GENERATOR,
        "licence": "generated",
        "datasets": sorted(datasets),
        "note": "each folder holds motion made by stickgen's synthetic animator in that dataset's native "
        "format; none of it comes from the dataset itself",
    }
    atomic_write_text(path, json.dumps(record, indent=2) + "\n")
    return path


def is_sample_folder(folder: str | Path) -> bool:
    """True when `folder` is a dataset folder that the samples stage wrote (its parent's PROVENANCE.json
    names it); False for any other folder, and when the record is missing or unreadable."""
    folder = Path(folder)
    try:
        record = json.loads((folder.parent / PROVENANCE_FILE).read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("generator") == GENERATOR
        and folder.name in (record.get("datasets") or [])
    )
