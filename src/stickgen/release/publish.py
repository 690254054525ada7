"""Publish a checkpoint to the Hugging Face Hub: safetensors weights, config.json, adapters, a model card.

    training = training_data_of(ckpt_path, sorted(Path("data/embedded").glob("*.pt")), Path("data/canonical"))
    build_folder(ckpt_path, out_dir, "GesturaAI/stick-gen-small", Path("eval_results"), training)
    publish(ckpt_path, "GesturaAI/stick-gen-{variant}", Path("eval_results"), training)   # uploads

Files: `model.safetensors` (the full weights; a LoRA checkpoint's base with its adapters merged),
`config.json`, `README.md` (stickgen.release.model_card), `preview.gif` (a preview GIF of the
evaluation, from `eval_results/<variant>/<phase>/plots/`, when there is one), `length.json` (the length
estimator of the `length` stage, `stickgen.model.length`, when one is given: the model then predicts a
motion's
duration from its text), and for a LoRA checkpoint also
`adapter_model.safetensors` + `adapter_config.json` (the adapters alone, in PEFT's format:
`peft.PeftModel.from_pretrained` loads them on the base model; stickgen.generate.adapters). The card
of an SFT or LoRA checkpoint names its base (`config.init`) as the Hub id `base_repo_id` (default
`GesturaAI/stick-gen-{variant}-{phase}` of the base). The token comes from the
environment (`HF_TOKEN`) or the Hub's own login (`hf auth login`), through `huggingface_hub.get_token`;
it is never printed or written.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from stickgen.core.atomic import atomic_write_bytes, atomic_write_text
from stickgen.generate.adapters import peft_config, peft_state_dict
from stickgen.generate.published import CONFIG_FORMAT, CONFIG_VERSION, MEMORY_FILE, split_memory
from stickgen.model.diffusion import Generation, Sampling
from stickgen.model.length import LENGTH_FILE, load_length_estimator
from stickgen.release.model_card import BaseModel, Preview, load_metrics, metrics_path, model_card
from stickgen.release.training_data import TrainingData, checkpoint_lineage
from stickgen.train.checkpoint import checkpoint_fps, full_state_dict, load_checkpoint, model_from_checkpoint

DEFAULT_REPO_ID = "GesturaAI/stick-gen-{variant}"
DEFAULT_BASE_REPO_ID = "GesturaAI/stick-gen-{variant}-{phase}"  # filled in with the base's variant and phase
PREVIEW_FILE = "preview.gif"  # the evaluation's preview GIF in the folder (find_preview)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


class PublishError(RuntimeError):
    """Publishing cannot go ahead; the message says why and what to do."""


def resolve_repo_id(template: str, variant: str, phase: str | None = None) -> str:
    repo_id = template.replace("{variant}", variant)
    if phase is not None:
        repo_id = repo_id.replace("{phase}", phase)
    if not _REPO_ID.match(repo_id) or "--" in repo_id or ".." in repo_id:
        raise PublishError(f"repo id must look like owner/name, got {repo_id!r}")
    return repo_id


def published_config(
    ckpt: dict[str, Any], fps: float, sampling: Sampling, generation: Generation | None = None
) -> dict[str, Any]:
    """config.json: everything needed to rebuild and use the model, from the checkpoint's own config."""
    config = ckpt["config"]
    model = model_from_checkpoint(ckpt)
    out = {
        "format": CONFIG_FORMAT,
        "version": CONFIG_VERSION,
        "architectures": ["StickFigureModel"],
        "variant": config["variant"],
        "phase": config["phase"],
        "model": config["model"],
        "refiner": config["refiner"],
        "parameters": sum(p.numel() for p in model.parameters()),
        "parameters_transformer": model.transformer.num_parameters(),
        "parameters_refiner": model.refiner.num_parameters(),
        "memory_clips": len(model.transformer.memory),  # training clips it retrieves templates from
        "text_encoder": ckpt["text_encoder"],
        "feature_stats": ckpt["feature_stats"],
        "fps": fps,
        "generation": asdict(generation or Generation()),
        "sampling": {
            "steps": sampling.steps,
            "guidance_scale": sampling.guidance_scale,
            "start_strength": sampling.start_strength,
        },
        "training": {
            "step": int(ckpt["step"]),
            "epoch": int(ckpt["epoch"]),
            "best_val_loss": float(ckpt.get("best_val_loss", float("nan"))),
            "train": config.get("train", {}),
            "data": config.get("data", {}),
            "code": config.get("code", ""),
        },
    }
    if "lora" in config:
        out["lora"] = config["lora"]
    if "styles" in config:  # the styles it was trained with (a checkpoint from before records none)
        out["styles"] = list(config["styles"])
    return out


def _save_safetensors(state: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    from safetensors.torch import save

    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    atomic_write_bytes(path, save(tensors, metadata=metadata))


def base_model(checkpoint: Path, template: str = DEFAULT_BASE_REPO_ID) -> BaseModel | None:
    """The checkpoint that `checkpoint` was fine-tuned from, under the Hub id `template` names; None for a
    model trained from scratch. The base must still be the file it was trained from (checked by sha256)."""
    lineage = checkpoint_lineage(checkpoint)
    if len(lineage) == 1:
        return None
    own, base = lineage[0].config, lineage[1]
    return BaseModel(
        repo_id=resolve_repo_id(template, base.config["variant"], base.config["phase"]),
        relation="adapter" if "lora" in own else "finetune",
        checkpoint=str(base.path),
        sha256=base.sha256,
        phase=base.config["phase"],
    )


def find_preview(eval_results: Path, variant: str, phase: str) -> tuple[Path, str] | None:
    """The first preview GIF (and its prompt) that the evaluation of (variant, phase) wrote beside its
    metrics.json (`stickgen.evaluate.previews`); None when there is none."""
    from stickgen.evaluate.previews import find_previews

    found = find_previews(metrics_path(eval_results, variant, phase).parent / "plots")
    return found[0] if found else None


def build_folder(
    checkpoint: Path,
    out_dir: Path,
    repo_id: str,
    eval_results: Path,
    training: TrainingData,
    fps: float | None = None,
    sampling: Sampling | None = None,
    base_repo_id: str = DEFAULT_BASE_REPO_ID,
    length_estimator: Path | None = None,
    generation: Generation | None = None,
) -> list[Path]:
    """Write the files to publish into `out_dir` (created; must be empty or absent); returns them.

    Args:
        training: what the checkpoint and its base were trained on (`training_data.training_data_of`).
        fps: the frame rate when the checkpoint does not record one (params `canonical.fps`).
        sampling: the sampling defaults written to config.json (params `diffusion.*`).
        generation: the transformer's sampler written to config.json (params `sampling.*`; None:
            `Generation()`'s defaults, which mirror params.yaml's).
        base_repo_id: the Hub id of the base of an SFT / LoRA checkpoint (`{variant}`, `{phase}`: the
            base's).
        length_estimator: a length estimator file (`stickgen.model.length`) for the checkpoint's text encoder,
            copied as `length.json`; None: the folder has none (generation falls back to a fixed length).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise PublishError(f"{out_dir} is not empty: pick a new folder for the files to publish")
    ckpt = load_checkpoint(checkpoint)
    config = ckpt["config"]
    fps = checkpoint_fps(ckpt) or fps
    if fps is None:
        raise PublishError(f"{checkpoint} does not record its frame rate: pass fps (params canonical.fps)")
    metrics = load_metrics(eval_results, config["variant"], config["phase"])
    base = base_model(checkpoint, base_repo_id)
    cfg = published_config(ckpt, fps, sampling or Sampling(), generation)
    if length_estimator is not None:
        check_length_estimator(length_estimator, ckpt["text_encoder"])
    out_dir.mkdir(parents=True, exist_ok=True)
    # one metadata key: safetensors writes metadata in hash order, and the same model must give the same bytes
    meta = {"format": "pt"}
    files = [out_dir / "model.safetensors", out_dir / "config.json", out_dir / "README.md"]
    weights, memory = split_memory(full_state_dict(ckpt))
    _save_safetensors(weights, files[0], meta)
    if cfg["memory_clips"]:  # the motion memory is training data, not weights: a file of its own
        _save_safetensors(memory, out_dir / MEMORY_FILE, meta)
        files.append(out_dir / MEMORY_FILE)
    atomic_write_text(files[1], json.dumps(cfg, indent=2) + "\n")
    found = find_preview(eval_results, config["variant"], config["phase"])
    preview = None
    if found is not None:  # the evaluation's own GIF, copied as it is
        preview = Preview(PREVIEW_FILE, " ".join(found[1].split()), found[0].as_posix())
        atomic_write_bytes(out_dir / PREVIEW_FILE, found[0].read_bytes())
        files.append(out_dir / PREVIEW_FILE)
    atomic_write_text(files[2], model_card(repo_id, cfg, metrics, training, base, preview))
    if length_estimator is not None:  # copied as it is: the file describes itself
        atomic_write_bytes(out_dir / LENGTH_FILE, Path(length_estimator).read_bytes())
        files.append(out_dir / LENGTH_FILE)
    if "lora" in config:  # the adapters alone, in PEFT's format (stickgen.generate.adapters)
        if base is None:
            raise PublishError(f"{checkpoint} is a LoRA checkpoint without its base (config.init)")
        adapters = out_dir / "adapter_model.safetensors"
        _save_safetensors(peft_state_dict(ckpt["model_state_dict"]), adapters, meta)
        adapter_cfg = out_dir / "adapter_config.json"
        atomic_write_text(adapter_cfg, json.dumps(peft_config(config["lora"], base.repo_id), indent=2) + "\n")
        files += [adapters, adapter_cfg]
    return files


def check_length_estimator(path: Path, text_encoder: dict[str, Any]) -> None:
    """A length estimator file that reads the embeddings of `text_encoder` ({name, dim}); `ValueError`
    (one line naming the file) otherwise."""
    est = load_length_estimator(path)
    want = {"name": text_encoder.get("name"), "dim": text_encoder.get("dim")}
    if est.text_encoder != want:
        raise ValueError(
            f"{path}: the length estimator reads {est.text_encoder['name']!r} ({est.text_encoder['dim']}-d) "
            f"embeddings, the model {want['name']!r} ({want['dim']}-d): rerun the `length` stage"
        )


@dataclass(frozen=True)
class PublishResult:
    repo_id: str
    folder: Path | None  # the dry run's folder (None after an upload from a temporary folder)
    files: list[str]
    url: str | None  # the commit URL (None for a dry run)


def publish(
    checkpoint: Path,
    repo_id: str,
    eval_results: Path,
    training: TrainingData,
    *,
    dry_run: bool = False,
    out_dir: Path | None = None,
    private: bool = False,
    endpoint: str | None = None,
    fps: float | None = None,
    sampling: Sampling | None = None,
    base_repo_id: str = DEFAULT_BASE_REPO_ID,
    length_estimator: Path | None = None,
    generation: Generation | None = None,
) -> PublishResult:
    """Build the folder and upload it (create the repo if needed, one commit); `dry_run` only writes it.

    `repo_id` may contain `{variant}`. The token is the Hub's own (`HF_TOKEN` or the stored login).
    `length_estimator`: a length estimator file to ship as `length.json` (`build_folder`).
    """
    ckpt_config = load_checkpoint(checkpoint)["config"]
    repo_id = resolve_repo_id(repo_id, ckpt_config["variant"])

    def build(folder: Path) -> list[Path]:
        return build_folder(
            checkpoint,
            folder,
            repo_id,
            eval_results,
            training,
            fps,
            sampling,
            base_repo_id,
            length_estimator,
            generation,
        )

    if dry_run:
        folder = Path(out_dir) if out_dir else Path(f"publish-{repo_id.replace('/', '--')}")
        files = build(folder)
        return PublishResult(repo_id, folder, sorted(f.name for f in files), None)

    from huggingface_hub import HfApi, get_token

    token = get_token()  # HF_TOKEN, or the token `hf auth login` stored
    if not token:
        raise PublishError("no Hugging Face token: set HF_TOKEN or run `hf auth login` (or use --dry-run)")
    tmp = Path(tempfile.mkdtemp(prefix="stickgen-publish-"))
    try:
        folder = Path(out_dir) if out_dir else tmp / "upload"
        files = build(folder)
        api = HfApi(endpoint=endpoint, token=token)
        api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            repo_type="model",
            commit_message=f"stickgen: {ckpt_config['variant']} {ckpt_config['phase']}",
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return PublishResult(
        repo_id,
        Path(out_dir) if out_dir else None,
        sorted(f.name for f in files),
        getattr(info, "commit_url", None),
    )
