"""Curation: the cap rule, de-duplication, mirroring, and a whole `curate` run on crafted clips where each
rule has a clip to catch (filters, duplicates across sources, source cap, SFT balance, mirrors)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers import EQUAL_QUALITY as QUALITY
from helpers import curate_config as cfg
from motions import FPS, animated, clean_motion, clip_of

from stickgen.core import canonical
from stickgen.core.skeleton import mirror
from stickgen.curate import dedup
from stickgen.curate.augment import mirror_caption, mirror_rows
from stickgen.curate.balance import cap_counts, select_capped
from stickgen.curate.curation import REJECT_REASONS, CurationError, curate, quality_weights
from stickgen.curate.report import build_report, write_plots
from stickgen.curate.scan import excuse_held_up, scan_store

# ---------------------------------------------------------------------------------------------- caps


def test_cap_counts_cut_a_dominant_source_to_what_the_others_balance() -> None:
    assert cap_counts({"synthetic": 480, "real": 21}, 0.9) == {"synthetic": 189, "real": 21}
    assert cap_counts({"synthetic": 480, "real": 21}, 0.5) == {"synthetic": 21, "real": 21}
    assert cap_counts({"a": 50, "b": 30, "c": 20}, 0.5) == {"a": 50, "b": 30, "c": 20}  # already fine
    assert cap_counts({"a": 100, "b": 10}, 0.3) == {"a": 10, "b": 10}  # f < 1/K: equal shares
    assert cap_counts({"only": 7, "empty": 0}, 0.2) == {"only": 7, "empty": 0}  # nobody can fill
    with pytest.raises(ValueError, match="cap fraction"):
        cap_counts({"a": 1}, 0.0)


def test_cap_counts_rule_holds_on_random_inputs() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        sizes = {f"s{k}": int(v) for k, v in enumerate(rng.integers(0, 200, rng.integers(1, 6)))}
        f = float(rng.uniform(0.05, 1.0))
        kept = cap_counts(sizes, f)
        total = sum(kept.values())
        k_nonempty = sum(v > 0 for v in sizes.values())
        if not total:
            continue
        eff = max(f, 1 / k_nonempty)
        cap = max(kept.values())
        assert all(v <= eff * total + 1e-9 for v in kept.values()), (sizes, f, kept)
        assert all(kept[k] == sizes[k] for k in sizes if sizes[k] <= cap)  # small groups keep everything
        if any(v > cap for v in sizes.values()):  # a cut group: one more clip each would break the cap
            assert cap + 1 > eff * sum(min(v, cap + 1) for v in sizes.values()) + 1e-9


def test_select_capped_keeps_whole_takes_deterministically() -> None:
    labels = ["big"] * 40 + ["small"] * 10
    takes = [f"big/t{k // 4}" for k in range(40)] + [f"small/t{k}" for k in range(10)]
    ids = [f"{t}#{k}" for k, t in enumerate(takes)]
    keep, quota = select_capped(labels, takes, ids, 0.5, seed=1, salt="source:")
    assert quota == {"big": 10, "small": 10} and keep.sum() == 20
    kept_takes = {takes[i] for i in np.flatnonzero(keep[:40])}
    assert len(kept_takes) == 3  # 10 clips: two whole takes of 4 and part of a third (ranked by take)
    again, _ = select_capped(labels, takes, ids, 0.5, seed=1, salt="source:")
    assert (again == keep).all()


# -------------------------------------------------------------------------------------- duplicates


def test_dedup_finds_planted_duplicates_like_brute_force() -> None:
    clips = [clean_motion(40, seed=s) for s in range(300)]
    rng = np.random.default_rng(1)
    planted = {}
    for k in range(30):  # copies with 5 mm noise of random earlier clips
        src = int(rng.integers(0, 300))
        clips.append(clips[src] + rng.normal(0, 0.005, clips[src].shape).astype(np.float32))
        planted[300 + k] = src
    desc = np.stack([dedup.clip_descriptor(c) for c in clips])
    n = len(clips)
    dup_of, mirrored, _ = dedup.find_duplicates(
        desc, np.ones(n, int), np.full(n, 40), np.arange(n), 0.04, mirror=False, seed=0
    )
    found = {i: int(j) for i, j in enumerate(dup_of) if j >= 0}
    assert found == planted and not mirrored.any()


def test_dedup_mirror_images_and_lengths() -> None:
    a = clean_motion(40, seed=1)
    desc = np.stack([dedup.clip_descriptor(x) for x in (a, mirror(a), a)])
    actors, order = np.ones(3, int), np.arange(3)
    dup_of, mirrored, _ = dedup.find_duplicates(desc, actors, np.array([40, 40, 40]), order, 0.04, True, 0)
    assert dup_of.tolist() == [-1, 0, 0] and mirrored.tolist() == [False, True, False]
    dup_of, _, _ = dedup.find_duplicates(desc, actors, np.array([40, 40, 40]), order, 0.04, False, 0)
    assert dup_of.tolist() == [-1, -1, 0]  # without mirroring a mirror image is a motion of its own
    dup_of, _, _ = dedup.find_duplicates(desc, actors, np.array([40, 40, 60]), order, 0.04, True, 0)
    assert dup_of[2] == -1  # lengths 40 vs 60: not a repeat


# ------------------------------------------------------------------------------------------ mirror


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "A person waves with the right hand, then turns left.",
            "A person waves with the left hand, then turns right.",
        ),
        ("Left-handed throw, moving leftwards", "Right-handed throw, moving rightwards"),
        ("turns CLOCKWISE, then counter-clockwise", "turns COUNTERCLOCKWISE, then clockwise"),
        ("right away he kicks at a right angle", "right away he kicks at a right angle"),
        ("all right, she has left the room", "all right, she has left the room"),
        ("steps to the right and then left", "steps to the left and then right"),
        ("brightly lit; leftover", "brightly lit; leftover"),
    ],
)
def test_mirror_caption_swaps_sides_only(text: str, want: str) -> None:
    assert mirror_caption(text) == want


def test_mirror_rows_match_skeleton_mirror_exactly() -> None:
    j = clean_motion(30, seed=4, actors=2)
    data = canonical.encode_clips([clip_of(j, "t/a#0-30")], 20.0, 2)
    root, offs = data["root"].numpy(), data["offsets"].numpy()
    mroot, moffs = mirror_rows(root, offs)
    store = canonical.CanonicalStore(
        {**data, "root": torch.from_numpy(mroot), "offsets": torch.from_numpy(moffs)}
    )
    expect = mirror(canonical.CanonicalStore(data).joints(0))
    np.testing.assert_allclose(store.joints(0), expect, atol=1e-6)
    back = mirror_rows(mroot, moffs)
    assert (back[0] == root).all() and (back[1] == offs).all()


# ---------------------------------------------------------------------------------- a whole curate


def _stores() -> tuple[list[canonical.CanonicalStore], dict[str, str]]:
    """Two sources; `expect` maps the special clips to the reason they must be rejected with."""
    alpha = [
        clip_of(
            clean_motion(40, seed=k),
            f"alpha/t{k:02d}#0-40",
            "alpha",
            "wave",
            texts=[f"someone waves the left hand ({k})", f"waving {k}"],
        )
        for k in range(12)
    ]
    beta = [
        clip_of(
            clean_motion(40, seed=100 + k),
            f"beta/t{k:02d}#0-40",
            "beta",
            "clap" if k < 30 else "kick",
            texts=[f"a clap {k}"],
        )
        for k in range(40)
    ]
    still = np.repeat(clean_motion(40, seed=7)[:1], 40, axis=0)
    noisy = clean_motion(40, seed=8) + np.random.default_rng(0).normal(0, 0.03, (40, 1, 22, 3)).astype(
        np.float32
    )
    nan = clean_motion(40, seed=9)  # gets a NaN root below
    special = [
        clip_of(nan, "beta/nan#0-40", "beta", "clap"),
        clip_of(clean_motion(10, seed=10), "beta/short#0-10", "beta", "clap"),
        clip_of(clean_motion(220, seed=11), "beta/long#0-220", "beta", "clap"),
        clip_of(still, "beta/still#0-40", "beta", "clap"),
        clip_of(noisy, "beta/noisy#0-40", "beta", "clap"),
        clip_of(alpha[0].joints + np.float32(0.002), "beta/copy#0-40", "beta", "wave"),
        clip_of(mirror(alpha[1].joints), "beta/mirrored#0-40", "beta", "wave"),
    ]
    expect = {
        "beta/nan#0-40": "non_finite",
        "beta/short#0-10": "too_short",
        "beta/long#0-220": "too_long",
        "beta/still#0-40": "motionless",
        "beta/noisy#0-40": "low_quality",
        "beta/copy#0-40": "duplicate",
        "beta/mirrored#0-40": "mirror_duplicate",
    }

    def store(clips):
        data = canonical.encode_clips(clips, 20.0, 2)
        ids = [c.id for c in clips]
        if "beta/nan#0-40" in ids:  # canonical.save refuses NaN, but a damaged file may hold one
            row = int(data["clip_offsets"][ids.index("beta/nan#0-40")]) + 5
            data["root"][row, 1] = float("nan")
        return canonical.CanonicalStore(data)

    return [store(alpha), store(beta + special)], expect


def _run(tmp_path, **over):
    stores, expect = _stores()
    c = cfg(**over)
    result, table = curate(stores, tmp_path, c, QUALITY, seed=5, fps=20.0, max_actors=2)
    return stores, expect, result, table, c


def test_curate_rejects_each_artifact_with_its_reason_and_drops_nothing_silently(tmp_path) -> None:
    stores, expect, result, table, c = _run(tmp_path)
    reasons = {r["id"]: r["reason"] for r in result.rejects}
    for clip_id, why in expect.items():
        assert reasons[clip_id].split(":")[0] == why, reasons.get(clip_id)
    assert "alpha/t00#0-40" in reasons["beta/copy#0-40"] and "alpha/t01#0-40" in reasons["beta/mirrored#0-40"]
    inputs = {i for s in stores for i in s.ids}
    kept = {table.ids[r] for name in ("pretrain", "val", "test") for r in result.sets[name].rows}
    assert inputs == kept | set(reasons) and not kept & set(reasons)


def test_curate_caps_sources_balances_sft_and_mirrors(tmp_path) -> None:
    _, _, result, table, c = _run(tmp_path, max_source_fraction=0.6, balance_max_fraction=0.4)
    pre = canonical.load(tmp_path / "pretrain.pt")
    sources = np.array(pre.data["sources"])
    assert (sources == "beta").mean() <= 0.6 + 1e-9 and (sources == "alpha").sum() == 24  # 12 + mirrors
    assert any(r["reason"].startswith("source_cap: beta") for r in result.rejects)
    sft = canonical.load(tmp_path / "sft.pt")
    actions = np.array(sft.data["actions"])
    assert max((actions == a).mean() for a in set(actions)) <= 0.4 + 1e-9
    assert set(sft.ids) <= set(pre.ids)
    assert any(r["reason"].startswith("action_cap: clap") for r in result.sft_excluded)
    # mirror images: id, caption and joints
    i, m = pre.index("alpha/t02#0-40"), pre.index("alpha/t02#0-40+mirror")
    assert (
        pre.data["texts"][m][0] == "someone waves the right hand (2)" and pre.data["groups"][m] == "alpha/t02"
    )
    np.testing.assert_allclose(pre.joints(m), mirror(pre.joints(i)), atol=1e-6)
    assert json.loads(pre.data["meta"][m])["mirrored_from"] == "alpha/t02#0-40"


def test_curated_files_copy_motion_exactly_and_are_byte_stable(tmp_path) -> None:
    stores, _, _, _, _ = _run(tmp_path / "a")
    curate(_stores()[0], tmp_path / "b", cfg(), QUALITY, 5, 20.0, 2, chunk_rows=37)  # tiny chunks
    for name in ("pretrain", "sft", "val", "test"):
        assert (tmp_path / "a" / f"{name}.pt").read_bytes() == (tmp_path / "b" / f"{name}.pt").read_bytes()
    pre = canonical.load(tmp_path / "a" / "pretrain.pt")
    assert pre.kind == "curated"
    src = stores[1]
    k = src.index("beta/t05#0-40")
    np.testing.assert_array_equal(pre.joints(pre.index("beta/t05#0-40")), src.joints(k))


def test_too_many_damaged_clips_fail_with_the_rejects(tmp_path) -> None:
    with pytest.raises(CurationError, match="max_reject_fraction") as err:
        _run(tmp_path, max_reject_fraction=0.05, min_quality_pretrain=0.99, min_quality_sft=0.99)
    assert err.value.rejects and all(r["reason"] for r in err.value.rejects)
    assert not (tmp_path / "pretrain.pt").exists()


def test_report_and_plots_cover_every_reason_and_source(tmp_path) -> None:
    _, _, result, table, c = _run(tmp_path)
    report = build_report(result, table, c, quality_weights(QUALITY))
    assert set(report["reject_reasons"]) == set(REJECT_REASONS) and report["rejected"] == len(
        report["rejects"]
    )
    assert report["outputs"]["pretrain"] == 2 * (report["outputs"]["pretrain"] // 2)
    assert set(report["quality"]["by_source"]) == {"alpha", "beta"}
    files = write_plots(report, tmp_path / "plots")
    names = {str(f.relative_to(tmp_path / "plots")) for f in files}
    assert {
        "quality/alpha.csv",
        "quality/beta.csv",
        "reject_reasons.csv",
        "actions/input.csv",
        "sources/sft.csv",
    } <= names
    assert (tmp_path / "plots/quality/beta.csv").read_text().startswith("quality,clips\n0.0-0.1,")


def test_a_climb_is_held_up_by_its_ladder_not_scored_as_floating() -> None:
    """A climber is off the floor for the whole climb: the clip keeps its full quality score as a climb,
    while the same motion under another action is scored as floating (and curation would reject it)."""
    joints = animated("climb", 0, seconds=4.0)[0]
    clips = [clip_of(joints, f"s/{a}#0-80", "s", a) for a in ("climb", "idle")]
    table = scan_store(
        canonical.CanonicalStore(canonical.encode_clips(clips, FPS, 2)), quality_weights(QUALITY)
    )
    assert table["raw"]["floating"].tolist()[0] == 0.0 and table["raw"]["floating"][1] > 2.0
    assert table["score"][0] > 0.9 and table["score"][1] == 0.0


@pytest.mark.parametrize("action", ["running_bases", "handshake"])
def test_a_base_runner_and_a_handshake_keep_their_side_no_mirror_image(tmp_path, action) -> None:
    """Mirroring a base runner would teach "runs the bases" as a right turn, a handshake as left hand in
    left: those clips enter pretrain and SFT without a mirror image, the other actions with one."""
    clips = [
        clip_of(clean_motion(40, seed=k), f"a/t{k:02d}#0-40", "a", ("wave", action)[k % 2], [f"x {k}"])
        for k in range(20)
    ]
    curate(
        [canonical.CanonicalStore(canonical.encode_clips(clips, 20.0, 2))],
        tmp_path,
        cfg(max_source_fraction=1.0),
        QUALITY,
        seed=5,
        fps=20.0,
        max_actors=2,
    )
    for name in ("pretrain.pt", "sft.pt"):
        kept = canonical.load(tmp_path / name)
        ids = dict(zip(kept.ids, kept.data["actions"], strict=True))
        runners = [i for i, a in ids.items() if a == action]
        waves = [i for i, a in ids.items() if a == "wave" and not i.endswith("+mirror")]
        assert runners and not any(i.endswith("+mirror") for i in runners)
        assert waves and all(f"{i}+mirror" in ids for i in waves)


def test_held_up_actions_excuse_only_their_detectors_and_lengths_must_agree() -> None:
    raw = {
        "floating": np.array([3.0, 3.0]),
        "foot_skating": np.array([0.4, 0.4]),
        "jitter": np.array([500.0, 500.0]),
    }
    out = excuse_held_up(raw, ["climb", "walk"])
    assert out["floating"].tolist() == [0.0, 3.0] and out["foot_skating"].tolist() == [0.0, 0.4]
    assert out["jitter"].tolist() == [500.0, 500.0] and raw["floating"].tolist() == [3.0, 3.0]
    with pytest.raises(ValueError, match="1 actions"):
        excuse_held_up(raw, ["climb"])
