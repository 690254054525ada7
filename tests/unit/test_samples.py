"""The `samples` stage's library: every dataset's native files, written deterministically, convert cleanly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import tiny_params_dict
from sourcekit import assert_canonical_human, convert

from stickgen.core.config import Params, build
from stickgen.sources import known_datasets
from stickgen.synthetic.samples import SAMPLE_FORMATS, write_samples


@pytest.fixture(scope="module")
def params() -> Params:
    raw = tiny_params_dict()
    raw["samples"].update(takes_per_dataset=3, min_s=3.0, max_s=6.0)
    return build(Params, raw, "")


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_registered_dataset_has_a_sample_format() -> None:
    assert sorted(SAMPLE_FORMATS) == known_datasets()
    names = "amass humanml3d kit_ml interhuman ntu_rgbd lsmb19 100style aistpp bvh asf_amc"
    assert set(known_datasets()) == set(names.split())


def _args(p: Params) -> tuple:
    """write_samples' settings from params, as the samples stage passes them."""
    return p.samples, p.synthesize.chain_fraction, p.base.seed


@pytest.mark.parametrize("dataset", sorted(SAMPLE_FORMATS))
def test_samples_are_deterministic_and_convert_without_rejects(
    tmp_path: Path, params: Params, dataset: str
) -> None:
    assert write_samples(dataset, tmp_path / "a", *_args(params)) == 3
    write_samples(dataset, tmp_path / "b", *_args(params))
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")  # DVC hashes the samples
    clips, report = convert(dataset, tmp_path / "a")
    assert report["rejected"] == 0 and report["takes"] == 3, report["rejects"]
    assert report["native_fps"] == [SAMPLE_FORMATS[dataset].fps]
    for clip in clips:
        # the pose's median head height: some takes sit, crouch, crawl, lie down or fall (a fall lies for most
        # of its take); the body's size is its standing height from the bones, below
        assert_canonical_human(clip, heights=(0.25, 2.2))
    standing = [h for clip in clips for h in clip.meta["standing_height_m"]]
    assert standing and all(1.2 <= h <= 2.3 for h in standing), standing
    if dataset == "interhuman":
        assert all(c.actors == 2 for c in clips)


def test_unknown_dataset_is_a_clear_error(tmp_path: Path, params: Params) -> None:
    with pytest.raises(ValueError, match=r"unsupported dataset \[nope\] for samples"):
        write_samples("nope", tmp_path, *_args(params))
