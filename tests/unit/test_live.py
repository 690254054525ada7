"""The training loop's DVCLive logger (stickgen.train.live): what each step costs and what it writes."""

from __future__ import annotations

import csv

import pytest
from dvclive import Live

from stickgen.train.live import open_live


def test_a_step_without_studio_reads_no_plot_file(tmp_path, monkeypatch) -> None:
    """dvclive 3.49 parses every plot file at every step to queue them for DVC Studio before it asks
    whether Studio is in use (quadratic in the steps); without Studio the logger skips that and still
    writes every row."""
    monkeypatch.delenv("DVC_STUDIO_TOKEN", raising=False)
    monkeypatch.delenv("STUDIO_TOKEN", raising=False)

    def parsed(self) -> dict:
        raise AssertionError("the plot files were parsed for DVC Studio")

    monkeypatch.setattr(Live, "_get_live_data", parsed)
    live = open_live(tmp_path / "live", None)
    assert "data" in live._studio_events_to_skip  # no Studio configured here
    for step in range(40):
        live.log_metric("train/loss", 1.0 / (step + 1))
        live.next_step()
    with (tmp_path / "live/plots/metrics/train/loss.tsv").open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [int(r["step"]) for r in rows] == list(range(40))
    assert float(rows[-1]["loss"]) == pytest.approx(1 / 40)
