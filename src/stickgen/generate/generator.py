"""`InferenceGenerator`: a trained checkpoint -> `Motion` from a text prompt, with a safety check.

    gen = InferenceGenerator("models/small/sft/model_checkpoint_best.pth")
    motion = gen.generate("a person waves with the right hand", duration_s=4.0, seed=7)
    render(motion, "wave.gif")

    # settings other than the defaults: stickgen.generate.settings (re-exported here)
    gen = InferenceGenerator(path, SamplingSettings(refinement=None), Checks(safety=False), Runtime("cpu"))

Everything comes from the checkpoint itself (`stickgen.train.checkpoint.load_checkpoint` /
`model_from_checkpoint`): the model and its refiner, the feature statistics, the text encoder's name and
dimension, and the frame rate. An encoder that does not match the checkpoint's is refused.

Without a duration, a motion is as long as the length estimator predicts from its text
(`stickgen.model.length`: a published folder's `length.json`, or `Runtime.length_estimator`), clamped to
what the model generates; without an estimator it is `DEFAULT_DURATION_S` (5 s). `meta["length"]` says which.

The safety check (`stickgen.core.safety.evaluate_motion_safety` unless `Checks.critic` is given) judges
each motion; a rejected motion is generated again with the next seed (new noise: another sample), up to
`Checks.max_regenerations` times, and when every attempt is rejected the last one is returned with
`meta["flagged"] = True`.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass, replace
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stickgen.core.device import native_bf16, resolve_device
from stickgen.core.face import FaceTrack
from stickgen.core.features import FeatureStats
from stickgen.core.jsonable import jsonable
from stickgen.core.safety import SafetyCritic
from stickgen.core.text import EncoderInfo
from stickgen.core.vocab import action_id
from stickgen.generate.headcount import people_count
from stickgen.generate.motion import Motion, length_meta, motion_seed
from stickgen.generate.published import checkpoint_from_folder
from stickgen.generate.sample import generate_motions
from stickgen.generate.settings import (
    DEFAULT_CHECKS,
    DEFAULT_RUNTIME,
    DEFAULT_SAMPLING,
    Checks,
    Runtime,
    SamplingSettings,
    TextEncoder,
)
from stickgen.generate.together import (
    MAX_TOGETHER,
    actor_limits,
    made_from,
    sample_together,
    together_placement,
)
from stickgen.model.diffusion import Sampling
from stickgen.model.length import DEFAULT_DURATION_S, LENGTH_FILE, LengthEstimator, load_length_estimator
from stickgen.model.named import named as named_in
from stickgen.model.transformer import check_style, style_id, style_name
from stickgen.train.checkpoint import checkpoint_fps, load_checkpoint, model_from_checkpoint


class SentenceEncoder:
    """A sentence-transformers encoder by name (`stickgen.core.text`), as the `embed` stage used it."""

    def __init__(self, name: str) -> None:
        from stickgen.core.text import encoder_info

        self.name = name
        self.dim = encoder_info(name).dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from stickgen.core.text import embed_texts

        return embed_texts(self.name, list(texts))


def inference_encoder(name: str) -> TextEncoder:
    """The encoder a checkpoint names: the light MiniLM for the packaged one (`stickgen.generate.text_light`,
    the same vectors without importing sentence-transformers), else sentence-transformers."""
    from stickgen.generate.text_light import light_encoder

    light = light_encoder(name)
    return light if light is not None else SentenceEncoder(name)


def safety_summary(result: Any) -> dict:
    """A JSON-able dict of a critic's result (a dataclass, an object with `to_dict`, or a mapping)."""
    if hasattr(result, "to_dict"):
        out = result.to_dict()
    elif is_dataclass(result) and not isinstance(result, type):
        out = asdict(result)
    elif isinstance(result, dict):
        out = dict(result)
    else:
        out = {k: getattr(result, k) for k in ("is_safe", "overall_score") if hasattr(result, k)}
    out["is_safe"] = bool(_is_safe(result))
    return jsonable(out)


def _is_safe(result: Any) -> bool:
    return bool(result["is_safe"] if isinstance(result, dict) else result.is_safe)


def validate_prompt(prompt: Any, max_chars: int) -> str:
    """The prompt with whitespace collapsed; `ValueError` naming the reason when it is not usable."""
    if not isinstance(prompt, str):
        raise ValueError(f"prompt must be a string, got {type(prompt).__name__}")
    text = " ".join(prompt.split())
    if not text:
        raise ValueError("prompt is empty (or only whitespace): describe the motion, e.g. 'a person waves'")
    if any("\ud800" <= ch <= "\udfff" for ch in text):  # a shell's bytes that are not UTF-8; JSON's "\ud800"
        raise ValueError("prompt is not valid text: it holds bytes that are not UTF-8 (a lone surrogate)")
    if len(text) > max_chars:
        raise ValueError(f"prompt is too long: {len(text)} characters, the limit is {max_chars}")
    if not any(ch.isalnum() for ch in text):
        raise ValueError("prompt has no letters or digits: describe the motion in words")
    return text


class InferenceGenerator:
    """Text -> motion with a trained checkpoint.

    Args:
        model_path: a stickgen checkpoint (`.pth`; a LoRA checkpoint loads its base and merges), or a
            folder published by `stickgen publish` (config.json + model.safetensors).
        sampling: how a motion is made: the transformer's sampler, the diffusion refinement (None: off)
            and foot locking (`stickgen.generate.settings.SamplingSettings`).
        checks: what is refused or made again: the safety check with its critic and regenerations, and the
            prompt length limit (`Checks`).
        runtime: what the model runs with: the device, a text encoder or length estimator instead of the
            checkpoint's, and the frame rate of a checkpoint that records none (`Runtime`).
        enable_safety_check: the production-readiness checklist's switch of the safety check; when given
            it sets `checks.safety`.
    """

    def __init__(
        self,
        model_path: str | Path,
        sampling: SamplingSettings = DEFAULT_SAMPLING,
        checks: Checks = DEFAULT_CHECKS,
        runtime: Runtime = DEFAULT_RUNTIME,
        *,
        enable_safety_check: bool | None = None,
    ) -> None:
        if enable_safety_check is not None:  # the production-readiness checklist's keyword for checks.safety
            checks = replace(checks, safety=bool(enable_safety_check))
        self.model_path = Path(model_path)
        self.device = torch.device(resolve_device(runtime.device))
        self.checkpoint = (
            checkpoint_from_folder(self.model_path)
            if self.model_path.is_dir()
            else load_checkpoint(self.model_path)
        )
        config = self.checkpoint["config"]
        self.model = model_from_checkpoint(self.checkpoint).to(self.device)
        self.stats = FeatureStats.from_dict(self.checkpoint["feature_stats"])
        self.encoder_info = EncoderInfo(**self.checkpoint["text_encoder"])
        self.encoder = self._encoder(runtime.encoder)
        self.fps = self._fps(runtime.fps)
        self.variant, self.phase = config.get("variant", "?"), config.get("phase", "?")
        # the settings as plain attributes: the evaluation, the demo and directed generation read them
        self.sampling: Sampling | None = sampling.refinement
        self.generation = sampling.generation
        self.lock_feet = sampling.lock_feet
        self.bf16 = runtime.bf16 and native_bf16(self.device)  # what is asked and the device computes
        self.enable_safety_check = checks.safety
        self.critic: Callable[..., Any] = (
            checks.critic if checks.critic is not None else SafetyCritic(fps=self.fps)
        )
        self.max_regenerations = checks.max_regenerations
        self.max_prompt_chars = checks.max_prompt_chars
        self.length_estimator, self.length_file = self._length_estimator(runtime.length_estimator)

    def _encoder(self, given: TextEncoder | None) -> TextEncoder:
        """`given`, or the encoder the checkpoint names; `ValueError` when it does not match the model's."""
        if self.encoder_info.dim != self.model.cfg.text_dim:
            raise ValueError(
                f"{self.model_path}: text encoder dim {self.encoder_info.dim} != model text_dim "
                f"{self.model.cfg.text_dim}"
            )
        encoder = given if given is not None else inference_encoder(self.encoder_info.name)
        in_use = EncoderInfo(name=encoder.name, dim=int(encoder.dim))
        in_use.check_matches(self.encoder_info.to_dict(), f"checkpoint {self.model_path}")
        return encoder

    def _fps(self, fallback: float | None) -> float:
        """The frame rate the checkpoint records, else `fallback`; `ValueError` without either."""
        recorded = checkpoint_fps(self.checkpoint)
        if recorded is None and fallback is None:
            raise ValueError(
                f"{self.model_path} does not record its frame rate (a checkpoint from before training "
                "recorded it): pass Runtime(fps=...) (params canonical.fps; the stickgen command passes it "
                "from --params)"
            )
        return float(recorded if recorded is not None else fallback)

    def _length_estimator(
        self, given: LengthEstimator | str | Path | None
    ) -> tuple[LengthEstimator | None, str | None]:
        """(the estimator, its file) of `given`, or of the published folder; (None, None) without one."""
        if isinstance(given, LengthEstimator):
            est, path = given, None
        elif given is not None:
            path = Path(given)
            est = load_length_estimator(path)
        elif self.model_path.is_dir() and (self.model_path / LENGTH_FILE).is_file():
            path = self.model_path / LENGTH_FILE
            est = load_length_estimator(path)
        else:
            return None, None
        if est.text_encoder != self.encoder_info.to_dict():
            where = path if path is not None else "the length estimator"
            raise ValueError(
                f"{where}: reads {est.text_encoder['name']!r} ({est.text_encoder['dim']}-d) embeddings, the "
                f"model {self.encoder_info.name!r} ({self.encoder_info.dim}-d)"
            )
        return est, None if path is None else str(path)

    def predict_duration_s(self, text_emb: np.ndarray) -> float | None:
        """The length estimator's duration for one caption embedding (1, D) or (D,), clamped to at least
        two frames and at most `max_duration_s`; None without an estimator."""
        if self.length_estimator is None:
            return None
        emb = np.asarray(text_emb, dtype=np.float64).reshape(1, -1)
        seconds = float(self.length_estimator.predict_s(emb, max_s=self.max_duration_s)[0])
        return max(seconds, 2.0 / self.fps)

    def duration_for(self, text_emb: np.ndarray, duration_s: float | None) -> tuple[float, dict]:
        """(seconds, `meta["length"]`) of a motion: `duration_s` when given, else the length estimator's
        prediction for the caption embedding, else `DEFAULT_DURATION_S` (at most `max_duration_s`)."""
        if duration_s is not None:
            return duration_s, length_meta("given")
        predicted = self.predict_duration_s(text_emb)
        if predicted is None:
            seconds = min(DEFAULT_DURATION_S, self.max_duration_s)
            return seconds, length_meta("default")
        meta = {"source": "predicted", "predicted_s": round(predicted, 4), "estimator": self.length_file}
        return predicted, meta

    def encode(self, text: str) -> torch.Tensor:
        """The caption embedding (1, D) of `text` on this generator's device."""
        emb = torch.from_numpy(np.asarray(self.encoder.encode([text]), dtype=np.float32)).to(self.device)
        if emb.shape != (1, self.encoder_info.dim):
            raise ValueError(
                f"text encoder returned {tuple(emb.shape)}, expected (1, {self.encoder_info.dim})"
            )
        return emb

    @property
    def max_actors(self) -> int:
        return int(self.model.cfg.max_actors)

    def sample(self, *args, **kwargs) -> list[np.ndarray]:
        """`sample_with_faces` (same arguments) without the faces: one (T_i, A_i, 22, 3) float32 motion per
        row of `text_emb`."""
        return [joints for joints, _ in self.sample_with_faces(*args, **kwargs)]

    def sample_with_faces(
        self,
        text_emb: torch.Tensor,
        lengths: list[int],
        actors: list[int],
        sampling: Sampling | None,
        seed: int,
        *,
        action: torch.Tensor | None = None,
        style: torch.Tensor | None = None,
        lock_feet: bool | None = None,
        captions: Sequence[str] | None = None,
    ) -> list[tuple[np.ndarray, FaceTrack]]:
        """`generate_motions` with this generator's model and statistics: one ((T_i, A_i, 22, 3) float32
        motion, its face track) per row of `text_emb` (B, D) sampled with this generator's `generation`
        settings and `seed`, refined with `sampling` (None: the transformer's sample), planted feet held
        when `lock_feet` (None: this generator's setting). `action` and `style` are (B,) ids (None: not
        given); `captions` (B) are the rows' texts, for the side and the action each names
        (`stickgen.model.named.named`; None: none named).
        No safety check and no regeneration."""
        lock = self.lock_feet if lock_feet is None else lock_feet
        side = named = None
        if captions is not None:
            named = named_in(captions, text_emb.device)
            side = named.side
        return generate_motions(
            self.model,
            self.stats,
            text_emb,
            lengths,
            actors,
            sampling,
            seed,
            action=action,
            fps=self.fps,
            lock_feet=lock,
            generation=self.generation,
            style=style,
            side=side,
            named=named,
            bf16=self.bf16,
        )

    @property
    def max_duration_s(self) -> float:
        return self.model.cfg.max_frames / self.fps

    def check_prompt(self, prompt: Any) -> str:
        """The prompt, whitespace collapsed; `ValueError` naming the reason when it is not usable."""
        return validate_prompt(prompt, self.max_prompt_chars)

    def frames_for(self, duration_s: float) -> int:
        """The frame count of `duration_s` seconds at the model's fps; `ValueError` outside 2..max_frames."""
        if isinstance(duration_s, bool) or not isinstance(duration_s, Real) or not 0 < duration_s < 1e9:
            raise ValueError(f"duration_s must be a number > 0 (seconds), got {duration_s!r}")  # numpy's too
        frames = int(round(float(duration_s) * self.fps))
        if frames < 2:
            raise ValueError(f"duration_s {duration_s} is under two frames at {self.fps:g} fps")
        if frames > self.model.cfg.max_frames:
            raise ValueError(
                f"duration_s {duration_s} is {frames} frames; this model generates at most "
                f"{self.model.cfg.max_frames} frames ({self.max_duration_s:g} s at {self.fps:g} fps)"
            )
        return frames

    def check_motion_safety(self, motion: Motion) -> Any:
        """The critic's verdict on a motion (its `is_safe` says whether it passes)."""
        critic = self.critic
        kwargs = {}
        try:
            if "fps" in inspect.signature(critic).parameters:
                kwargs["fps"] = motion.fps
        except (TypeError, ValueError):  # builtins and some callables have no signature
            pass
        return critic(motion.joints, **kwargs)

    def actors_for(self, text: str, num_actors: int | None, action: str | None = None) -> int:
        """The actor count asked for, or the prompt's (`headcount.people_count`): up to `MAX_TOGETHER` where
        each actor does what one person does (made actor by actor, `together_placement` of the prompt and
        `action`), else up to the model's `max_actors` (a prompt naming more gets that many; `num_actors`
        over it is a `ValueError`, as is one that is not an integer of at least 1)."""
        if num_actors is not None and (
            isinstance(num_actors, bool) or not isinstance(num_actors, int) or num_actors < 1
        ):
            raise ValueError(f"num_actors must be an integer of at least 1, got {num_actors!r}")
        n = people_count(text) if num_actors is None else num_actors
        most = MAX_TOGETHER if together_placement(text, n, action) is not None else self.max_actors
        if num_actors is None:
            return min(n, most)
        if num_actors > most:
            limits = actor_limits(self.max_actors)
            raise ValueError(f"num_actors must be in 1..{most} for {text!r}, got {num_actors}: {limits}")
        return num_actors

    def conditions(self, action: str | None, style: str | None) -> tuple:
        """(action ids, the style with its spaces normalised, style ids) of the optional conditions."""
        action_ids = None if action is None else torch.tensor([action_id(action)], device=self.device)
        if style is not None and not isinstance(style, str):
            raise ValueError(f"style must be a string, got {type(style).__name__}")
        style = (style_name(style) or None) if style else None  # only spaces: no style, as ""
        if style is None:
            return action_ids, None, None
        check_style(style, self.checkpoint["config"].get("styles"))  # one the model was trained with
        return action_ids, style, torch.tensor([style_id(style, self.model.cfg.n_styles)], device=self.device)

    def generate(
        self,
        prompt: str,
        duration_s: float | None = None,
        num_actors: int | None = None,
        seed: int | None = None,
        action: str | None = None,
        style: str | None = None,
    ) -> Motion:
        """Generate one motion.

        Args:
            prompt: what happens, in words.
            duration_s: length in seconds (at most `max_duration_s`); None: the length estimator's
                prediction from the prompt, or `DEFAULT_DURATION_S` without one (`meta["length"]`).
            num_actors: 1..max_actors; None infers it from the prompt (an interaction -> 2).
            seed: seeds the sampling noise (attempt k uses seed + k); None draws one (recorded in meta).
            action: an optional action label from `stickgen.core.vocab.ACTIONS` (None: text only).
            style: an optional motion style, e.g. a 100STYLE name such as "Proud" (None or "": no style);
                names map to the model's style rows by `stickgen.model.transformer.style_id`.

        Returns:
            A `Motion` whose meta records the prompt, seed, model, settings and the safety verdict.
        """
        text = self.check_prompt(prompt)
        if duration_s is not None:
            self.frames_for(duration_s)  # a bad duration is refused before the text is encoded
        actors = self.actors_for(text, num_actors, action)
        action_ids, style, style_ids = self.conditions(action, style)
        seed = motion_seed(seed)
        t0 = time.perf_counter()
        placement = together_placement(text, actors, action)
        said = made_from(text, actors, placement)
        emb = self.encode(said)
        seconds, length = self.duration_for(emb.cpu().numpy(), duration_s)
        frames = self.frames_for(seconds)
        attempts = 1 + (self.max_regenerations if self.enable_safety_check else 0)
        history: list[dict] = []
        together = None
        for k in range(attempts):
            if placement is None:
                joints, face = self.sample_with_faces(
                    emb,
                    [frames],
                    [actors],
                    self.sampling,
                    seed + k,
                    action=action_ids,
                    style=style_ids,
                    captions=[said],
                )[0]
            else:  # several people doing what one person does: each made alone, then placed
                joints, face, together = sample_together(
                    self, emb, frames, actors, placement, seed + k,
                    action=action_ids, style=style_ids, caption=said,
                )  # fmt: skip
            motion = Motion(joints, self.fps, text, {}, face)
            if not self.enable_safety_check:
                verdict = None
                break
            verdict = safety_summary(self.check_motion_safety(motion))
            history.append({"seed": seed + k, **verdict})
            if verdict["is_safe"]:
                break
        motion.meta = {
            "prompt": text,
            "seed": seed + len(history) - 1 if history else seed,
            "duration_s": frames / self.fps,
            "length": length,
            "frames": frames,
            "actors": actors,
            "action": action,
            "style": style,
            **({} if said == text else {"caption": said}),  # what it was made from, where not the prompt
            **({} if together is None else {"together": together}),
            **self.outcome_meta(verdict, history, t0),
        }
        return motion

    def directed_meta(
        self,
        motion: Motion,
        kind: str,
        seed: int,
        actors: int,
        style: str | None,
        directing: Any,
        outcome: tuple[dict | None, list[dict], float],
        action: str | None = None,
        **extra: Any,
    ) -> dict:
        """The `meta` of a directed motion (`stickgen.generate.directed`, `.sequence`): what was asked
        (`motion.prompt`, `kind`, the seed kept, actors, action, style), `extra` (the kind's own record),
        the `directing` settings (a dataclass) and how it was made (`outcome`: the safety verdict, the
        attempts' history and `time.perf_counter()` at the start, as `outcome_meta` takes them)."""
        return {
            "prompt": motion.prompt,
            "kind": kind,
            "seed": seed,
            "duration_s": motion.frames / self.fps,
            "frames": motion.frames,
            "actors": actors,
            "action": action,
            "style": style,
            **extra,
            "directing": asdict(directing),
            **self.outcome_meta(*outcome),
        }

    def outcome_meta(self, verdict: dict | None, history: list[dict], t0: float) -> dict:
        """The part of a generated motion's `meta` that says how it was made: the model and its settings,
        the safety verdicts of the attempts, and the latency since `t0` (`time.perf_counter()`)."""
        return {
            "model": {"checkpoint": str(self.model_path), "variant": self.variant, "phase": self.phase},
            "text_encoder": self.encoder_info.to_dict(),
            "generation": asdict(self.generation),
            "use_diffusion": self.sampling is not None,
            "lock_feet": self.lock_feet,
            "precision": "bf16" if self.bf16 else "float32",
            "diffusion": None if self.sampling is None else asdict(self.sampling),
            "safety_checked": self.enable_safety_check,
            "attempts": max(1, len(history)),
            "safety": verdict,
            "safety_history": history,
            "flagged": bool(verdict is not None and not verdict["is_safe"]),
            "latency_s": round(time.perf_counter() - t0, 4),
        }
