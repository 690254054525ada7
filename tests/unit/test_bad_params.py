"""Issue 16, "Bad input": every params value of the wrong type or out of range stops `load_params` with one
line that starts with the key path and says what is allowed, before any work starts (stickgen.core.config).

One row per case: (key path, bad value, the error's words). The error's first words are the key path that
names the problem; for a constraint between two keys that is the key the constraint is checked on.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from helpers import ROOT

from stickgen.core.config import ConfigError, load_params

CASES = [
    # types
    ("base.seed", "abc", "base.seed: expected int, got str 'abc'"),
    ("raw_root", 5, "raw_root: expected str, got int 5"),
    ("canonical.fps", "fast", "canonical.fps: expected float, got str 'fast'"),
    ("curate.mirror", "yes", "curate.mirror: expected bool, got str 'yes'"),
    ("quality.floating", "x", "quality.floating: expected float, got str 'x'"),
    ("train.pretrain.bucket_by_length", "maybe", "train.pretrain.bucket_by_length: expected bool"),
    ("train.pretrain.epochs", 2.5, "train.pretrain.epochs: expected int"),
    ("canonical.max_actors", True, "canonical.max_actors: expected int"),
    # names
    ("variants", ["huge"], "variants: ['huge'] have no entry under model.variants"),
    ("phases", ["pretrain", "dance"], "phases: ['dance'] have no section under train"),
    ("embed.device", "tpu9", "embed.device: must be auto, cpu, cuda, cuda:N or mps, got 'tpu9'"),
    ("embed.model", "", "embed.model: must name a sentence-transformers model"),
    ("train.launcher", "mpirun", "train.launcher: must start with one of ('python', 'torchrun')"),
    # ranges
    ("canonical.fps", 0.0, "canonical.fps: must be > 0, got 0.0"),
    ("canonical.max_actors", 0, "canonical.max_actors: must be 1..8, got 0"),
    ("canonical.window_s", -1.0, "canonical.window_s: must be > 0, got -1.0"),
    ("canonical.stride_s", 0.0, "canonical.stride_s: must be in (0, window_s], got 0.0"),
    ("samples.takes_per_dataset", 0, "samples.takes_per_dataset: must be >= 1"),
    ("samples.min_s", -1.0, "samples.min_s: need 0 < min_s <= max_s"),
    ("samples.max_s", 1.0, "samples.min_s: need 0 < min_s <= max_s"),
    ("convert.workers", 0, "convert.workers: must be >= 1, got 0"),
    ("convert.max_reject_fraction", 1.5, "convert.max_reject_fraction: must be in [0, 1], got 1.5"),
    ("synthesize.clips", -5, "synthesize.clips: must be >= 1, got -5"),
    ("synthesize.min_s", 0.0, "synthesize.min_s: need 0 < min_s <= max_s"),
    ("synthesize.two_actor_fraction", 1.2, "synthesize.two_actor_fraction: must be in [0, 1], got 1.2"),
    ("synthesize.chain_fraction", -0.1, "synthesize.chain_fraction: must be in [0, 1], got -0.1"),
    ("curate.val_fraction", 0.95, "curate.val_fraction: val_fraction + test_fraction must be in [0, 1)"),
    ("curate.test_fraction", -0.1, "curate.val_fraction: val_fraction + test_fraction must be in [0, 1)"),
    ("curate.max_source_fraction", 0.0, "curate.max_source_fraction: must be in (0, 1], got 0.0"),
    ("curate.dedup_max_dist_m", -0.01, "curate.dedup_max_dist_m: must be >= 0 (0: off), got -0.01"),
    ("curate.min_quality_sft", 1.5, "curate.min_quality_sft: must be in [0, 1], got 1.5"),
    ("curate.balance_max_fraction", 2.0, "curate.balance_max_fraction: must be in (0, 1], got 2.0"),
    ("curate.max_reject_fraction", -1.0, "curate.max_reject_fraction: must be in [0, 1], got -1.0"),
    ("curate.min_s", 20.0, "curate.min_s: need 0 < min_s <= max_s"),
    ("quality.jitter", -1.0, "quality.jitter: weight must be in [0, 100], got -1.0"),
    ("embed.batch_size", 0, "embed.batch_size: must be >= 1, got 0"),
    ("model.max_frames", 0, "model.max_frames: must be >= 2, got 0"),
    ("model.patch_frames", 0, "model.patch_frames: must be >= 1, got 0"),
    ("model.variants.small.n_heads", 3, "model.variants.small.d_model: must divide by n_heads"),
    ("model.variants.small.dropout", 1.5, "model.variants.small.dropout: must be in [0, 1), got 1.5"),
    ("train.pretrain.lr", -0.001, "train.pretrain.lr: must be > 0, got -0.001"),
    ("train.pretrain.batch_size", 0, "train.pretrain.batch_size: must be >= 1, got 0"),
    ("train.pretrain.epochs", 0, "train.pretrain.epochs: must be >= 1, got 0"),
    ("train.pretrain.weight_decay", -1.0, "train.pretrain.weight_decay: must be >= 0, got -1.0"),
    ("train.pretrain.grad_accum", 0, "train.pretrain.grad_accum: must be >= 1, got 0"),
    ("train.pretrain.grad_clip", -1.0, "train.pretrain.grad_clip: must be > 0, got -1.0"),
    ("train.pretrain.action_dropout", 1.5, "train.pretrain.action_dropout: must be in [0, 1], got 1.5"),
    ("train.sft.warmup_steps", -1, "train.sft.warmup_steps: must be >= 0, got -1"),
    ("train.lora.rank", 0, "train.lora.rank: must be >= 1, got 0"),
    ("train.lora.alpha", -1.0, "train.lora.alpha: must be > 0, got -1.0"),
    ("train.lora.dropout", 1.0, "train.lora.dropout: must be in [0, 1), got 1.0"),
    ("diffusion.diffusion_steps", 0, "diffusion.diffusion_steps: must be >= 1, got 0"),
    ("diffusion.guidance_scale", -1.0, "diffusion.guidance_scale: must be >= 0, got -1.0"),
    ("diffusion.start_strength", 1.5, "diffusion.start_strength: must be in (0, 1], got 1.5"),
    ("diffusion.cond_dropout", 1.2, "diffusion.cond_dropout: must be in [0, 1), got 1.2"),
    ("sampling.steps", 0, "sampling.steps: must be in 1..1000, got 0"),
    ("sampling.steps", 100000, "sampling.steps: must be in 1..1000, got 100000"),
    ("sampling.guidance_scale", 1e9, "sampling.guidance_scale: must be in [0, 20]"),
    ("sampling.guidance_rescale", 1.5, "sampling.guidance_rescale: must be in [0, 1], got 1.5"),
    ("evaluate.max_clips", 0, "evaluate.max_clips: must be >= 1, got 0"),
    ("evaluate.replications", 0, "evaluate.replications: must be >= 1, got 0"),
    ("evaluate.smoothness_quantile", 1.5, "evaluate.smoothness_quantile: must be in [0.5, 1], got 1.5"),
    ("evaluate.cpu_threads", -1, "evaluate.cpu_threads: must be >= 0, got -1"),
    ("train.cpu_threads", -1, "train.cpu_threads: must be >= 0, got -1"),
    ("inference.max_regenerations", -1, "inference.max_regenerations: must be >= 0, got -1"),
    ("inference.max_prompt_chars", 0, "inference.max_prompt_chars: must be >= 1, got 0"),
    ("serve.port", 70000, "serve.port: must be in 0..65535 (0: any free port), got 70000"),
    ("serve.max_samples", 0, "serve.max_samples: must be >= 1, got 0"),
    ("evaluator.epochs", 0, "evaluator.epochs: must be >= 1, got 0"),
    ("evaluator.lr", 0.0, "evaluator.lr: must be > 0, got 0.0"),
    ("evaluator.temperature", 0.0, "evaluator.temperature: must be > 0, got 0.0"),
    ("length.penalties", [], "length.penalties: must name at least one ridge penalty"),
    ("length.penalties", [0.1, -1.0], "length.penalties: must be finite numbers >= 0, got [-1.0]"),
    ("length.penalties", [0.1, "x"], "length.penalties[1]: expected float, got str 'x'"),
    ("length.folds", 1, "length.folds: must be >= 2, got 1"),
    ("length.min_s", 0.0, "length.min_s: must be > 0, got 0.0"),
    ("safety.rejection_severity_threshold", 2.0, "safety.rejection_severity_threshold: must be in (0, 1]"),
    ("adversarial.duration_s", 0.0, "adversarial.duration_s: must be > 0, got 0.0"),
    ("select.thresholds.val_loss", -1.0, "select.thresholds: must be > 0, got {'val_loss': -1.0}"),
    ("select.weights.val_loss", -0.3, "select.weights: must be >= 0, got {'val_loss': -0.3}"),
]

CASES += [  # values checked across sections or against the converter registry
    ("base.seed", -1, "base.seed: must be >= 0"),  # make_take raises in the middle of `synthesize`
    ("datasets", ["mocapx"], "datasets: "),  # unknown dataset: convert@mocapx fails after `samples`
    ("model.variants.small.d_model", 0, "model.variants.small.d_model: must be >= 1"),
    ("model.variants.small.n_layers", 0, "model.variants.small.n_layers: must be >= 1"),
    ("train.pretrain.crop_frames", 500, "train.pretrain.crop_frames: "),  # longer than model.max_frames
]


def _with(key: str, value) -> dict:
    raw = copy.deepcopy(yaml.safe_load((ROOT / "params.yaml").read_text()))
    *parents, leaf = key.split(".")
    node = raw
    for part in parents:
        node = node[part]
    assert leaf in node, f"{key} is not in params.yaml: the table is stale"
    node[leaf] = value
    return raw


def _error(tmp_path, key: str, value) -> str:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(_with(key, value), sort_keys=False))
    with pytest.raises(ConfigError) as exc:
        load_params(path)
    return str(exc.value)


def test_the_table_has_forty_cases_over_every_section() -> None:
    assert len(CASES) >= 40
    sections = {k.split(".")[0] for k, _, _ in CASES}
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert sections >= set(raw) - {"datasets"}, sorted(set(raw) - sections)


@pytest.mark.parametrize(("key", "value", "words"), CASES, ids=[f"{k}={v!r}" for k, v, _ in CASES])
def test_a_bad_value_gives_one_line_naming_the_key(key: str, value, words: str, tmp_path) -> None:
    msg = _error(tmp_path, key, value)
    assert msg.startswith(words) and "\n" not in msg, msg
