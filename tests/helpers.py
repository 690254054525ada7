"""Test helpers: the repository root, tiny params, profiles composed from conf/, hand-built canonical
clips, and the stickgen imports of a source file."""

from __future__ import annotations

import ast
import copy
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import yaml

from stickgen.core.canonical import Clip
from stickgen.core.config import CurateConfig, QualityConfig
from stickgen.core.quality import DETECTORS
from stickgen.core.skeleton import JOINT_INDEX
from stickgen.synthetic.generated import STANDING

ROOT = Path(__file__).resolve().parents[1]


def load_tool(name: str) -> ModuleType:
    """The script tools/<name>.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY_OVERRIDES = {
    # one raw dataset through the pipeline tests (every format's stage run: test_stages' convert tests)
    "datasets": ["humanml3d"],
    "samples": {"takes_per_dataset": 6, "min_s": 3.0, "max_s": 12.0},
    "synthesize": {"clips": 40},
    "curate": {"val_fraction": 0.2, "test_fraction": 0.2},
    "variants": ["tiny"],
    "model": {
        "variants": {"tiny": {"d_model": 32, "n_layers": 1, "n_heads": 2, "ffn_hidden": 64, "dropout": 0.0}}
    },
    # float32 (the embedded default trains in bf16 where the CPU computes it natively): the tests compare
    # trainings (DDP with one process, accumulation with a whole batch) to 1e-4, which bf16 products miss;
    # one thread: tiny models train fastest on one (integration/test_checkpoint_resume.py trains on two)
    "train": {
        "cpu_threads": 1,
        "pretrain": {
            "epochs": 2,
            "batch_size": 8,
            "warmup_steps": 2,
            "save_every_epochs": 1,
            "crop_frames": 40,
            "bf16": False,
        },
        "sft": {"epochs": 1, "batch_size": 8, "warmup_steps": 1, "crop_frames": 40, "bf16": False},
        "lora": {
            "epochs": 1,
            "batch_size": 8,
            "warmup_steps": 1,
            "crop_frames": 40,
            "rank": 2,
            "bf16": False,
        },
    },
    # the refiner trained, as the full profile trains it (the embedded default does not: its tests say so)
    "diffusion": {
        "d_model": 16,
        "n_layers": 1,
        "n_heads": 2,
        "ffn_hidden": 32,
        "diffusion_steps": 4,
        "loss_weight": 1.0,
    },
    "sampling": {"steps": 2},
    "evaluate": {"max_clips": 8, "replications": 2, "mm_prompts": 2, "mm_repeats": 2, "behaviour_seeds": 2},
    "evaluator": {"hidden": 16, "emb_dim": 16, "epochs": 3, "batch_size": 16},
    "adversarial": {"duration_s": 1.0},
}


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def tiny_params_dict() -> dict:
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    merged = _merge(raw, TINY_OVERRIDES)
    merged["model"]["variants"] = TINY_OVERRIDES["model"]["variants"]
    return merged


def compose_profile(profile: str | None = None, conf_dir: Path = ROOT / "conf") -> dict:
    """conf/ composed by Hydra's compose API (as `dvc exp run [-S profile=NAME]` does), as plain data."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    overrides = [f"profile={profile}"] if profile else []
    with initialize_config_dir(str(conf_dir.resolve()), version_base=None):
        cfg = compose(config_name="config", overrides=overrides)
    return OmegaConf.to_container(cfg, resolve=True)


# every quality detector at weight 1 (the curation tests' scoring)
EQUAL_QUALITY = QualityConfig(**{name: 1.0 for name in DETECTORS})


def curate_config(**over) -> CurateConfig:
    """A CurateConfig for tests: no val/test split, caps or balancing, mirroring on; `over` replaces keys."""
    base = dict(
        min_s=1.0,
        max_s=10.0,
        frozen_max_motion_m=0.02,
        val_fraction=0.0,
        test_fraction=0.0,
        max_source_fraction=1.0,
        dedup_max_dist_m=0.04,
        min_quality_pretrain=0.25,
        min_quality_sft=0.6,
        balance_max_fraction=1.0,
        mirror=True,
        max_reject_fraction=0.5,
    )
    return CurateConfig(**{**base, **over})


def standing_body(height: float = 1.75) -> np.ndarray:
    """A plausible standing figure (22, 3), canonical axes: Y up, facing +Z, left side at +X."""
    return STANDING * (height / 1.75)  # the library's standing adult (stickgen.synthetic.generated)


def walking_clip(
    clip_id: str = "test/walk#0-40",
    frames: int = 40,
    speed: float = 1.2,
    fps: float = 20.0,
    action: str = "walk",
    texts: list[str] | None = None,
    actors: int = 1,
    style: str = "",
) -> Clip:
    """A body gliding forward (+Z) with swinging wrists: enough motion for every pipeline filter."""
    t = np.arange(frames) / fps
    body = standing_body()
    joints = np.repeat(body[None, None], frames, axis=0).repeat(actors, axis=1)  # (T, A, 22, 3)
    joints[..., 2] += (speed * t)[:, None, None]
    swing = 0.15 * np.sin(2 * np.pi * t)
    joints[:, :, JOINT_INDEX["left_wrist"], 2] += swing[:, None]
    joints[:, :, JOINT_INDEX["right_wrist"], 2] -= swing[:, None]
    for a in range(1, actors):
        joints[:, a, :, 0] += 1.0 * a
    return Clip(
        id=clip_id,
        joints=joints.astype(np.float32),
        texts=texts or ["a person walks forward"],
        action=action,
        source="test",
        group=clip_id.split("#")[0],
        style=style,
    )


def candidate_report(candidate: Path, plots_dir: Path) -> dict:
    """An evaluate stage's candidate (eval_results/candidates/<v>-<p>.json) without its `previews`, after
    checking that they name the md5 of every preview GIF the stage wrote into `plots_dir`: the rest must be
    the stage's metrics.json."""
    import hashlib
    import json

    report = json.loads(Path(candidate).read_text())
    previews = report.pop("previews")
    gifs = sorted(Path(plots_dir).glob("*.gif"))
    assert gifs and previews == {f.name: hashlib.md5(f.read_bytes()).hexdigest() for f in gifs}, previews
    return report


def stickgen_imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every absolute import of stickgen in a source file, lazy ones inside functions too: (line, module,
    the names a `from module import ...` takes; () for `import module`)."""
    out = []
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, ()) for a in node.names]
    return [(line, m, names) for line, m, names in out if m.split(".")[0] == "stickgen"]
