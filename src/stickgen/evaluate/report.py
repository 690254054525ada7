"""Evaluate one model on held-out data: the metrics report of a (variant, phase) (docs/metrics.md).

Every motion is GENERATED from text alone (a caption of a real clip, drawn per replication, with that
clip's length and actor count; no action label, no motion input), through the model's sampling settings.
Each replication draws its test subset, captions and generation seed; metrics are averaged over
replications with a 95% interval. The real test motions run through the same metrics as the reference
row. Report layout (leaf names are unique, so `dvc metrics show/diff` and model cards read them as they are):

    protocol   test clips per replication, replications, R-precision batch, smoothness threshold, and
               real_val_fid: the FID of the real validation motions against the real test motions (two
               independent real samples of the data: what a generated FID compares with)
    selection  the checklist's six metrics (generated) + selection_score
    checklist  whether each selection metric meets its threshold
    generated  HumanML3D protocol + physical plausibility of the generated motion
    ci95       <metric>_ci95 for every replicated metric (and real_<metric>_ci95)
    real       real_<metric>: the same metrics on the real test motions
    refiner    refined_<metric> / unrefined_<metric>: the same prompts and seeds with the diffusion refinement
               of params `diffusion.*` and through the transformer alone, whatever `use_diffusion` picks
               for the rows above (the refiner's ablation); only for a model whose refiner was trained
               (params `diffusion.loss_weight` > 0: `RefinerConfig.trained`)
    foot_lock  locked_<metric> / unlocked_<metric>: the physical plausibility of the same generated motions
               with planted feet held in place (`stickgen.generate.footlock`) and as generated, whatever
               `inference.lock_feet` picks for the rows above
    behaviour  the behaviour suite (`stickgen.evaluate.behaviour`): every caption of prompts.yaml's
    `behaviour`
               list generated with `evaluate.behaviour_seeds` seeds, as the model ships (sampling, foot
               lock); behaviour_pass_rate (geometric checks passed, over all motions),
               behaviour_min_action_pass_rate, behaviour_recognised_rate (the evaluator's recogniser
               names the caption's action), behaviour_samples, and behaviour_<action>_pass_rate /
               behaviour_<action>_recognised per action; talk, shout, whisper, sing, laugh and cry pass
               on the face too (`stickgen.evaluate.face_checks`); behaviour_in_place_actions,
               behaviour_in_place_travel_m, behaviour_in_place_real_travel_m and
               behaviour_in_place_wander_rate: how far the motions of the actions whose test and
               validation clips stay in place travel (`stickgen.evaluate.in_place`);
               behaviour_seed_variety_m and behaviour_seed_alike_actions: how far apart the motions
               of one caption lie (`stickgen.evaluate.variety`)
    face       the generated faces of the test clips that have one (synthetic clips), each from its own
               first caption (up to `evaluate.face_clips`): face_clips, face_speaking_clips,
               face_expression_accuracy, face_speaking_f1, face_mouth_rate_error_hz
               (`stickgen.evaluate.face_checks.face_metrics`)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from stickgen.core.atomic import atomic_write_text
from stickgen.core.config import EvaluateConfig, InferenceConfig, SelectConfig
from stickgen.core.vocab import ACTIONS
from stickgen.embed.dataset import StickFigureDataset, load_embedded
from stickgen.evaluate import metrics
from stickgen.evaluate.behaviour_suite import run_behaviour_suite
from stickgen.evaluate.checklist import assess, selection_score
from stickgen.evaluate.evaluator import Evaluator
from stickgen.evaluate.evaluator_train import UNKNOWN, ClipSet, load_clip_set
from stickgen.evaluate.face_checks import face_metrics
from stickgen.evaluate.in_place import clip_travel, in_place_actions
from stickgen.evaluate.prompts import PromptTable, behaviour_prompts
from stickgen.generate import footlock
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Checks, Runtime, SamplingSettings
from stickgen.model.diffusion import Generation, Sampling
from stickgen.train.data import TrainingSet
from stickgen.train.step import validation_losses

REPLICATED = (
    "r_precision_top1",
    "r_precision_top2",
    "r_precision_top3",
    "fid",
    "mm_dist",
    "diversity",
    "multimodality",
    "motion_mse",
    "temporal_consistency",
    "action_accuracy",
    "physics_consistency",
    "foot_skating_ratio",
    "ground_penetration",
    "floating",
    "jerk",
    "bone_length_error",
)
ABLATIONS = {"refiner": ("refined", "unrefined"), "foot_lock": ("locked", "unlocked")}  # section: modes
SELECTION_FROM_GENERATED = ("motion_mse", "temporal_consistency", "action_accuracy", "physics_consistency")
# the behaviour suite draws its seeds from _seed(seed, BEHAVIOUR_STREAM), apart from the replications'
BEHAVIOUR_STREAM = 0xBE
FACE_STREAM = 0xFACE


def load_generator(
    checkpoint: Path,
    generation: Generation,
    refinement: Sampling | None,
    inference: InferenceConfig,
    fps: float,
    prompt_table: Path | None = None,
) -> InferenceGenerator:
    """The model under test as the pipeline samples it (`stickgen.wiring.generation` and `sampling_from`
    of params, `inference.*`), through InferenceGenerator's loader, without the safety check;
    `prompt_table` (the evaluator stage's) serves prompt embeddings without the text encoder."""
    return InferenceGenerator(
        checkpoint,
        SamplingSettings(generation, refinement, inference.lock_feet),
        Checks(safety=False, max_prompt_chars=inference.max_prompt_chars),
        Runtime(
            encoder=PromptTable.load(prompt_table) if prompt_table is not None else None,
            fps=fps,
            bf16=inference.bf16,
        ),
    )


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence(list(parts)).generate_state(1)[0] % (2**31))


def generate_motions(
    gen: InferenceGenerator,
    text_emb: np.ndarray,
    lengths: Sequence[int],
    actors: Sequence[int],
    batch_size: int,
    seed: int,
    sampling: Sampling | None,
    lock_feet: bool | None = None,
    captions: Sequence[str] | None = None,
) -> list[np.ndarray]:
    """One motion per row of `text_emb` (N, text_dim) with its length and actors (and `captions`, the
    texts embedded, for the sides they name), in batches of similar length (batch k is seeded with `seed`
    + k), refined with `sampling` (None: the transformer's motion), planted feet held when `lock_feet`
    (None: as the generator does); returned in input order."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    out: list[np.ndarray | None] = [None] * len(order)
    for k, start in enumerate(range(0, len(order), batch_size)):
        idx = order[start : start + batch_size]
        emb = torch.from_numpy(np.asarray(text_emb[idx], dtype=np.float32)).to(gen.device)
        joints = gen.sample(
            emb,
            [int(lengths[i]) for i in idx],
            [int(actors[i]) for i in idx],
            sampling,
            seed + k,
            lock_feet=lock_feet,
            captions=None if captions is None else [captions[i] for i in idx],
        )
        for i, j in zip(idx, joints, strict=True):
            out[int(i)] = j
    broken = sum(not np.isfinite(m).all() for m in out)
    if broken:
        raise ValueError(
            f"{broken} of {len(out)} generated motions hold NaN or infinite values: a broken model"
        )
    return out  # type: ignore[return-value]


def validation_loss(gen: InferenceGenerator, val_data: Path, seed: int, batch_size: int) -> float:
    """The training objective of the transformer's generated motion on the val split (stickgen.train), each
    clip reading a template from the model's memory as generation does."""
    model = gen.model
    val = StickFigureDataset(
        val_data, gen.stats, model.cfg.max_actors, model.cfg.max_frames, seed, random_caption=False
    )
    gen.encoder_info.check_matches(val.text_encoder, str(val_data))
    torch.manual_seed(seed)
    data = TrainingSet(val, seed, model.cfg.n_styles, 1.0, 0.0)
    data.read_memory(model.transformer.memory, model.cfg.memory_top_k, dropout=0.0)
    return float(validation_losses(model, data, batch_size, with_refiner=False)["loss"])


@dataclass(frozen=True)
class Scoring:
    """What every set of motions of one replication is scored against.

    text_emb: evaluator embeddings of the replication's captions; real: the real clips they belong to
    (motion MSE); reference_emb: evaluator embeddings of every real test clip (FID); labels: the clips'
    action ids; smooth: the temporal-consistency threshold (m/s^2); rng: R-precision and diversity draws.
    """

    text_emb: np.ndarray
    real: list[np.ndarray]
    reference_emb: np.ndarray
    labels: np.ndarray
    cfg: EvaluateConfig
    smooth: float
    fps: float


def motion_row(
    motions: list[np.ndarray], emb: np.ndarray, predicted: np.ndarray, ctx: Scoring, rng: np.random.Generator
) -> dict[str, float]:
    """Every per-replication metric of a set of motions (generated, or the real clips themselves), with the
    evaluator's embeddings `emb` and action predictions `predicted` of those motions."""
    top = metrics.r_precision(ctx.text_emb, emb, ctx.cfg.r_precision_batch, rng)
    row = {f"r_precision_top{k + 1}": float(v) for k, v in enumerate(top)}
    row.update(
        fid=metrics.fid(ctx.reference_emb, emb),
        mm_dist=metrics.mm_dist(ctx.text_emb, emb),
        diversity=metrics.diversity(emb, ctx.cfg.diversity_pairs, rng),
        motion_mse=float(np.mean([metrics.motion_mse(m, r) for m, r in zip(motions, ctx.real, strict=True)])),
        temporal_consistency=metrics.temporal_consistency(motions, ctx.fps, ctx.smooth),
        action_accuracy=metrics.action_accuracy(predicted, ctx.labels, UNKNOWN),
    )
    row.update(metrics.physical_plausibility(motions, ctx.fps))
    return row


def _multimodality(
    gen, ev, prompts: tuple, emb: np.ndarray, cfg: EvaluateConfig, seed: int, r: int, fps: float
):
    """Multimodality of replication `r`: `mm_repeats` motions (the first is `emb`'s) for each of the first
    `mm_prompts` captions. `prompts`: (caption embeddings, lengths, actor counts, caption texts)."""
    cap_emb, lengths, actors, cap_texts = prompts
    p = min(cfg.mm_prompts, len(lengths))
    groups = [emb[:p]]
    for k in range(1, cfg.mm_repeats):
        extra = generate_motions(
            gen,
            cap_emb[:p],
            lengths[:p],
            actors[:p],
            cfg.batch_size,
            _seed(seed, r, k),
            gen.sampling,
            captions=cap_texts[:p],
        )
        groups.append(ev.encode_motions(extra, fps)[0])
    return metrics.multimodality(np.stack(groups, axis=1))


def protocol(
    gen: InferenceGenerator,
    ev: Evaluator,
    test: ClipSet,
    cfg: EvaluateConfig,
    seed: int,
    refiner: Sampling | None,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, dict[str, list[float]]], dict]:
    """Per replication, the generated and the real rows (metric -> values), the ablations (mode -> metric
    -> values: the same prompts and seeds refined with `refiner` and unrefined, none without `refiner`;
    the generated motions with and without the foot lock), and reference facts."""
    fps = test.fps
    real = [j[: gen.model.cfg.max_frames] for j in test.joints]
    real_emb, real_pred = ev.encode_motions(real, fps)
    smooth = metrics.smoothness_threshold(real, fps, cfg.smoothness_quantile)
    n = min(cfg.max_clips, len(real))
    gen_rows: dict[str, list[float]] = {}
    real_rows: dict[str, list[float]] = {}
    ablation: dict[str, dict[str, list[float]]] = {m: {} for ms in ABLATIONS.values() for m in ms}
    for r in range(cfg.replications):
        rng = np.random.default_rng([seed, r])
        idx = np.sort(rng.permutation(len(real))[:n])
        caps = [test.captions[i][int(rng.integers(len(test.captions[i])))] for i in idx]
        cap_emb, cap_texts = test.caption_emb[caps], [test.caption_texts[c] for c in caps]
        text_ev = ev.encode_captions(cap_emb)
        lengths, actors = [real[i].shape[0] for i in idx], [real[i].shape[1] for i in idx]
        as_generated = generate_motions(
            gen,
            cap_emb,
            lengths,
            actors,
            cfg.batch_size,
            _seed(seed, r, 0),
            gen.sampling,
            lock_feet=False,
            captions=cap_texts,
        )
        locked = [footlock.lock_feet(m, fps) for m in as_generated]
        motions = locked if gen.lock_feet else as_generated
        emb, pred = ev.encode_motions(motions, fps)
        ctx = Scoring(text_ev, [real[i] for i in idx], real_emb, test.actions[idx], cfg, smooth, fps)
        row = motion_row(motions, emb, pred, ctx, rng)
        row["multimodality"] = _multimodality(
            gen, ev, (cap_emb, lengths, actors, cap_texts), emb, cfg, seed, r, fps
        )
        ref = motion_row(ctx.real, real_emb[idx], real_pred[idx], ctx, np.random.default_rng([seed, r, 1]))
        rows_of = [
            (gen_rows, row),
            (real_rows, ref),
            (ablation["locked"], metrics.physical_plausibility(locked, fps)),
            (ablation["unlocked"], metrics.physical_plausibility(as_generated, fps)),
        ]
        refiner_modes = () if refiner is None else (("refined", refiner), ("unrefined", None))
        for mode, sampling in refiner_modes:  # the refiner's ablation
            if sampling == gen.sampling:  # the configured mode: the rows above (without multimodality)
                rows_of.append((ablation[mode], {k: v for k, v in row.items() if k != "multimodality"}))
                continue
            other = generate_motions(
                gen, cap_emb, lengths, actors, cfg.batch_size, _seed(seed, r, 0), sampling, captions=cap_texts
            )
            rng_m = np.random.default_rng([seed, r, 2])
            rows_of.append((ablation[mode], motion_row(other, *ev.encode_motions(other, fps), ctx, rng_m)))
        for rows, values in rows_of:
            for key, v in values.items():
                rows.setdefault(key, []).append(v)
        log(
            f"evaluate: replication {r + 1}/{cfg.replications}: "
            f"R-precision top-3 {row['r_precision_top3']:.3f} "
            f"(real {ref['r_precision_top3']:.3f}), FID {row['fid']:.3f}, motion MSE {row['motion_mse']:.4f}"
        )
    facts = {
        "n_test_clips": n,
        "smoothness_threshold": smooth,
        "r_precision_batch": min(cfg.r_precision_batch, n),
    }
    return gen_rows, real_rows, ablation, facts


def real_val_fid(ev: Evaluator, val: ClipSet, test: ClipSet, max_frames: int) -> float | None:
    """FID of the real validation motions against the real test motions (each cut to `max_frames`): how far
    apart two independent real samples of the data are, the floor a generated FID is read against (None
    when either set has fewer than two clips)."""
    if min(len(val.joints), len(test.joints)) < 2:
        return None
    emb = [ev.encode_motions([j[:max_frames] for j in s.joints], s.fps)[0] for s in (test, val)]
    return _finite(metrics.fid(*emb))


def behaviour_suite(
    gen: InferenceGenerator,
    ev: Evaluator,
    seeds: int,
    seed: int,
    fps: float,
    log: Callable[[str], None] = print,
    in_place: dict[str, dict] | None = None,
) -> dict:
    """The `behaviour` section: the suite's captions through the model as it ships (its sampling
    settings and foot lock), `seeds` motions each, checked geometrically and by the evaluator's action
    recogniser, and with `in_place` (`stickgen.evaluate.in_place.in_place_actions`) how far the motions of
    in-place actions travel (docs/metrics.md, "Behaviour suite"). Lengths are capped at the model's frames
    and actor counts at its actors (a one-actor model fails the two-actor checks)."""

    def sample(texts: list[str], lengths: list[int], actors: list[int], s: int) -> list[tuple]:
        emb = torch.from_numpy(np.asarray(gen.encoder.encode(texts), dtype=np.float32)).to(gen.device)
        lengths = [min(n, gen.model.cfg.max_frames) for n in lengths]
        return gen.sample_with_faces(
            emb, lengths, [min(a, gen.max_actors) for a in actors], gen.sampling, s, captions=texts
        )

    def recognise(motions: list[np.ndarray], rate: float) -> np.ndarray:
        return ev.encode_motions(motions, rate)[1]

    return run_behaviour_suite(sample, behaviour_prompts(), seeds, seed, fps, recognise, log, in_place)


def face_section(gen: InferenceGenerator, test_data: Path, max_clips: int, seed: int) -> dict:
    """The `face` section: up to `max_clips` test clips with a face, each generated once (`seed`) from its
    first caption with its length (capped at the model's frames) and actors, against its real face."""
    store = load_embedded(test_data)
    d = store.data
    rows = [i for i in range(len(store)) if store.face(i) is not None][:max_clips]
    if not rows:
        return face_metrics([], store.fps)
    first = [int(d["clip_caption_index"][int(d["clip_caption_offsets"][i])]) for i in rows]
    lengths = [min(int(d["clip_frames"][i]), gen.model.cfg.max_frames) for i in rows]
    actors = [min(int(d["clip_actors"][i]), gen.max_actors) for i in rows]
    emb = d["caption_emb"][first].float().to(gen.device)
    out = gen.sample_with_faces(
        emb, lengths, actors, gen.sampling, seed, captions=[d["captions"][k] for k in first]
    )
    real = [
        store.face(i).slice(0, n).actors(list(range(a)))
        for i, n, a in zip(rows, lengths, actors, strict=True)
    ]
    return face_metrics([(f, r) for (_, f), r in zip(out, real, strict=True)], store.fps)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def build_report(
    gen_rows: dict[str, list[float]],
    real_rows: dict[str, list[float]],
    ablation: dict[str, dict[str, list[float]]],
    facts: dict,
    val_loss: float,
    robustness: float | None,
    select: SelectConfig,
    info: dict,
    behaviour: dict,
    face: dict,
) -> dict:
    """The metrics.json layout of the module docstring; `behaviour` is `behaviour_suite`'s section, `face`
    `face_section`'s."""
    mean_ci = {k: metrics.mean_ci95(v) for k, v in gen_rows.items()}
    real_ci = {k: metrics.mean_ci95(v) for k, v in real_rows.items()}
    selection = {
        "val_loss": val_loss,
        **{k: mean_ci[k][0] for k in SELECTION_FROM_GENERATED},
        "robustness": robustness,
    }
    selection = {k: (None if v is None else _finite(float(v))) for k, v in selection.items()}
    return {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **info,
        "protocol": {**facts, "replications": len(next(iter(gen_rows.values())))},
        "selection": {**selection, "selection_score": selection_score(selection, select)},
        "checklist": {c.metric: c.met for c in assess(selection, select)},
        "generated": {k: _finite(mean_ci[k][0]) for k in REPLICATED if k not in SELECTION_FROM_GENERATED},
        "ci95": {
            **{f"{k}_ci95": _finite(mean_ci[k][1]) for k in REPLICATED},
            **{f"real_{k}_ci95": _finite(v[1]) for k, v in real_ci.items()},
        },
        "real": {f"real_{k}": _finite(v[0]) for k, v in real_ci.items()},
        **{
            section: {
                f"{mode}_{k}": _finite(metrics.mean_ci95(v)[0])
                for mode in modes
                for k, v in ablation[mode].items()
            }
            for section, modes in ABLATIONS.items()
            if any(ablation[mode] for mode in modes)
        },
        "behaviour": behaviour,
        "face": {k: (_finite(v) if isinstance(v, float) else v) for k, v in face.items()},
    }


def evaluate(
    gen: InferenceGenerator,
    ev: Evaluator,
    val_data: Path,
    test_data: Path,
    cfg: EvaluateConfig,
    select: SelectConfig,
    seed: int,
    robustness: float | None,
    refiner: Sampling,
    log: Callable[[str], None] = print,
) -> dict:
    """The whole report of one model (see the module docstring); `refiner` is the refinement the ablation
    compares with the transformer alone (params `diffusion.*`, `stickgen.wiring.refinement`), where the
    model's refiner was trained."""
    test = load_clip_set(test_data)
    ev.check_text_encoder(test.text_encoder, str(test_data))
    gen.encoder_info.check_matches(test.text_encoder, str(test_data))
    val_loss = validation_loss(gen, val_data, seed, cfg.batch_size)
    refiner_ablation = refiner if gen.model.refiner_cfg.trained else None
    gen_rows, real_rows, ablation, facts = protocol(gen, ev, test, cfg, seed, refiner_ablation, log)
    val = load_clip_set(val_data)
    facts["real_val_fid"] = real_val_fid(ev, val, test, gen.model.cfg.max_frames)
    in_place = in_place_actions(
        clip_travel([*test.joints, *val.joints], [ACTIONS[int(i)] for s in (test, val) for i in s.actions])
    )
    behaviour = behaviour_suite(
        gen, ev, cfg.behaviour_seeds, _seed(seed, BEHAVIOUR_STREAM), test.fps, log, in_place
    )
    face = face_section(gen, test_data, cfg.face_clips, _seed(seed, FACE_STREAM))
    info = {
        "variant": gen.variant,
        "phase": gen.phase,
        "checkpoint": str(gen.model_path),
        "use_diffusion": gen.sampling is not None,
        "lock_feet": gen.lock_feet,
    }
    return build_report(
        gen_rows, real_rows, ablation, facts, val_loss, robustness, select, info, behaviour, face
    )


def write_report(report: dict, path: Path) -> None:
    """Write `report` as strict JSON (a NaN or infinity raises before anything is written), atomically: a
    kill or a full disk leaves the previous file or the new one, never half of one (stickgen.core.atomic)."""
    atomic_write_text(path, json.dumps(report, indent=2, allow_nan=False) + "\n")
