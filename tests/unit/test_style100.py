"""100STYLE: <Style>/<Style>_<Content>.bvh -> clips with the style label and templated captions."""

from __future__ import annotations

from pathlib import Path

from sourcekit import assert_canonical_human, convert, max_error, resampled_reference, takes

from stickgen.sources.style100 import style_captions
from stickgen.sources.writers import write_100style


def test_styles_contents_and_captions(tmp_path: Path) -> None:
    written = [
        takes(1, 60.0, actions=(a,), start=7_000_000 + 1000 * i)[0]
        for i, a in enumerate(("walk", "run", "idle"))
    ]
    write_100style(tmp_path, written, seed=0)
    (tmp_path / "Frame_Cuts.csv").write_text("STYLE,BR_START\n")
    clips, report = convert("100style", tmp_path)
    assert report["rejected"] == 0 and report["native_fps"] == [60.0]
    assert {s["file"] for s in report["skipped"]} == {"Dataset_List.csv", "Frame_Cuts.csv"}
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
