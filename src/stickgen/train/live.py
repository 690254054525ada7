"""DVCLive for the training loop: one `Live(dir)` per run, no dvc.yaml (dvc.yaml owns metrics/plots).

On resume at step s, rows that a killed run logged at steps >= s are dropped first (a row cut short by
the kill included), so the curves of a resumed run are those of an uninterrupted one.
"""

from __future__ import annotations

import csv
from pathlib import Path

from dvclive import Live
from scmrepo.exceptions import SCMError


class _Live(Live):
    def _init_dvc(self) -> None:
        # dvclive 3.49 asks git for HEAD before checking that the repository has a commit, and fails in a
        # freshly `git init`ed repository; experiment tracking needs no repository state here.
        try:
            super()._init_dvc()
        except SCMError:
            self._dvc_file = self._init_dvc_file()
            self._save_dvc_exp = False

    def post_data_to_studio(self) -> None:
        # dvclive 3.49 parses every plot file at every step, to queue the curves for DVC Studio, before it
        # asks whether Studio is in use: reading grows with the square of the steps (36 s of a 1,788-step
        # pretraining on this project's CPU, docs/training.md). Without Studio there is nothing to send.
        if "data" in self._studio_events_to_skip:
            return
        super().post_data_to_studio()


def _truncate(live_dir: Path, step: int) -> None:
    # the summary is rewritten at the next step; a killed run may have left it half written
    (live_dir / "metrics.json").unlink(missing_ok=True)
    for tsv in (live_dir / "plots" / "metrics").rglob("*.tsv"):
        with tsv.open(newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
            fields = list(rows[0]) if rows else None
        if fields is None:
            continue
        kept = [
            r
            for r in rows
            if (r.get("step") or "").isdigit() and int(r["step"]) < step and None not in r.values()
        ]
        with tsv.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields, delimiter="\t", lineterminator="\n")  # DVCLive's
            w.writeheader()
            w.writerows(kept)


def open_live(live_dir: Path, resume_step: int | None) -> Live:
    """A Live logger in `live_dir`: fresh (its old files removed), or continuing at `resume_step`."""
    if resume_step is not None and live_dir.is_dir():
        _truncate(live_dir, resume_step)
    live = _Live(str(live_dir), dvcyaml=None, save_dvc_exp=False, resume=resume_step is not None)
    if resume_step is not None:
        live.step = resume_step
    return live
