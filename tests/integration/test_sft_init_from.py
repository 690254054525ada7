"""`--init_from` through the stage entry point: weights only, and a clear error listing mismatched keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from trainkit import (
    FAKE_DIM,
    TINY_MODEL,
    one_thread,  # noqa: F401
    phase_config,
    stage_args,
    stage_env,
    tiny_params,
    walking_set,
    write_sets,
)

from stickgen.core.config import load_params
from stickgen.train import checkpoint as ck
from stickgen.train.loop import RunSpec, train
from stickgen.wiring import model_configs

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory) -> tuple[dict[str, Path], Path]:
    """A pretrain best checkpoint of a model twice as wide as the stage's tiny one (built in-process)."""
    folder = tmp_path_factory.mktemp("init")
    sets = write_sets(folder / "data", walking_set(16, "t"), walking_set(4, "v", seed=1))
    wide = load_params(tiny_params(folder / "wide.yaml", model={"d_model": 64, "ffn_hidden": 96}))
    model_cfg, refiner_cfg = model_configs(wide, "tiny", FAKE_DIM)
    spec = RunSpec(
        "pretrain", "tiny", sets["train"], sets["val"], sets["stats"], folder / "pre", folder / "live", 1
    )
    train(spec, phase_config(epochs=1), model_cfg, refiner_cfg, wide.diffusion)
    return sets, folder / "pre" / ck.BEST


def _sft(sets: dict[str, Path], out: Path, *extra: str) -> subprocess.CompletedProcess:
    params = tiny_params(out / "params.yaml")
    return subprocess.run(
        [sys.executable, *stage_args("sft", sets, out, params, *extra)],
        cwd=out,
        env=stage_env(),
        capture_output=True,
        text=True,
    )


def test_init_from_a_model_of_another_shape_lists_the_mismatched_keys(pretrained, tmp_path) -> None:
    sets, best = pretrained
    proc = _sft(sets, tmp_path, "--init_from", str(best))
    assert proc.returncode != 0
    err = proc.stderr.strip().splitlines()[-1]
    assert err.startswith(f"ValueError: --init_from {best} does not fit this model"), err
    assert f"transformer.blocks.0.attn.qkv.weight (192, 64) -> (96, {TINY_MODEL['d_model']})" in err
    assert "missing keys []; unexpected keys []" in err
    assert not (tmp_path / "model" / ck.FINAL).exists()


def test_sft_without_init_from_is_refused(pretrained, tmp_path) -> None:
    sets, _ = pretrained
    proc = _sft(sets, tmp_path)
    assert proc.returncode != 0 and "the sft phase starts from a trained model: pass init_from" in proc.stderr
