"""Read a published model folder (config.json + model.safetensors, `stickgen.release.publish`) safely.

Nothing in the folder is trusted before it is checked. config.json must be a JSON object with every key
the model needs, each of the right type; the model sizes must be positive integers within `MAX_FRAMES` and
`MAX_ACTORS`; and they must describe exactly the tensors model.safetensors holds (names and shapes from the
file's header) before any weight is read. The model of the config is laid out to compare its tensors: on
the CPU when its sizes are small enough for the weights (`_fits_weights`: fast), else on torch's `meta`
device, which allocates nothing (but imports torch._dynamo, about 2 s). So `d_model: 65536` in a folder of
small weights is one error line, not a 16 GiB allocation. Every problem is one `ValueError` line naming the
file and the key.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch

# bounds of a model's sizes that the weights do not show (docs/inference.md): max_frames sizes the rotary
# position tables (10,000 frames: over 8 minutes at 20 fps); canonical.max_actors allows 1..8
CONFIG_FORMAT = "stickgen-model"
# 1: the regressor; 2: the spline-decoded denoiser; 3 to 16: model formats 3 to 16 (motion_model.py)
CONFIG_VERSION = 16
MAX_FRAMES = 10_000
# the motion memory's buffers (stickgen.model.memory), a file apart from the weights
MEMORY_FILE = "memory.safetensors"
MAX_ACTORS = 8
_SIZES = (
    "text_dim",
    "max_frames",
    "max_actors",
    "d_model",
    "n_layers",
    "n_heads",
    "ffn_hidden",
    "n_actions",
    "n_styles",
    "patch_frames",
)
_LIMITS = {"max_frames": MAX_FRAMES, "max_actors": MAX_ACTORS}
_SHOWN = 3  # mismatching tensors named in an error


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _need(cfg: dict, key: str, kind: type, where: Path) -> Any:
    if key not in cfg:
        raise ValueError(f"{where}: missing key `{key}`")
    if not isinstance(cfg[key], kind) or isinstance(cfg[key], bool):
        raise ValueError(f"{where}: `{key}` must be a {kind.__name__}, got {type(cfg[key]).__name__}")
    return cfg[key]


def _check_sizes(section: dict, name: str, where: Path) -> None:
    for key, value in section.items():
        if key in _SIZES:
            if not _is_int(value) or value < 1:
                raise ValueError(f"{where}: `{name}.{key}` must be an integer >= 1, got {value!r}")
            if value > _LIMITS.get(key, value):
                raise ValueError(f"{where}: `{name}.{key}` {value} is over the limit {_LIMITS[key]}")
        elif key == "dropout" and not (_is_number(value) and 0.0 <= value < 1.0):
            raise ValueError(f"{where}: `{name}.dropout` must be a number in [0, 1), got {value!r}")
        elif key == "trained" and not isinstance(value, bool):
            raise ValueError(f"{where}: `{name}.trained` must be true or false, got {value!r}")


def read_config(folder: Path, fmt: str, version: int) -> dict[str, Any]:
    """config.json of `folder`, checked key by key (format `fmt`, `version`)."""
    where = Path(folder) / "config.json"
    try:
        cfg = json.loads(where.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not UTF-8 text") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(cfg).__name__}")
    if cfg.get("format") != fmt or cfg.get("version") != version:
        raise ValueError(
            f"{where}: format {cfg.get('format')!r} v{cfg.get('version')!r}, this stickgen reads "
            f"{fmt!r} v{version}"
        )
    for key in ("variant", "phase"):
        _need(cfg, key, str, where)
    fps = cfg.get("fps")
    if not (_is_number(fps) and fps > 0):
        raise ValueError(f"{where}: `fps` must be a number > 0, got {fps!r}")
    for key in ("model", "refiner"):
        _check_sizes(_need(cfg, key, dict, where), key, where)
    encoder = _need(cfg, "text_encoder", dict, where)
    _need(encoder, "name", str, where)
    if not (_is_int(encoder.get("dim")) and encoder["dim"] >= 1):
        raise ValueError(f"{where}: `text_encoder.dim` must be an integer >= 1, got {encoder.get('dim')!r}")
    _need(cfg, "feature_stats", dict, where)
    if not isinstance(cfg.get("training", {}), dict):
        raise ValueError(f"{where}: `training` must be an object")
    styles = cfg.get("styles", [])
    if not (isinstance(styles, list) and all(isinstance(x, str) for x in styles)):
        raise ValueError(f"{where}: `styles` must be a list of style names, got {styles!r}")
    return cfg


def weight_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """{tensor name: shape} from a safetensors file's header (no tensor data is read)."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as fh:
            return {k: tuple(fh.get_slice(k).get_shape()) for k in fh.keys()}
    except Exception as exc:  # safetensors raises its own error type for a damaged or foreign file
        raise ValueError(f"{path}: not a readable safetensors file ({' '.join(str(exc).split())})") from None


def _fits_weights(config: dict[str, Any], shapes: dict[str, tuple[int, ...]]) -> bool:
    """Whether laying the model out for real costs about what the weights hold: each size at most the largest
    dimension of any tensor, and per section n_layers x d_model x max(d_model, ffn_hidden) at most the
    weights' element count (a layer's attention holds 3 d_model^2 weights, its feed-forward 3 d_model
    ffn_hidden). A config that passes can still mismatch the weights: the comparison decides."""
    largest = max((max(s, default=1) for s in shapes.values()), default=0)
    total = sum(math.prod(s) for s in shapes.values())
    for name in ("model", "refiner"):
        section = config[name]
        if any(section.get(k, 1) > largest for k in _SIZES if k not in _LIMITS):
            return False
        d, ffn = section.get("d_model", 1), section.get("ffn_hidden", 1)
        if section.get("n_layers", 1) * d * max(d, ffn) > total:
            return False
    return True


def check_against_weights(config: dict[str, Any], shapes: dict[str, tuple[int, ...]], where: Path) -> None:
    """The model that a checkpoint `config` describes holds exactly the tensors `shapes` lists.

    The model is laid out on the CPU when `_fits_weights`, else on the meta device (no memory); its depth is
    first bounded by the tensor count so that laying it out stays cheap too.
    """
    from stickgen.model.motion_model import MEMORY_PREFIX
    from stickgen.train.checkpoint import build_model

    for name in ("model", "refiner"):
        layers = config[name].get("n_layers", 1)
        if layers > len(shapes):
            raise ValueError(
                f"{where}: `{name}.n_layers` {layers} > the {len(shapes)} tensors of the weights"
            )
    try:
        with torch.device("cpu" if _fits_weights(config, shapes) else "meta"):
            model = build_model(config)
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    except (TypeError, ValueError, RuntimeError, ZeroDivisionError) as exc:
        raise ValueError(f"{where}: `model` / `refiner` do not describe a stickgen model ({exc})") from None
    missing = sorted(k for k in set(expected) - set(shapes) if not k.startswith(MEMORY_PREFIX))  # apart
    unexpected = sorted(set(shapes) - set(expected))
    reshaped = sorted(
        f"{k} {shapes[k]} (config: {expected[k]})"
        for k in set(expected) & set(shapes)
        if expected[k] != shapes[k] and not k.startswith(MEMORY_PREFIX)  # the memory holds any clip count
    )
    if missing or unexpected or reshaped:
        raise ValueError(
            f"{where}: the model sizes do not match the weights: {len(reshaped)} shapes differ "
            f"{reshaped[:_SHOWN]}, {len(missing)} tensors missing {missing[:_SHOWN]}, {len(unexpected)} "
            f"unexpected {unexpected[:_SHOWN]}"
        )


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except Exception as exc:  # a file damaged after its header
        raise ValueError(f"{path}: not a readable safetensors file ({' '.join(str(exc).split())})") from None


def split_memory(state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """(the weights, the motion memory's buffers under their names in the memory) of a full state dict."""
    from stickgen.model.motion_model import MEMORY_PREFIX

    weights = {k: v for k, v in state.items() if not k.startswith(MEMORY_PREFIX)}
    memory = {k[len(MEMORY_PREFIX) :]: v for k, v in state.items() if k.startswith(MEMORY_PREFIX)}
    return weights, memory


def _memory_state(folder: Path, cfg: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The motion memory of a folder, under its state dict names: memory.safetensors when config.json
    says the model has one (`memory_clips`), else an empty memory."""
    from stickgen.model.memory import MotionMemory, check_memory_state
    from stickgen.model.motion_model import MEMORY_PREFIX

    clips = cfg.get("memory_clips", 0)
    if not isinstance(clips, int) or isinstance(clips, bool) or clips < 0:
        raise ValueError(f"{folder / 'config.json'}: `memory_clips` must be an integer >= 0, got {clips!r}")
    if clips == 0:
        state = MotionMemory(int(cfg["model"]["text_dim"])).state_dict()
    else:
        if not (folder / MEMORY_FILE).is_file():
            raise FileNotFoundError(
                f"{folder}: missing {MEMORY_FILE} (config.json says {clips} memory clips)"
            )
        state = load_weights(folder / MEMORY_FILE)
        try:
            check_memory_state(state, int(cfg["model"]["text_dim"]), int(cfg["model"]["max_actors"]))
        except ValueError as exc:
            raise ValueError(f"{folder / MEMORY_FILE}: {exc}") from None
        if len(state["frames"]) != clips:
            raise ValueError(f"{folder / MEMORY_FILE}: not the {clips} clips config.json names")
    return {MEMORY_PREFIX + k: v for k, v in state.items()}


def checkpoint_from_folder(folder: Path) -> dict[str, Any]:
    """A published folder (config.json + model.safetensors) as the checkpoint dict that
    `stickgen.train.checkpoint.model_from_checkpoint` rebuilds (the weights are already merged).

    config.json is checked key by key, and its model sizes against the weights' shapes, before any weight
    is read (below); every problem is a one-line `ValueError`.
    """
    from stickgen.model.motion_model import MODEL_FORMAT

    folder = Path(folder)
    missing = [n for n in ("config.json", "model.safetensors") if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} is not a published stickgen model: missing {missing}")
    cfg = read_config(folder, CONFIG_FORMAT, CONFIG_VERSION)
    weights = folder / "model.safetensors"
    config = {
        "model_format": MODEL_FORMAT,  # a CONFIG_VERSION 16 folder holds a model of format 16
        "model": cfg["model"],
        "refiner": cfg["refiner"],
        "variant": cfg["variant"],
        "phase": cfg["phase"],
        "fps": cfg["fps"],
    }
    if "styles" in cfg:
        config["styles"] = cfg["styles"]
    check_against_weights(config, weight_shapes(weights), folder / "config.json")
    training = cfg.get("training", {})
    return {
        "model_state_dict": {**load_weights(weights), **_memory_state(folder, cfg)},
        "epoch": training.get("epoch", 0),
        "step": training.get("step", 0),
        "config": config,
        "feature_stats": cfg["feature_stats"],
        "text_encoder": cfg["text_encoder"],
        "best_val_loss": training.get("best_val_loss", float("nan")),
    }
