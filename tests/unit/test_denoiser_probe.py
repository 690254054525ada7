"""tools/denoiser_probe.py: the behaviour check on the clips and on the denoiser's predictions from them."""

from __future__ import annotations

import pytest
from helpers import load_tool
from inferkit import cached_checkpoint
from trainkit import one_thread  # noqa: F401

from stickgen.core.features import FeatureStats
from stickgen.embed.dataset import StickFigureDataset
from stickgen.evaluate.behaviour import CHECKS
from stickgen.model.transformer import StickFigureTransformer
from stickgen.train import checkpoint as ck

pytestmark = pytest.mark.usefixtures("one_thread")


tool = load_tool("denoiser_probe")
probe = tool.probe


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    ckpt = cached_checkpoint(tmp_path_factory, "fake")
    return ckpt, ckpt.parent.parent / "data" / "train.pt"


def test_the_clip_column_is_the_check_on_the_clips_and_an_identity_denoiser_keeps_them_all(
    tiny, monkeypatch
) -> None:
    ckpt, data = tiny
    stats = FeatureStats.from_dict(ck.load_checkpoint(ckpt)["feature_stats"])
    ds = StickFigureDataset(data, stats, 2, None, 0, random_caption=False)
    rows = [i for i, a in enumerate(ds.store.data["actions"]) if a == "walk"][:5]
    expected = [CHECKS["walk"](ds.store.joints(i), 20.0).passed for i in rows]

    table = probe(ckpt, data, "walk", [0.0, 0.5], clips=5, seed=0)
    assert [r["level"] for r in table] == [0.0, 0.5]
    assert all(r["clips"] == len(rows) for r in table)
    assert table[0]["clip_pass_rate"] == pytest.approx(sum(expected) / len(expected))
    assert all(0.0 <= r["prediction_pass_rate"] <= 1.0 for r in table)

    # a denoiser returning its input, handed the clip itself (no noise), measures as the clip; the
    # schedule's level 0 keeps a trace of noise, enough to flip a still toe's plant count
    handed = []
    monkeypatch.setattr(StickFigureTransformer, "forward", lambda self, x_t, *a, **k: handed.append(k) or x_t)
    monkeypatch.setattr(tool, "add_noise", lambda x0, noise, t: x0)
    same = probe(ckpt, data, "walk", [0.0], clips=5, seed=0)[0]
    assert same["prediction_pass_rate"] == same["clip_pass_rate"]
    first = CHECKS["walk"](ds.store.joints(rows[0]), 20.0).measures
    assert same["prediction_measures_first_clip"] == pytest.approx(first, rel=1e-2, abs=1e-3)
    assert first["speed_mps"] > 0.1  # a moving clip: the comparison is not of two zeros
    # each prediction reads the template training would hand it: a clip of another take, on its frames
    assert len(handed) == len(rows)
    for k in handed:
        assert k["template"].shape[:2] == k["template_valid"].shape == (1, k["template"].shape[1])
        assert bool(k["template_valid"].any())


def test_an_action_without_a_check_or_without_clips_is_one_line(tiny) -> None:
    ckpt, data = tiny
    with pytest.raises(SystemExit, match="no behaviour check"):
        probe(ckpt, data, "juggle", [0.0], clips=2, seed=0)
    with pytest.raises(SystemExit, match="no clip of action 'punch'"):
        probe(ckpt, data, "punch", [0.0], clips=2, seed=0)
