"""100STYLE writer: `<Style>/<Style>_<Content>.bvh` in the 100STYLE rig dialect, 60 fps.

The content code comes from the take's action (walk -> FW, run -> FR, idle -> ID); styles cycle
through a few of the dataset's style names. A `Dataset_List.csv` like the release's is written too
(the converter skips it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stickgen.sources.writers.bvh import STYLE100, write_bvh
from stickgen.sources.writers.common import MotionTake, write_lines

CONTENT_OF_ACTION: dict[str, str] = {"walk": "FW", "run": "FR", "idle": "ID"}
STYLES: tuple[str, ...] = (
    "Neutral",
    "Proud",
    "Aeroplane",
    "ArmsAboveHead",
    "Old",
    "Zombie",
    "Elated",
    "Stiff",
)


def write_100style(out_dir: Path, takes: Sequence[MotionTake], seed: int) -> None:
    """Write single-actor walk / run / idle takes in 100STYLE's layout."""
    rows = ["Style,Content,File"]
    used: set[tuple[str, str]] = set()
    for k, take in enumerate(takes):
        content = CONTENT_OF_ACTION.get(take.action)
        if content is None:
            raise ValueError(f"write_100style: take [{take.name}] action [{take.action}] has no content code")
        style = next(
            STYLES[(k + i) % len(STYLES)]
            for i in range(len(STYLES) + 1)
            if (STYLES[(k + i) % len(STYLES)], content) not in used or i == len(STYLES)
        )
        if (style, content) in used:
            raise ValueError(f"write_100style: more than {len(STYLES)} takes of content {content}")
        used.add((style, content))
        write_bvh(out_dir / style / f"{style}_{content}.bvh", take, STYLE100)
        rows.append(f"{style},{content},{style}/{style}_{content}.bvh")
    write_lines(out_dir / "Dataset_List.csv", rows)
