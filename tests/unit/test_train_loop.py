"""The training loop in-process on a tiny model: files written, accumulation, LoRA, stale resume points, and
logs whose bytes depend only on the inputs."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import torch
from inferkit import FakeEncoder
from trainkit import FAKE_DIM, lora_config, one_thread, phase_config, walking_set, write_sets  # noqa: F401

from stickgen.core import device as device_module
from stickgen.core.config import DiffusionConfig
from stickgen.core.device import autocast, native_bf16
from stickgen.core.features import FeatureStats
from stickgen.embed.dataset import StickFigureDataset
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Runtime
from stickgen.model.diffusion import RefinerConfig, Sampling
from stickgen.model.motion_model import StickFigureModel
from stickgen.model.transformer import TransformerConfig
from stickgen.train import checkpoint as ck
from stickgen.train import distributed as dd
from stickgen.train.data import TrainingSet, collate_train
from stickgen.train.loop import RunSpec, train
from stickgen.train.objective import feature_weights
from stickgen.train.runlog import CLOCK_LOG_NAME, LOG_NAME, continued
from stickgen.train.step import optimizer_step

pytestmark = pytest.mark.usefixtures("one_thread")
MODEL = TransformerConfig(FAKE_DIM, 64, 2, 32, 1, 2, 64, 0.0)
REFINER = RefinerConfig(FAKE_DIM, 64, 2, 16, 1, 2, 32)
DIFFUSION = DiffusionConfig(
    16,
    1,
    2,
    32,
    patch_frames=1,
    loss_weight=1.0,
    cond_dropout=0.2,
    use_diffusion=True,
    diffusion_steps=4,
    guidance_scale=1.5,
    start_strength=0.6,
)


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> dict[str, Path]:
    return write_sets(tmp_path_factory.mktemp("data"), walking_set(20, "t"), walking_set(6, "v", seed=1))


def run(sets: dict[str, Path], out: Path, phase: str = "pretrain", cfg=None, **kw) -> dict:
    spec = RunSpec(
        phase, "tiny", sets["train"], sets["val"], sets["stats"], out / "model", out / "live", seed=3
    )
    return train(spec, cfg or phase_config(), MODEL, REFINER, kw.pop("diffusion", DIFFUSION), **kw)


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_pretrain_writes_the_design_files_and_dvclive(sets, tmp_path) -> None:
    summary = run(sets, tmp_path, cfg=phase_config(epochs=3, save_every_epochs=2))
    assert summary["steps"] == 3 * 5  # 20 clips / batch 4
    assert files(tmp_path / "model") == {
        ck.BEST,
        ck.FINAL,
        ck.LATEST,
        "checkpoint_epoch_2.pth",
        "training_verbose.log",
    }
    final = torch.load(tmp_path / "model" / ck.FINAL, weights_only=True)
    assert {
        "model_state_dict",
        "optimizer_state_dict",
        "scheduler_state_dict",
        "epoch",
        "step",
        "rng_state",
        "config",
        "feature_stats",
        "text_encoder",
        "best_val_loss",
    } <= set(final)
    assert final["epoch"] == 3 and final["step"] == 15 and final["config"]["phase"] == "pretrain"
    assert final["config"]["refiner"]["d_model"] == 16 and any(
        k.startswith("refiner.") for k in final["model_state_dict"]
    )
    live = files(tmp_path / "live")
    assert {
        "metrics.json",
        "plots/metrics/train/loss.tsv",
        "plots/metrics/val/loss.tsv",
        "plots/metrics/lr.tsv",
        "plots/metrics/samples_per_s.tsv",
        "plots/metrics/train/padding.tsv",
        "plots/metrics/train/denoise_loss.tsv",
    } <= live
    rows = (tmp_path / "live/plots/metrics/train/loss.tsv").read_text().splitlines()
    assert len(rows) == 1 + 15
    assert len((tmp_path / "live/plots/metrics/val/loss.tsv").read_text().splitlines()) == 1 + 3
    log = (tmp_path / "model/training_verbose.log").read_text()
    assert "step 15/15 epoch 3" in log and "epoch 3 step 15" in log


def test_an_accumulated_step_has_the_gradient_of_the_whole_batch(sets) -> None:
    """`optimizer_step` over two micro-batches moves every parameter as over their union: under SGD the
    step is the gradient itself, so float summation order is all that may differ (Adam, in the loop test
    below, turns that order into visible steps where a gradient is ~0)."""
    stats = FeatureStats.from_dict(json.loads(sets["stats"].read_text()))
    data = TrainingSet(
        StickFigureDataset(sets["train"], stats, MODEL.max_actors, None, seed=3), 3, 8, 0.5, 0.2
    )
    items = [data[i] for i in range(4)]
    info = dd.DistInfo(0, 1, 0, torch.device("cpu"))
    weight = feature_weights(stats)

    def stepped(batches: list) -> dict[str, torch.Tensor]:
        torch.manual_seed(0)
        net = StickFigureModel(MODEL, REFINER)
        params = list(net.parameters())
        optimizer_step(net, torch.optim.SGD(params, lr=1.0), params, batches, info, phase_config(), True, 1.0,
                       weight)  # fmt: skip
        return {k: v.detach().clone() for k, v in net.state_dict().items()}

    whole = stepped([collate_train(items)])
    parts = stepped([collate_train(items[:2]), collate_train(items[2:])])
    for k in whole:
        torch.testing.assert_close(parts[k], whole[k], rtol=0, atol=1e-5, msg=k)


def test_gradient_accumulation_matches_the_whole_batch(sets, tmp_path) -> None:
    """The loop serves grad_accum micro-batches per step: five AdamW steps of 2 x 2 clips end where five of
    4 clips do. Adam divides a gradient by its own running size, so where a gradient is ~0 (the refiner's
    first steps behind its zero-initialised head; the second actor slot's template gains, which few
    samples feed) float summation order becomes a visible step: 1e-3 is 10% of one step at lr 1e-2; the
    gradient itself is compared tightly in the test above."""
    run(sets, tmp_path / "a", cfg=phase_config(epochs=1, batch_size=4, grad_accum=1, lr=1e-2))
    run(sets, tmp_path / "b", cfg=phase_config(epochs=1, batch_size=2, grad_accum=2, lr=1e-2))
    a = torch.load(tmp_path / "a/model" / ck.FINAL, weights_only=True)["model_state_dict"]
    b = torch.load(tmp_path / "b/model" / ck.FINAL, weights_only=True)["model_state_dict"]
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-3, msg=k)


def test_batches_built_by_worker_processes_train_the_same_weights(sets, tmp_path) -> None:
    """params `train.data_workers`: two processes building the batches ahead (here with gradient
    accumulation, so a step takes two of them, and a resume point mid-epoch) end with the weights, bit for
    bit, of batches built between the steps."""
    cfg = phase_config(epochs=2, batch_size=2, grad_accum=2, resume_every_steps=3)
    run(sets, tmp_path / "a", cfg=cfg)
    run(sets, tmp_path / "b", cfg=cfg, data_workers=2)
    a = torch.load(tmp_path / "a/model" / ck.FINAL, weights_only=True)["model_state_dict"]
    b = torch.load(tmp_path / "b/model" / ck.FINAL, weights_only=True)["model_state_dict"]
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_bf16_autocasts_only_where_the_device_computes_bf16_natively(monkeypatch) -> None:
    """params `train.<phase>.bf16`: the matmuls run in bfloat16 on a device with native bf16 (a GPU; a CPU
    with AMX or AVX512-BF16) and stay float32 elsewhere, where bf16 would be emulated and slower."""
    layer, x, cpu = torch.nn.Linear(8, 8), torch.randn(2, 8), torch.device("cpu")
    assert native_bf16(torch.device("cuda")) and not native_bf16(torch.device("mps"))
    for native in (True, False):
        monkeypatch.setattr(device_module, "native_bf16", lambda device, native=native: native)
        with autocast(True, cpu):
            assert layer(x).dtype == (torch.bfloat16 if native else torch.float32)
        with autocast(False, cpu):
            assert layer(x).dtype == torch.float32


def test_a_bf16_run_trains_and_resumes_to_the_same_weights(sets, tmp_path) -> None:
    """bf16 autocast keeps the loop's exact resume: a run resumed from its first epoch's checkpoint ends with
    the weights, bit for bit, of the uninterrupted one. The log says when this CPU has no native bf16."""
    cfg = phase_config(epochs=2, bf16=True, save_every_epochs=1)
    run(sets, tmp_path / "a", cfg=cfg)
    fallback = "has no native bf16" in (tmp_path / "a/model/training_verbose.log").read_text()
    assert fallback != native_bf16(torch.device("cpu"))
    run(sets, tmp_path / "c", cfg=cfg, resume_from=str(tmp_path / "a/model/checkpoint_epoch_1.pth"))
    a = torch.load(tmp_path / "a/model" / ck.FINAL, weights_only=True)["model_state_dict"]
    c = torch.load(tmp_path / "c/model" / ck.FINAL, weights_only=True)["model_state_dict"]
    for k in a:
        assert torch.equal(a[k], c[k]), k


def test_lora_trains_adapters_only_and_saves_them_alone(sets, tmp_path) -> None:
    run(sets, tmp_path / "pre", cfg=phase_config(epochs=1))
    base = tmp_path / "pre/model" / ck.BEST
    base_bytes = base.read_bytes()
    run(sets, tmp_path / "lora", phase="lora", cfg=lora_config(epochs=1, lr=1e-2), init_from=str(base))
    ckpt = ck.load_checkpoint(tmp_path / "lora/model" / ck.FINAL)
    keys = set(ckpt["model_state_dict"])
    assert keys and all(k.endswith(("lora_A", "lora_B")) for k in keys)
    n_adapter = sum(v.numel() for v in ckpt["model_state_dict"].values())
    opt_state = ckpt["optimizer_state_dict"]["state"]
    assert sum(s["exp_avg"].numel() for s in opt_state.values()) == n_adapter  # only adapters were optimised
    assert ckpt["config"]["init"]["path"] == str(base) and ckpt["config"]["lora"]["rank"] == 2
    assert base.read_bytes() == base_bytes
    tuned, plain = ck.model_from_checkpoint(ckpt), ck.model_from_checkpoint(ck.load_checkpoint(base))
    text, lengths = torch.randn(1, FAKE_DIM), torch.tensor([20])
    assert not torch.allclose(tuned.generate(text, lengths, 20), plain.generate(text, lengths, 20))
    base.write_bytes(base_bytes[:100] + bytes([base_bytes[100] ^ 1]) + base_bytes[101:])
    with pytest.raises(ValueError, match="changed since the adapters were trained"):
        ck.model_from_checkpoint(ckpt)


def test_a_resume_point_of_another_config_is_not_used(sets, tmp_path) -> None:
    run(sets, tmp_path, cfg=phase_config(epochs=1))
    run(sets, tmp_path, cfg=phase_config(epochs=1, lr=1e-3))
    log = (tmp_path / "model/training_verbose.log").read_text()
    assert "was made by another run (differs in ['train']): starting fresh" in log
    assert ck.load_checkpoint(tmp_path / "model" / ck.FINAL)["config"]["train"]["lr"] == 1e-3


def test_a_resume_point_of_other_data_with_the_same_clips_is_not_used(sets, tmp_path) -> None:
    """The same clip ids and lengths with other captions, or one joint moved, are other data: the finished
    run of the old data is not resumed as done (`dvc repro` after a caption change retrained nothing)."""
    import dataclasses

    import numpy as np

    clips = walking_set(20, "t")
    recaptioned = [dataclasses.replace(c, texts=[t + " slowly" for t in c.texts]) for c in clips]
    moved = [dataclasses.replace(c, joints=c.joints.copy()) for c in clips]
    moved[3].joints[5, 0, 7] += np.float32(0.01)
    val = walking_set(6, "v", seed=1)
    prints = set()
    for name, train_clips in (("same", clips), ("captions", recaptioned), ("joint", moved)):
        paths = write_sets(tmp_path / name, train_clips, val)
        stats = FeatureStats.from_dict(json.loads(paths["stats"].read_text()))
        prints.add(StickFigureDataset(paths["train"], stats, 2, None, seed=0).fingerprint())
    assert len(prints) == 3
    run(sets, tmp_path / "out", cfg=phase_config(epochs=1))
    other = write_sets(tmp_path / "captions", recaptioned, val)
    run(other, tmp_path / "out", cfg=phase_config(epochs=1))
    log = (tmp_path / "out/model/training_verbose.log").read_text()
    assert "was made by another run (differs in ['data']): starting fresh" in log


def test_sft_needs_init_from_with_the_same_statistics(sets, tmp_path) -> None:
    with pytest.raises(ValueError, match="the sft phase starts from a trained model"):
        run(sets, tmp_path / "sft", phase="sft")
    run(sets, tmp_path / "pre", cfg=phase_config(epochs=1))
    stats = json.loads(sets["stats"].read_text())
    other = dict(sets, stats=tmp_path / "other_stats.json")
    other["stats"].write_text(json.dumps({**stats, "mean": [m + 1 for m in stats["mean"]]}))
    with pytest.raises(ValueError, match="other feature statistics"):
        run(other, tmp_path / "sft", phase="sft", init_from=str(tmp_path / "pre/model" / ck.BEST))


def test_a_checkpoint_records_the_styles_it_was_trained_with_and_its_bases(tmp_path) -> None:
    """`config["styles"]`: the distinct style names of the run's training clips (one spelling per name,
    case and spaces aside) and of its `--init_from` base's; what the generator accepts (`check_style`)."""

    def styled(name: str, styles: tuple[str, ...]) -> dict[str, Path]:  # the same motion: the same stats
        return write_sets(tmp_path / name, walking_set(20, "t", styles=styles), walking_set(6, "v", seed=1))

    run(styled("a", ("Proud", "  proud", "Old")), tmp_path / "pre", cfg=phase_config(epochs=1))
    best = tmp_path / "pre/model" / ck.BEST
    assert ck.load_checkpoint(best)["config"]["styles"] == ["Old", "Proud"]
    sft = phase_config(epochs=1, lr=1e-6, warmup_steps=1)
    run(styled("b", ("old", "Zombie  walk")), tmp_path / "sft", phase="sft", cfg=sft, init_from=str(best))
    styles = ck.load_checkpoint(tmp_path / "sft/model" / ck.FINAL)["config"]["styles"]
    assert styles == ["Old", "Proud", "Zombie walk"]


def test_a_run_without_the_refiners_loss_leaves_it_untrained_and_says_so(sets, tmp_path) -> None:
    """params diffusion.loss_weight 0 (the embedded default): the refiner keeps its initial weights and is
    neither run nor logged; the checkpoints record `refiner.trained: false` and the model refuses to refine
    with it. A later phase inherits its base's flag unless it trains the refiner itself."""
    off = dataclasses.replace(DIFFUSION, loss_weight=0.0, use_diffusion=False)
    run(sets, tmp_path / "pre", cfg=phase_config(epochs=1), diffusion=off)
    best = tmp_path / "pre/model" / ck.BEST
    ckpt = ck.load_checkpoint(best)
    assert ckpt["config"]["refiner"]["trained"] is False
    torch.manual_seed(3)  # the run's seed: its model starts from these weights
    initial = StickFigureModel(MODEL, REFINER).refiner.state_dict()
    for k, v in initial.items():
        assert torch.equal(ckpt["model_state_dict"][f"refiner.{k}"], v), k
    assert not {"plots/metrics/train/denoise_loss.tsv", "plots/metrics/val/denoise_loss.tsv"} & files(
        tmp_path / "pre/live"
    )
    assert "denoise" not in (tmp_path / "pre/model/training_verbose.log").read_text()
    model = ck.model_from_checkpoint(ckpt)
    text, lengths = torch.zeros(1, FAKE_DIM), torch.tensor([8])
    with pytest.raises(ValueError, match="refiner was not trained .*loss_weight 0"):
        model.generate(text, lengths, 8, sampling=Sampling(steps=2))
    assert model.generate(text, lengths, 8).shape[:2] == (1, 8)
    made = InferenceGenerator(best, runtime=Runtime("cpu", encoder=FakeEncoder())).generate(
        "walk", 1.0, seed=1
    )
    assert made.meta["use_diffusion"] is False  # the generator's defaults do not refine
    sft = phase_config(epochs=1, lr=1e-6, warmup_steps=1)
    for diffusion, trained in ((off, False), (DIFFUSION, True)):  # inherited; trained here
        out = tmp_path / f"sft_{trained}"
        run(sets, out, phase="sft", cfg=sft, init_from=str(best), diffusion=diffusion)
        assert ck.load_checkpoint(out / "model" / ck.FINAL)["config"]["refiner"]["trained"] is trained
    run(
        sets,
        tmp_path / "sft_on_trained",
        phase="sft",
        cfg=sft,
        init_from=str(tmp_path / "sft_True/model" / ck.FINAL),
        diffusion=off,
    )
    assert ck.load_checkpoint(tmp_path / "sft_on_trained/model" / ck.FINAL)["config"]["refiner"]["trained"]


def test_sft_starts_from_the_pretrained_weights(sets, tmp_path) -> None:
    run(sets, tmp_path / "pre", cfg=phase_config(epochs=2))
    best = tmp_path / "pre/model" / ck.BEST
    run(
        sets,
        tmp_path / "sft",
        phase="sft",
        cfg=phase_config(epochs=1, lr=1e-6, warmup_steps=1),
        init_from=str(best),
    )
    pre = ck.load_checkpoint(best)["model_state_dict"]
    sft = ck.load_checkpoint(tmp_path / "sft/model" / ck.FINAL)
    assert sft["config"]["init"] == {"path": str(best), "sha256": ck.file_sha256(best)}
    for k, v in pre.items():
        torch.testing.assert_close(sft["model_state_dict"][k], v, rtol=0, atol=1e-4, msg=k)


def test_a_lora_checkpoint_finds_its_repository_relative_base_from_another_directory(
    sets, tmp_path, monkeypatch
) -> None:
    """The pipeline records the base as `models/<v>/pretrain/...` (relative to the repository): loading
    the adapters from elsewhere (another working directory, a clone) finds the base from the checkpoint's
    own place."""
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    run(sets, Path("models/pre"), cfg=phase_config(epochs=1))
    run(
        sets,
        Path("models/lora"),
        phase="lora",
        cfg=lora_config(epochs=1),
        init_from="models/pre/model/" + ck.BEST,
    )
    monkeypatch.chdir(tmp_path)
    ckpt = ck.load_checkpoint(repo / "models/lora/model" / ck.FINAL)
    assert ckpt["config"]["init"]["path"] == "models/pre/model/" + ck.BEST  # the record stays as trained
    assert ckpt[ck.BASE_PATH] == str(repo / "models/pre/model" / ck.BEST)
    assert ck.model_from_checkpoint(ckpt) is not None


# Model outputs whose bytes depend only on their inputs (stickgen.train.runlog): identical runs write
# byte-identical checkpoint folders, the wall-clock facts go to the clock log beside DVCLive.
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
STEP_LINE = re.compile(r"^INFO step (\d+)/\d+ ", re.M)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_two_identical_runs_write_byte_identical_model_folders(sets, tmp_path) -> None:
    """pretrain, then SFT from the first pretrain's best, twice in other folders: every file of each phase's
    checkpoint folder (the hashed DVC output) is the same bytes; time and speed are in the clock log only."""
    cfg = phase_config(epochs=2, save_every_epochs=1)
    for name in ("a", "b"):
        run(sets, tmp_path / name / "pretrain", cfg=cfg)
    init = str(tmp_path / "a/pretrain/model" / ck.BEST)
    for name in ("a", "b"):
        run(sets, tmp_path / name / "sft", phase="sft", cfg=phase_config(epochs=1), init_from=init)
    for phase, n_files in (("pretrain", 6), ("sft", 5)):
        a, b = folder_bytes(tmp_path / "a" / phase / "model"), folder_bytes(tmp_path / "b" / phase / "model")
        assert len(a) == n_files and LOG_NAME in a, sorted(a)
        assert a.keys() == b.keys() and [k for k in a if a[k] != b[k]] == [], phase
        log = a[LOG_NAME].decode()
        assert not TIME.search(log) and "samples_per_s" not in log
        steps = [int(s) for s in STEP_LINE.findall(log)]
        clock = (tmp_path / "a" / phase / "live" / CLOCK_LOG_NAME).read_text()
        clock_steps = re.findall(r"^\S+ \S+ INFO step \d+/\d+ .* samples_per_s [\d.e+-]+$", clock, re.M)
        assert steps == list(range(1, len(steps) + 1)) and len(clock_steps) == len(steps) > 0
        assert all(TIME.match(line) for line in clock.splitlines())


def test_a_fresh_run_in_a_used_folder_rewrites_the_log(sets, tmp_path) -> None:
    """Another config in the same (DVC-persisted) folder: the old run's lines are gone, not appended to."""
    run(sets, tmp_path, cfg=phase_config(epochs=1))
    first = (tmp_path / "model" / LOG_NAME).read_text()
    run(sets, tmp_path, cfg=phase_config(epochs=1, lr=1e-3))
    log = (tmp_path / "model" / LOG_NAME).read_text()
    assert "was made by another run" in log and '"lr": 0.001' in log and '"lr": 0.003' not in log
    assert STEP_LINE.findall(log) == STEP_LINE.findall(first) == ["1", "2", "3", "4", "5"]
    assert len((tmp_path / "live" / CLOCK_LOG_NAME).read_text().split(" INFO config ")) == 3  # both runs


def test_a_resumed_run_keeps_its_killed_runs_whole_lines_up_to_the_resume_step(tmp_path) -> None:
    config = 'INFO config {"lr": 1}'
    lines = ["INFO phase=pretrain", config, "INFO step 1/6 epoch 1 x", "INFO step 2/6 epoch 1 x"]
    lines += ["INFO epoch 1 step 2 train_loss 1", "INFO step 3/6 epoch 2 x", "INFO step 4/6 epoch 2 x"]
    log = tmp_path / LOG_NAME
    log.write_text("\n".join(lines) + "\nINFO step 5/6 epo")  # killed in the middle of a line
    assert continued(log, 2, config) == "\n".join(lines[:5]) + "\n"
    assert continued(log, 4, config) == "\n".join(lines) + "\n"
    assert continued(log, 2, 'INFO config {"lr": 2}') == ""  # the log of another run
    assert continued(tmp_path / "missing.log", 2, config) == ""
