"""ASF/AMC: Acclaim skeleton + motion -> clips; units from the ASF, joints at bone starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sourcekit import assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.sources.writers import write_asf_amc


@pytest.fixture(scope="module")
def written() -> list:
    return takes(2, 120.0, actions=("wave", "kick"), seconds=(1.5, 2.0))


def test_round_trip_with_tilted_bone_axes(tmp_path: Path, written: list) -> None:
    write_asf_amc(tmp_path, written, seed=0)
    assert (tmp_path / "91" / "91.asf").is_file() and (tmp_path / "92" / "92_01.amc").is_file()
    clips, report = convert("asf_amc", tmp_path)
    assert report["rejected"] == 0 and report["native_fps"] == [120.0]
    for take, clip in zip(written, clips, strict=True):
        assert clip.texts == take.texts and clip.meta["caption_source"] == "descriptions.tsv"
        assert clip.meta["units"] == "1/0.45 inch" and clip.meta["skeleton"].endswith(".asf")
        assert_canonical_human(clip)
        assert max_error(clip.joints, resampled_reference(take, clip.frames)) < 0.005


def test_missing_skeleton_and_broken_motions_are_rejected(tmp_path: Path, written: list) -> None:
    write_asf_amc(tmp_path, written, seed=0)
    (tmp_path / "91" / "91.asf").unlink()
    amc = tmp_path / "92" / "92_01.amc"
    lines = amc.read_text().splitlines()
    amc.write_text("\n".join(lines[:-3]) + "\n")  # the last frame loses bones
    (tmp_path / "92" / "92_02.amc").write_text("\n".join(lines).replace("lfemur", "lpaw", 1))
    clips, report = convert("asf_amc", tmp_path)
    reasons = {r["file"]: r["reason"] for r in report["rejects"]}
    assert not clips
    assert "no skeleton: expected 91.asf" in reasons["91/91_01.amc"]
    assert "lacks" in reasons["92/92_01.amc"] and "truncated" in reasons["92/92_01.amc"]
    assert "animates 'lpaw'" in reasons["92/92_02.amc"]
