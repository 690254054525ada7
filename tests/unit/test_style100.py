"""100STYLE: <Style>/<Style>_<Content>.bvh -> clips with the style label and templated captions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sourcekit import assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.core.canonical import resample
from stickgen.core.skeleton import to_canonical_frame
from stickgen.sources.style100 import CONTENTS, style_captions
from stickgen.sources.writers import write_100style


def test_styles_contents_and_captions(tmp_path: Path) -> None:
    written = [
        takes(1, 60.0, actions=(a,), start=7_000_000 + 1000 * i)[0]
        for i, a in enumerate(("walk", "run", "idle"))
    ]
    write_100style(tmp_path, written, seed=0)
    (tmp_path / "Frame_Cuts.csv").write_text("STYLE_NAME,BR_START,BR_STOP\n")  # no row: whole files
    clips, report = convert("100style", tmp_path)
    assert report["rejected"] == 0 and report["native_fps"] == [60.0]
    assert {s["file"] for s in report["skipped"]} == {"Dataset_List.csv"}  # Frame_Cuts.csv is read
    assert all(c.meta["frame_cut"] is None for c in clips)
    by_content = {c.meta["content"]: c for c in clips}
    for take in written:
        content = {"walk": "FW", "run": "FR", "idle": "ID"}[take.action]
        clip = by_content[content]
        assert clip.action == take.action and clip.group == f"100style/{clip.style}/{clip.style}_{content}"
        assert clip.meta["units"] == "cm" and clip.texts == style_captions(
            clip.style, content, clip.group[9:]
        )
        assert_canonical_human(clip)
        assert max_error(clip.joints, resampled_reference(take, clip.frames)) < 0.005


def _cuts_csv(rows: dict[str, dict[str, str]]) -> str:
    header = ["STYLE_NAME"] + [f"{c}_{e}" for c in CONTENTS for e in ("START", "STOP")]
    lines = [",".join(header)]
    for style, cuts in rows.items():
        lines.append(",".join([style] + [cuts.get(h, "N/A") for h in header[1:]]))
    return "\n".join(lines) + "\n"


def test_frame_cuts_keep_only_the_listed_frames(tmp_path: Path) -> None:
    take = takes(1, 60.0, actions=("walk",), seconds=(3.0, 3.5))[0]
    write_100style(tmp_path, [take], seed=0)
    (bvh,) = tmp_path.rglob("*_FW.bvh")
    style = bvh.parent.name
    (tmp_path / "Frame_Cuts.csv").write_text(_cuts_csv({style: {"FW_START": "30", "FW_STOP": "150"}}))
    (clip,), report = convert("100style", tmp_path)
    assert clip.meta["frame_cut"] == [30, 150] and report["files"][0]["takes"][0]["frame_cut"] == [30, 150]
    cut = resample(take.joints[30:150].astype(np.float64), 60.0, 20.0)  # frames 30..149: 2 s
    assert clip.frames == cut.shape[0] == 40
    assert max_error(clip.joints, to_canonical_frame(cut)) < 0.005

    (tmp_path / "Frame_Cuts.csv").write_text(_cuts_csv({style: {"FW_START": "30", "FW_STOP": "9000"}}))
    clips, report = convert("100style", tmp_path)
    assert not clips and "cut 30..9000 does not fit" in report["rejects"][0]["reason"]
    (tmp_path / "Frame_Cuts.csv").write_text(_cuts_csv({style: {"FW_START": "thirty", "FW_STOP": "9"}}))
    clips, report = convert("100style", tmp_path)
    assert not clips and "is not a frame number" in report["rejects"][0]["reason"]


def test_captions_read_the_style_words() -> None:
    texts = style_captions("ArmsAboveHead", "BW", "ArmsAboveHead/ArmsAboveHead_BW")
    assert len(set(texts)) == 3 and all("walks backwards" in t and "arms above head" in t for t in texts)
    assert "in an aeroplane style" in style_captions("Aeroplane", "FW", "k")[0]


def test_unknown_content_code_is_rejected(tmp_path: Path) -> None:
    write_100style(tmp_path, takes(1, 60.0, actions=("walk",)), seed=0)
    (bvh,) = tmp_path.rglob("*_FW.bvh")
    bvh.rename(bvh.with_name(bvh.name.replace("_FW", "_XX")))
    clips, report = convert("100style", tmp_path)
    assert not clips and "unknown content code 'XX'" in report["rejects"][0]["reason"]
