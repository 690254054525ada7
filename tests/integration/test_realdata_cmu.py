"""Real optical motion capture: CMU 01_01 as BVH and as ASF/AMC, and 11_01 as ASF/AMC.

The files live outside the repository (see `../shared/realdata/cmu/SOURCE.txt`); `.ci/run` points the
environment variable STICKGEN_REALDATA at their folder. Without it these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from sourcekit import CANON, INLINE

from stickgen.core import canonical
from stickgen.core.skeleton import body_height, is_upright
from stickgen.sources.driver import run_conversion

REALDATA = os.environ.get("STICKGEN_REALDATA", "")
CMU = Path(REALDATA) / "cmu"
pytestmark = pytest.mark.skipif(
    not (REALDATA and CMU.is_dir()),
    reason="STICKGEN_REALDATA is not set to the shared realdata folder (.ci/run sets it)",
)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, canonical.CanonicalStore]:
    work = tmp_path_factory.mktemp("cmu")
    layout = {"bvh": ["01_01.bvh"], "asf_amc": ["01.asf", "01_01.amc", "11.asf", "11_01.amc"]}
    stores = {}
    for dataset, names in layout.items():
        raw = work / "raw" / dataset
        raw.mkdir(parents=True)
        for name in [*names, "descriptions.tsv"]:
            shutil.copy(CMU / name, raw / name)
        report = run_conversion(dataset, raw, work / f"{dataset}.pt", work / f"{dataset}.json", CANON, INLINE)
        assert report["rejected"] == 0, report["rejects"]
        stores[dataset] = canonical.load(work / f"{dataset}.pt")
    return stores


def _take(store: canonical.CanonicalStore, group: str) -> list:
    return sorted((c for c in store if c.group == group), key=lambda c: int(c.id.split("#")[1].split("-")[0]))


def test_01_01_is_an_upright_adult_resampled_to_the_canonical_rate(converted) -> None:
    for dataset, store in converted.items():
        clips = _take(store, f"{dataset}/01_01")
        # 2751 motion frames at 120 fps (the BVH's extra T-pose frame dropped) = 22.917 s -> 459 frames
        assert [c.id.split("#")[1] for c in clips] == ["0-200", "100-300", "200-400", "259-459"], dataset
        assert store.fps == CANON.fps
        for clip in clips:
            j = clip.joints[:, 0]
            assert is_upright(j) and 1.5 <= body_height(j) <= 1.9, (clip.id, body_height(j))
            assert clip.texts == ["playground - forward jumps, turn around"] and clip.action == "jump"
            assert clip.meta["native_fps"] == 120.0
    bvh_meta = _take(converted["bvh"], "bvh/01_01")[0].meta
    assert bvh_meta["dropped_first_frame"] is True and bvh_meta["units"] == "cmu"
    assert "thorax" in bvh_meta["repaired"]


def test_bvh_and_asf_amc_versions_of_01_01_agree_within_2_cm_per_joint(converted) -> None:
    bvh, amc = _take(converted["bvh"], "bvh/01_01"), _take(converted["asf_amc"], "asf_amc/01_01")
    assert len(bvh) == len(amc)
    for a, b in zip(bvh, amc, strict=True):
        assert a.joints.shape == b.joints.shape
        per_joint = np.linalg.norm(a.joints - b.joints, axis=-1).max(axis=(0, 1))  # worst frame per joint
        assert per_joint.max() < 0.02, dict(enumerate(np.round(per_joint, 4)))


def test_11_01_converts_with_its_own_description(converted) -> None:
    (clip,) = _take(converted["asf_amc"], "asf_amc/11_01")
    assert clip.texts == ["soccer - kick ball"] and clip.action == "kick"
    assert clip.frames == 100  # 597 frames at 120 fps = 4.967 s -> 100 frames at 20 fps
    assert is_upright(clip.joints[:, 0]) and 1.5 <= body_height(clip.joints[:, 0]) <= 1.9
