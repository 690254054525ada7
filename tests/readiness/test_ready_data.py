"""Checklist §1.2 "Data Pipeline": canonical conversion (every dataset's converter on its sample files),
curation (pretrain + SFT splits, quality thresholds, SFT action balance) and embedding (output compatible
with `StickFigureDataset`), on the readiness pipeline's data stages (conftest.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from readykit import files, readiness_params
from sourcekit import assert_canonical_human

from stickgen.core import canonical
from stickgen.core.config import CurateConfig, QualityConfig
from stickgen.core.features import STATE_FEATURES, FeatureStats
from stickgen.core.quality import assess_clip, quality_score
from stickgen.core.text import embed_texts
from stickgen.curate.curation import OUTPUT_SETS, quality_weights
from stickgen.curate.scan import excuse_held_up
from stickgen.embed.dataset import StickFigureDataset, collate
from stickgen.sources import known_datasets

DATASETS = "amass humanml3d kit_ml interhuman ntu_rgbd lsmb19 100style aistpp bvh asf_amc".split()
PARAMS = readiness_params()
CURATE = CurateConfig(**PARAMS["curate"])
WEIGHTS = quality_weights(QualityConfig(**PARAMS["quality"]))


def test_the_registry_has_a_converter_for_each_of_the_ten_datasets() -> None:
    """§1.2 "Canonical data conversion works" / resource table "Raw Datasets": one converter per raw dataset
    (AMASS, InterHuman, NTU RGB+D, 100STYLE, HumanML3D, KIT-ML, AIST++, LSMB19, and CMU's BVH and ASF/AMC)."""
    assert sorted(known_datasets()) == sorted(DATASETS)


def test_samples_writes_a_native_folder_for_every_dataset(canonical_dir: Path) -> None:
    """The `samples` stage writes a folder of native-format files for every registered dataset, each named
    in its PROVENANCE.json: what the convert stages below read."""
    samples = canonical_dir.parent / "samples"
    assert (
        sorted(p.name for p in samples.iterdir() if p.is_dir())
        == known_datasets()
        == sorted(json.loads((samples / "PROVENANCE.json").read_text())["datasets"])
    )
    assert len(known_datasets()) == 10
    assert all(files(samples / d) for d in known_datasets())


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_converter_converts_its_sample_files(dataset: str, canonical_dir: Path) -> None:
    """§1.2 "AMASS / InterHuman / 100STYLE converter runs without errors", for all ten: `convert@<dataset>`
    on the `samples` stage's native-format files rejects nothing and writes canonical clips of upright
    people of human height facing +Z (AMASS, InterHuman, AIST++ with the built-in template skeleton: no
    licensed SMPL files here; the body-model path: tests/unit/test_amass.py, test_interhuman.py,
    test_aistpp.py with synthetic SMPL-family files)."""
    report = json.loads((canonical_dir / f"{dataset}.report.json").read_text())
    store = canonical.load(canonical_dir / f"{dataset}.pt")
    assert report["rejected"] == 0 and report["error"] is None, report["rejects"]
    assert report["takes"] == PARAMS["samples"]["takes_per_dataset"] and report["clips"] == len(store) > 0
    assert store.data["extra"] == {"dataset": dataset}
    for clip in store:
        assert clip.id.startswith(f"{dataset}/")
        # some sample takes sit, kneel, crouch, crawl or fall (a fall lies for most of its take: its median
        # head height is a lying one); the body's size is its standing height from the bones
        assert_canonical_human(clip, heights=(0.25, 2.2))
        assert all(1.2 <= h <= 2.3 for h in clip.meta["standing_height_m"]), clip.meta["standing_height_m"]
        if dataset in ("amass", "interhuman", "aistpp"):
            assert clip.meta["body_model"] == "template"


@pytest.fixture(scope="module")
def curated(curated_dir: Path) -> dict[str, canonical.CanonicalStore]:
    return {name: canonical.load(curated_dir / f"{name}.pt") for name in OUTPUT_SETS}


def test_curation_writes_pretrain_and_sft_splits(
    curated: dict, curated_dir: Path, canonical_dir: Path
) -> None:
    """§1.2 "prepare_curated_datasets.py produces pretrain + SFT splits": the `curate` stage writes pretrain,
    sft, val and test; no take (group) is in two of pretrain / val / test, SFT is drawn from pretrain, and
    every input clip is in a set or in the report with its reason."""
    assert all(s.kind == "curated" and len(s) > 0 for s in curated.values())
    groups = {n: set(s.data["groups"]) for n, s in curated.items()}
    assert not groups["pretrain"] & groups["val"] and not groups["pretrain"] & groups["test"]
    assert not groups["val"] & groups["test"] and set(curated["sft"].ids) <= set(curated["pretrain"].ids)
    report = json.loads((curated_dir / "curation_report.json").read_text())
    inputs = {i for f in canonical_dir.glob("*.pt") for i in canonical.load(f).ids}
    kept = {i for n in ("pretrain", "val", "test") for i in curated[n].ids if not i.endswith("+mirror")}
    rejected = {r["id"] for r in report["rejects"]}
    assert inputs == kept | rejected and not kept & rejected


def test_curation_applies_the_quality_thresholds(
    curated: dict, curated_dir: Path, canonical_dir: Path
) -> None:
    """§1.2 "Quality thresholds applied correctly": every pretrain clip scores at least
    `curate.min_quality_pretrain`, every SFT clip at least `curate.min_quality_sft` (re-scored here from
    the files), and the clips rejected or left out of SFT for quality score under their bar."""
    fps = curated["pretrain"].fps

    def score(store: canonical.CanonicalStore, i: int) -> float:
        """The clip's quality as curation scores it: the detectors, less those its action excuses (a
        climber or swimmer is held off the floor: `stickgen.curate.scan.HELD_UP_ACTIONS`)."""
        raw = {k: np.array([v]) for k, v in assess_clip(store.joints(i), fps, WEIGHTS).raw.items()}
        return float(quality_score(excuse_held_up(raw, [store.data["actions"][i]]), WEIGHTS)[0])

    for name, bar in (("pretrain", CURATE.min_quality_pretrain), ("sft", CURATE.min_quality_sft)):
        scores = [score(curated[name], i) for i in range(len(curated[name]))]
        assert min(scores) >= bar - 1e-6, (name, min(scores), bar)
    report = json.loads((curated_dir / "curation_report.json").read_text())
    inputs = {i: s for f in canonical_dir.glob("*.pt") for s in [canonical.load(f)] for i in s.ids}
    low = [r["id"] for r in report["rejects"] if r["reason"].startswith("low_quality")]
    for i in low:
        assert score(inputs[i], inputs[i].index(i)) < CURATE.min_quality_pretrain
    pre = curated["pretrain"]
    left_out = [r["id"] for r in report["sft_excluded_clips"] if r["reason"].startswith("sft_quality")]
    assert low and left_out, "the readiness data should exercise both bars"
    assert all(score(pre, pre.index(i)) < CURATE.min_quality_sft for i in left_out)


def test_curation_balances_the_sft_actions(curated: dict, curated_dir: Path) -> None:
    """§1.2 "Action balancing applied for SFT": no action exceeds `curate.balance_max_fraction` of the SFT
    set (or 1 / the number of actions, when that is larger: docs/curation.md "Caps"), only dominant actions
    are cut, and every SFT clip has a known action."""
    actions = Counter(curated["sft"].data["actions"])
    assert "unknown" not in actions
    report = json.loads((curated_dir / "curation_report.json").read_text())
    caps = report["caps"]["action"]
    bound = max(CURATE.balance_max_fraction, 1 / len(caps))
    assert max(actions.values()) / sum(actions.values()) <= bound + 1e-9, actions
    cut = {a for a, c in caps.items() if c["kept"] < c["available"]}
    assert cut, "the readiness profile's balance_max_fraction should cut some actions"
    kept = {c["kept"] for a, c in caps.items() if a in cut}
    assert len(kept) == 1 and all(c["available"] <= min(kept) for a, c in caps.items() if a not in cut)


@pytest.mark.parametrize("name", OUTPUT_SETS)
def test_embedded_sets_feed_stick_figure_dataset(name: str, embedded_dir: Path, curated: dict) -> None:
    """§1.2 "build_dataset_for_training.py adds embeddings" and "Output compatible with StickFigureDataset":
    the `embed` stage's files (one vector per distinct caption, from the profile's real encoder) load in
    `StickFigureDataset` and collate into training batches of the text encoder's width."""
    stats = FeatureStats.from_dict(json.loads((embedded_dir / "stats.json").read_text()))
    ds = StickFigureDataset(embedded_dir / f"{name}.pt", stats, max_actors=2, crop_frames=40, seed=0)
    assert len(ds) == len(curated[name]) and ds.store.ids == curated[name].ids
    enc = ds.text_encoder
    assert enc == {"name": PARAMS["embed"]["model"], "dim": 384}
    batch = collate([ds[i] for i in range(min(4, len(ds)))])
    assert batch.text.shape == (len(batch.lengths), enc["dim"]) and batch.features.shape[-1] == STATE_FEATURES
    assert torch.isfinite(batch.features).all() and (batch.lengths <= 40).all()
    captions = ds.store.data["captions"]
    assert len(set(captions)) == len(captions) == ds.caption_emb.shape[0]
    np.testing.assert_allclose(ds.caption_emb[:2].numpy(), embed_texts(enc["name"], captions[:2]), atol=1e-5)
