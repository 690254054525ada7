"""The embedded default's raw data: a few native-format files for every dataset type.

Motions come from the synthetic animator (resampled to each format's native frame rate by the
animator itself) and are written by `stickgen.sources.writers` in each dataset's own layout, so that
`dvc repro` exercises every converter on a fresh machine with no remote access.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from stickgen.config import Params, SynthesizeConfig
from stickgen.sources import writers
from stickgen.synthetic import SyntheticTake, generate_takes


def _humanml3d(out_dir: Path, takes: list[SyntheticTake], seed: int) -> None:
    writers.write_humanml3d(out_dir, [(f"{t.index:06d}", t.joints[:, 0], t.texts) for t in takes], seed)


# dataset -> (native fps, two-actor fraction, writer)
SAMPLE_FORMATS: dict[str, tuple[float, float, Callable[[Path, list[SyntheticTake], int], None]]] = {
    "humanml3d": (20.0, 0.0, _humanml3d),
}


def write_samples(dataset: str, out_dir: Path, params: Params) -> int:
    """Write `samples.takes_per_dataset` native-format takes of `dataset` into out_dir; returns the count."""
    if dataset not in SAMPLE_FORMATS:
        raise ValueError(f"unsupported dataset [{dataset}] for samples; known: {sorted(SAMPLE_FORMATS)}")
    fps, two_actor, writer = SAMPLE_FORMATS[dataset]
    s = params.samples
    cfg = SynthesizeConfig(
        clips=s.takes_per_dataset, min_s=s.min_s, max_s=s.max_s, two_actor_fraction=two_actor,
        chain_fraction=params.synthesize.chain_fraction,
    )
    # a seed per dataset, far from the synthesize stage's indices, so samples never repeat its clips
    offset = 1_000_000 * (1 + sorted(SAMPLE_FORMATS).index(dataset))
    takes = generate_takes(s.takes_per_dataset, cfg, fps, params.base.seed, start_index=offset)
    writer(out_dir, takes, params.base.seed)
    return len(takes)
