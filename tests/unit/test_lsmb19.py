"""LSMB19: MESSIF text sequences of NTU-derived Kinect bodies, units inferred, class from the key."""

from __future__ import annotations

from pathlib import Path

from sourcekit import assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.sources.writers import write_lsmb19
from stickgen.sources.writers.kinect import smpl_to_kinect, to_camera
from stickgen.sources.writers.lsmb19 import sequence_text


def test_multi_sequence_files_convert_one_take_per_key(tmp_path: Path) -> None:
    written = takes(3, 30.0, actions=("wave", "clap", "kick"))
    write_lsmb19(tmp_path, written, seed=0, per_file=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lsmb19_0000.data", "lsmb19_0001.data"]
    clips, report = convert("lsmb19", tmp_path)
    assert report["rejected"] == 0 and report["takes"] == 3
    assert [c.group.split("/")[1] for c in clips] == [
        "lsmb19_0000.data",
        "lsmb19_0000.data",
        "lsmb19_0001.data",
    ]
    for take, clip in zip(written, clips, strict=True):
        assert clip.meta["units"] == "m" and clip.meta["ntu_class_name"] in {
            "hand waving",
            "clapping",
            "kicking something",
        }
        assert_canonical_human(clip)
        assert max_error(clip.joints, resampled_reference(take, clip.frames)) < 0.005


def test_centimetre_files_bare_headers_and_offsets(tmp_path: Path) -> None:
    (take,) = takes(1, 30.0, actions=("wave",))
    kin = to_camera(smpl_to_kinect(take.joints[:, 0]), take.joints[0, 0, 0], 1.0) * 100.0  # centimetres
    text = sequence_text("S002C003P004R001A023_120", kin).split("\n", 2)[2]  # no header lines ...
    (tmp_path / "seq.txt").write_text("S002C003P004R001A023_120\n" + text)  # ... just the bare key
    (clip,) = convert("lsmb19", tmp_path)[0]
    assert clip.id.startswith("lsmb19/seq.txt/S002C003P004R001A023_120#")
    assert clip.meta["units"] == "cm" and clip.meta["sequence_offset"] == 120 and clip.meta["camera"] == 3
    assert max_error(clip.joints, resampled_reference(take, clip.frames)) < 0.005


def test_bad_sequences_reject_their_file(tmp_path: Path) -> None:
    (take,) = takes(1, 30.0, actions=("wave",))
    kin = to_camera(smpl_to_kinect(take.joints[:, 0]), take.joints[0, 0, 0], 0.0)
    good = sequence_text("S001C001P001R001A023_0", kin)
    lines = good.splitlines()
    cases = {
        "count.data": "\n".join(lines[:-3]),  # fewer frames than its count line says
        "joints.data": "\n".join([*lines[:3], lines[3].rsplit(";", 1)[0], *lines[4:]]),  # 24 joints
        "nan.data": good.replace(lines[5].split(",")[0], "nan", 1),
        "mutual.data": good.replace("A023", "A058"),
        "header.data": "#objectKey messif.objects.keys.AbstractObjectKey not-an-ntu-key\n"
        + "\n".join(lines[1:]),
        "tiny.data": sequence_text("S001C001P001R001A023_0", kin * 1e-4),  # no unit makes this a person
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    clips, report = convert("lsmb19", tmp_path)
    reasons = {r["file"]: r["reason"] for r in report["rejects"]}
    assert not clips and set(reasons) == set(cases)
    assert "promises" in reasons["count.data"] and "24 joints" in reasons["joints.data"]
    assert "25 finite" in reasons["nan.data"] and "two-person class" in reasons["mutual.data"]
    assert "not an NTU sample key" in reasons["header.data"] and "no unit" in reasons["tiny.data"]
