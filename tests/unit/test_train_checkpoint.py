"""Checkpoint files: resume precedence, atomic writes, safe loads, weights-only init errors."""

from __future__ import annotations

import pathlib

import pytest
import torch

from stickgen.model.diffusion import RefinerConfig
from stickgen.model.motion_model import StickFigureModel
from stickgen.model.transformer import TransformerConfig
from stickgen.train import checkpoint as ck


def _ckpt(step: int = 0) -> dict:
    return {
        "model_state_dict": {"w": torch.ones(2) * step},
        "epoch": 0,
        "step": step,
        "config": {},
        "feature_stats": {},
        "text_encoder": {"name": "x", "dim": 4},
    }


@pytest.fixture
def files(tmp_path):
    out = tmp_path / "out"
    paths = {name: tmp_path / f"{name}.pth" for name in ("cli", "env", "params")}
    paths["own"] = out / ck.LATEST
    for i, p in enumerate(paths.values()):
        ck.save_checkpoint(_ckpt(i), p)
    return out, paths


def test_resume_precedence_cli_env_params_own(files) -> None:
    out, p = files
    env = {"RESUME_FROM_CHECKPOINT": str(p["env"])}
    assert ck.resolve_resume(str(p["cli"]), str(p["params"]), out, env) == (p["cli"], "--resume_from")
    assert ck.resolve_resume(None, str(p["params"]), out, env) == (p["env"], "RESUME_FROM_CHECKPOINT")
    assert ck.resolve_resume(None, str(p["params"]), out, {}) == (p["params"], "train.resume_from")
    assert ck.resolve_resume(None, "", out, {}) == (p["own"], ck.OWN_LATEST)
    p["own"].unlink()
    assert ck.resolve_resume(None, "", out, {}) == (None, "fresh start")


def test_a_named_resume_checkpoint_that_is_missing_is_an_error(files) -> None:
    out, _ = files
    with pytest.raises(FileNotFoundError, match="RESUME_FROM_CHECKPOINT points to a missing checkpoint"):
        ck.resolve_resume(None, "", out, {"RESUME_FROM_CHECKPOINT": str(out / "nope.pth")})


def test_checkpoints_load_with_weights_only_and_bad_files_are_named(tmp_path) -> None:
    ck.save_checkpoint(_ckpt(3), tmp_path / "a.pth")
    assert ck.load_checkpoint(tmp_path / "a.pth")["step"] == 3
    (tmp_path / "bad.pth").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.pth: not a readable stickgen checkpoint"):
        ck.load_checkpoint(tmp_path / "bad.pth")
    (tmp_path / "empty.pth").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.pth: not a readable stickgen checkpoint: the file is empty"):
        ck.load_checkpoint(tmp_path / "empty.pth")
    (tmp_path / "text.pth").write_bytes(b"garbage\n")
    torch.save({"where": pathlib.PurePosixPath("x")}, tmp_path / "object.pth")  # weights-only refuses it
    (tmp_path / "cut.pth").write_bytes((tmp_path / "a.pth").read_bytes()[:300])  # a zip cut short
    for name, reason in (
        ("text.pth", "not a file torch.save wrote"),
        ("object.pth", r"it holds more than tensors and plain values \(.*pathlib.PurePosixPath"),
        ("cut.pth", "its zip archive is damaged or cut short"),
    ):
        with pytest.raises(ValueError, match=f"{name}: not a readable stickgen checkpoint: {reason}") as info:
            ck.load_checkpoint(tmp_path / name)
        # one line with the unpickler's reason, never torch's advice to load unsafely
        assert "\n" not in str(info.value) and "weights_only" not in str(info.value), info.value
    torch.save({"model_state_dict": {}}, tmp_path / "partial.pth")
    with pytest.raises(ValueError, match=r"lacks \['epoch', 'step'"):
        ck.load_checkpoint(tmp_path / "partial.pth")


def test_a_failed_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch) -> None:
    path = tmp_path / ck.LATEST
    ck.save_checkpoint(_ckpt(1), path)
    real_save = torch.save

    def dying_save(obj, fh, *a, **k):  # writes half a file, then "the process dies"
        real_save(obj, fh, *a, **k)
        fh.truncate(10)
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        ck.save_checkpoint(_ckpt(2), path)
    monkeypatch.undo()
    assert ck.load_checkpoint(path)["step"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [ck.LATEST]


def test_init_from_a_mismatched_model_lists_the_keys() -> None:
    small = StickFigureModel(
        TransformerConfig(16, 64, 2, 32, 1, 2, 48, 0.0), RefinerConfig(16, 64, 2, 16, 1, 2, 32)
    )
    big = StickFigureModel(
        TransformerConfig(16, 64, 2, 32, 2, 2, 64, 0.0), RefinerConfig(16, 64, 2, 16, 1, 2, 32)
    )
    with pytest.raises(ValueError) as err:
        ck.load_weights(small, big.state_dict(), "--init_from big.pth")
    msg = str(err.value)
    assert msg.startswith("--init_from big.pth does not fit this model")
    assert "unexpected keys ['transformer.blocks.1.attn.proj.weight'" in msg
    assert "transformer.blocks.0.mlp.down.weight (32, 64) -> (32, 48)" in msg
    ck.load_weights(big, big.state_dict(), "itself")  # a matching state loads


def test_code_fingerprint_is_stable() -> None:
    assert ck.code_fingerprint() == ck.code_fingerprint() and len(ck.code_fingerprint()) == 16
