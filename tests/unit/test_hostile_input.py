"""Hostile and broken input (issue 16, finding 4): each case is refused with one line, within a bound checked
before anything is allocated, and no output is ever left half-written. docs/production-readiness.md counts
the cases.

Groups: atomic writes; resource bounds of the converters (frame rate, take length, array sizes, npz members,
pickles); published folders (config.json against the weights); raw file lists confined to the raw folder;
one-line errors of the CLI commands and stage scripts; linear caption reading; `stickgen inspect` on NaN.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import re
import runpy
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from helpers import ROOT, walking_clip
from inferkit import articulated_motion, bad_motion_npz_files, cached_checkpoint, tiny_training
from sourcekit import CANON, INLINE, takes

from stickgen.cli import main
from stickgen.core import canonical
from stickgen.generate.export import load_motion, save_motion
from stickgen.generate.published import checkpoint_from_folder
from stickgen.generate.render import render
from stickgen.release.publish import build_folder
from stickgen.sources import base, humanml3d
from stickgen.sources.amass import FPS_KEYS, is_shape_file
from stickgen.sources.base import SourceError, Take, window_texts
from stickgen.sources.bvh_format import parse_bvh
from stickgen.sources.driver import convert_dataset
from stickgen.sources.files import frame_rate, load_npz
from stickgen.sources.safe_pickle import load_pickle
from stickgen.sources.writers import write_amass, write_humanml3d
from stickgen.sources.writers.bvh import MIXAMO, bvh_text

# --- atomic writes -----------------------------------------------------------------------------------

WRITERS = {
    ".json": save_motion,
    ".npz": save_motion,
    ".npy": save_motion,
    ".bvh": save_motion,
    ".gif": render,
    ".html": render,
}


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_a_write_that_fails_leaves_the_previous_file_whole(suffix: str, tmp_path: Path, monkeypatch) -> None:
    """A full disk at the last moment (fsync fails): the error comes through, the old file stays as it was
    and no temporary file is left behind."""
    out = tmp_path / f"motion{suffix}"
    WRITERS[suffix](articulated_motion(frames=8), out)
    before = out.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        WRITERS[suffix](articulated_motion(frames=12, travel_x=1.0), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_a_motion_that_cannot_be_encoded_leaves_the_previous_npz(tmp_path: Path) -> None:
    out = tmp_path / "m.npz"
    save_motion(articulated_motion(frames=8), out)
    before = out.read_bytes()
    bad = articulated_motion(frames=8)
    bad.meta = {"tags": {"not", "json"}}  # a set: json.dumps fails after the file was opened
    with pytest.raises(TypeError):
        save_motion(bad, out)
    assert out.read_bytes() == before and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("fault", ["nan", "full_disk"])
def test_an_evaluation_report_that_fails_leaves_the_previous_metrics(fault: str, tmp_path: Path, monkeypatch):
    """eval_results/<variant>/<phase>/metrics.json (write_report): a NaN metric or a full disk at the last
    moment leaves the previous report whole and no temporary file behind."""
    from stickgen.evaluate.report import write_report

    out = tmp_path / "metrics.json"
    write_report({"val_loss": 0.5, "motion_mse": 0.1}, out)
    before = out.read_bytes()
    if fault == "nan":
        with pytest.raises(ValueError, match="not JSON compliant"):
            write_report({"val_loss": float("nan")}, out)
    else:

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(OSError, match="No space left"):
            write_report({"val_loss": 0.25, "motion_mse": 0.05}, out)
    assert out.read_bytes() == before and json.loads(before)["val_loss"] == 0.5
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def _write_three_times(travel_x: float, out: Path) -> None:
    for _ in range(3):
        save_motion(articulated_motion(frames=200, travel_x=travel_x), out)


def test_concurrent_writers_of_one_path_leave_a_whole_file(tmp_path: Path) -> None:
    """Four processes writing one path, ten times over (in place, 3 of 10 files were corrupt)."""
    ctx = multiprocessing.get_context("fork")  # the children only run numpy
    motions = [articulated_motion(frames=200, travel_x=k).joints.astype(np.float32) for k in range(4)]
    for trial in range(10):
        out = tmp_path / f"m{trial}.npz"
        procs = [ctx.Process(target=_write_three_times, args=(k, out)) for k in range(4)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        got = load_motion(out).joints
        assert any(np.array_equal(got, m) for m in motions), trial
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"m{k}.npz" for k in range(10))


# --- converter bounds --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bvh_wave() -> str:
    return bvh_text(takes(1, 60.0, actions=("wave",))[0], MIXAMO)


def _with_frame_time(text: str, frame_time: str) -> str:
    lines = text.splitlines()
    (i,) = [k for k, line in enumerate(lines) if line.startswith("Frame Time:")]
    lines[i] = f"Frame Time: {frame_time}"
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("frame_time", ["100", "2", "0.0000001"])  # 0.01 and 0.5 fps, 10 MHz
def test_a_bvh_frame_time_outside_the_fps_limits_is_refused(bvh_wave: str, frame_time: str) -> None:
    with pytest.raises(
        SourceError, match=rf"Frame Time {frame_time} gives .* fps, outside the limits 1\.\.1000"
    ):
        parse_bvh(_with_frame_time(bvh_wave, frame_time), "x.bvh")


def test_a_bvh_longer_than_the_take_limit_is_refused_before_parsing(bvh_wave: str, monkeypatch) -> None:
    monkeypatch.setattr(base, "MAX_TAKE_S", 5.0)
    with pytest.raises(SourceError, match=r"over the limit 5 s \(sources.base.MAX_TAKE_S\)"):
        parse_bvh(_with_frame_time(bvh_wave, "0.1"), "x.bvh")  # the take's frames at 10 fps


@pytest.mark.parametrize("fps", [0.01, 0.5, 2e6, np.inf])
def test_an_amass_frame_rate_outside_the_limits_is_refused(fps: float) -> None:
    with pytest.raises(SourceError, match="mocap_framerate"):
        frame_rate({"mocap_framerate": np.array(fps)}, FPS_KEYS, "x.npz")


def test_every_converter_refuses_a_take_outside_the_limits(monkeypatch) -> None:
    """check_take, shared by the ten converters: the frame rate and the length, before resampling."""
    joints = walking_clip(frames=30).joints.astype(np.float64)
    with pytest.raises(SourceError, match="gives 0.01 fps, outside the limits"):
        base.check_take(Take("t", joints, 0.01, ["a person walks"], "walk"), 2)
    monkeypatch.setattr(base, "MAX_TAKE_S", 1.0)
    with pytest.raises(SourceError, match="30 frames at 20 fps last 2 s, over the limit 1 s"):
        base.check_take(Take("t", joints, 20.0, ["a person walks"], "walk"), 2)


@pytest.fixture
def amass_file(tmp_path: Path) -> Path:
    write_amass(tmp_path / "raw", takes(1, 60.0), seed=0)
    (path,) = [p for p in sorted((tmp_path / "raw").rglob("*.npz")) if not is_shape_file(p)]
    return path


def test_an_unused_npz_member_is_never_decompressed(amass_file: Path, tmp_path: Path) -> None:
    """A corrupt member that nothing reads (it fails its CRC when inflated) does not stop the conversion."""
    with zipfile.ZipFile(amass_file, "a", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("junk.npy", b"JUNK" * 4096)
    raw = amass_file.read_bytes()
    amass_file.write_bytes(raw.replace(b"JUNKJUNK", b"XUNKJUNK", 1))  # the stored CRC no longer matches
    clips, report = convert_dataset("amass", tmp_path / "raw", CANON, INLINE)
    assert report["rejected"] == 0 and clips, report["rejects"]


def test_an_npz_member_over_the_array_limit_is_refused_before_reading(amass_file: Path, monkeypatch) -> None:
    monkeypatch.setattr(base, "MAX_ARRAY_BYTES", 4096)
    with pytest.raises(SourceError, match=r"`poses` holds .* over the limit 0 MiB"):
        load_npz(amass_file, "x.npz", ("poses", "trans"))


def _pickle_calling(*ops: bytes) -> bytes:
    """A protocol-2 pickle of {"smpl_poses": <ops>}: ops push one object by GLOBAL and REDUCE calls."""
    return b"\x80\x02}X\n\x00\x00\x00smpl_poses" + b"".join(ops) + b"s."


# numpy.core.multiarray._reconstruct(numpy.ndarray, (300, 72), numpy.dtype("f8")): no BUILD needed
_RECONSTRUCT = _pickle_calling(
    b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n",
    b"M,\x01KH\x86",  # (300, 72)
    b"cnumpy\ndtype\nX\x02\x00\x00\x00f8\x85R\x87R",
)
_NDARRAY_CALL = _pickle_calling(b"cnumpy\nndarray\nM,\x01KH\x86\x85R")  # numpy.ndarray((300, 72))


@pytest.mark.parametrize(
    ("payload", "words"),
    [(_RECONSTRUCT, "over the limit 0 MiB"), (_NDARRAY_CALL, "called directly")],
    ids=["reconstruct", "ndarray-call"],
)
def test_a_pickle_cannot_make_numpy_allocate_past_the_limit(
    payload: bytes, words: str, tmp_path: Path, monkeypatch
) -> None:
    """The limit is lowered to 4 KiB so the test allocates nothing big; the real one is 512 MiB (a 133-byte
    pickle asked for 200 million elements before)."""
    monkeypatch.setattr(base, "MAX_ARRAY_BYTES", 4096)
    path = tmp_path / "gBR_sBM_cAll_d04_mBR0_ch01.pkl"
    path.write_bytes(payload)
    with pytest.raises(SourceError, match=words):
        load_pickle(path, path.name)
    monkeypatch.setattr(base, "MAX_ARRAY_BYTES", 512 * 2**20)
    if payload is _RECONSTRUCT:  # within the limit the same pickle loads: the bound, not the form, refused it
        assert load_pickle(path, path.name)["smpl_poses"].shape == (300, 72)


# --- published folders -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    ckpt = cached_checkpoint(tmp_path_factory, "fake")
    metrics = tmp_path_factory.mktemp("eval") / "eval_results"
    (metrics / "tiny/pretrain").mkdir(parents=True)
    (metrics / "tiny/pretrain/metrics.json").write_text(json.dumps({"val_loss": 0.1, "motion_mse": 0.1}))
    out = tmp_path_factory.mktemp("pub") / "pub"
    build_folder(ckpt, out, "o/n", metrics, tiny_training(ckpt), fps=20.0)
    return out


def _copy_with(folder: Path, dest: Path, edit=None, raw: bytes | None = None, weights: bytes | None = None):
    """A copy of the published `folder` with config.json edited (or replaced by `raw`) and other weights."""
    dest.mkdir()
    cfg = json.loads((folder / "config.json").read_text())
    if edit is not None:
        edit(cfg)
    (dest / "config.json").write_bytes(raw if raw is not None else json.dumps(cfg).encode())
    data = (folder / "model.safetensors").read_bytes()
    (dest / "model.safetensors").write_bytes(data if weights is None else weights)
    return dest


def _set(section: str, key: str, value):
    return lambda cfg: cfg[section].__setitem__(key, value)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (_set("model", "d_model", 65536), "model sizes do not match the weights"),
        (_set("refiner", "ffn_hidden", 4096), "model sizes do not match the weights"),
        (_set("model", "n_layers", 10**9), "n_layers` 1000000000 >"),
        (_set("model", "max_frames", 10**9), "max_frames` 1000000000 is over the limit 10000"),
        (_set("model", "max_actors", 64), "max_actors` 64 is over the limit 8"),
        (_set("model", "d_model", "64"), "d_model` must be an integer >= 1, got '64'"),
        (_set("model", "n_heads", -2), "n_heads` must be an integer >= 1"),
        (_set("model", "dropout", "x"), "dropout` must be a number in"),
        (lambda cfg: cfg.__setitem__("model", "big"), "`model` must be a dict, got str"),
        (lambda cfg: cfg.pop("refiner"), "missing key `refiner`"),
        (lambda cfg: cfg.pop("text_encoder"), "missing key `text_encoder`"),
        (lambda cfg: cfg.__setitem__("fps", None), "`fps` must be a number > 0"),
        (lambda cfg: cfg["text_encoder"].__setitem__("dim", 0), "text_encoder.dim` must be an integer"),
        (lambda cfg: cfg.__setitem__("version", 99), "this stickgen reads"),
    ],
)
def test_a_bad_config_json_is_refused_before_the_model_is_built(folder: Path, tmp_path: Path, edit, words):
    bad = _copy_with(folder, tmp_path / "bad", edit)
    with pytest.raises(ValueError, match=words) as err:
        checkpoint_from_folder(bad)
    assert "\n" not in str(err.value) and "config.json" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"raw": b'{"format": "stickgen-model", '}, "not valid JSON"),
        ({"raw": b"[1, 2]"}, "expected a JSON object, got list"),
        ({"raw": b"\xff\xfe\x00{"}, "not UTF-8 text"),
        ({"weights": b"\x10\x00\x00\x00\x00\x00\x00\x00{}"}, "not a readable safetensors file"),
    ],
    ids=["truncated-json", "json-list", "binary", "truncated-safetensors"],
)
@pytest.mark.parametrize("command", ["info", "generate", "evaluate"])
def test_a_damaged_folder_gives_one_line_from_every_command(
    folder, tmp_path, kwargs, words, command, capsys
) -> None:
    bad = str(_copy_with(folder, tmp_path / "bad", **kwargs))
    argv = {
        "info": ["info", bad],
        "generate": ["generate", "a person walks", "--checkpoint", bad, "--out", str(tmp_path / "w.json")],
        "evaluate": ["evaluate", "--checkpoint", bad, "--data", "d.pt", "--out", str(tmp_path / "r.json")],
    }[command]
    assert main([*argv, "--params", str(ROOT / "params.yaml")] if command != "info" else argv) == 1
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_a_truncated_safetensors_file_is_one_line(folder: Path, tmp_path: Path) -> None:
    data = (folder / "model.safetensors").read_bytes()
    bad = _copy_with(folder, tmp_path / "bad", weights=data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        checkpoint_from_folder(bad)


# --- raw file lists ----------------------------------------------------------------------------------


def test_humanml3d_split_files_cannot_reach_outside_the_raw_folder(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    joints = walking_clip(frames=61).joints[:, 0].astype(np.float64)
    write_humanml3d(raw, [("000001", joints, ["a person walks"])], split_seed=0)
    np.save(tmp_path / "outside.npy", joints)  # a readable motion next to the raw folder ...
    (raw / "texts/outside.txt").write_text("a secret walk#a/DET#0.0#0.0\n")  # ... and its captions inside
    (tmp_path / "abs.npy").write_bytes((tmp_path / "outside.npy").read_bytes())
    (raw / "texts/abs.txt").write_text("another walk#a/DET#0.0#0.0\n")
    names = (raw / "all.txt").read_text() + f"../outside\n{tmp_path / 'abs'}\nsub/000001\n"
    (raw / "all.txt").write_text(names)
    clips, report = convert_dataset("humanml3d", raw, CANON, INLINE)
    assert {c.group for c in clips} == {"humanml3d/000001"}
    reasons = [r["reason"] for r in report["rejects"]]
    assert len(reasons) == 3 and all("names a path outside new_joints/" in r for r in reasons), reasons


# --- one-line errors of commands and stages ----------------------------------------------------------

BAD_PARAMS = {
    "config": ("train:\n  pretrain:\n    lr: -1\n", "train.pretrain.lr: must be > 0"),
    "yaml": ("base: {seed: [1, 2\n", "YAML syntax error at line 2"),
    "type": ("canonical:\n  fps: fast\n", "canonical.fps: expected float"),
    "infinite": ("diffusion:\n  guidance_scale: .inf\n", "diffusion.guidance_scale: must be a finite number"),
    "twice": ("base:\n  seed: 7\n", "the key 'base' is given twice"),  # PyYAML kept the last, silently
}


def _bad_params(tmp_path: Path, kind: str) -> Path:
    text, _ = BAD_PARAMS[kind]
    good = yaml.safe_load((ROOT / "params.yaml").read_text())
    path = tmp_path / "bad_params.yaml"
    if kind == "yaml":
        path.write_text(text)
    elif kind == "twice":
        path.write_text(yaml.safe_dump(good) + text)
    else:
        over = yaml.safe_load(text)
        for section, values in over.items():
            node = good[section]
            for k, v in values.items():
                if isinstance(v, dict):
                    node[k].update(v)
                else:
                    node[k] = v
        path.write_text(yaml.safe_dump(good))
    return path


COMMANDS = {
    "convert": ["convert", "humanml3d", "raw", "out.pt"],
    "evaluate": ["evaluate", "--checkpoint", "c.pth", "--data", "d.pt", "--out", "r.json"],
    "safety": ["safety", "m.npz"],
    "publish": ["publish", "c.pth", "--dry-run"],
    "info": ["info", "--variant", "small"],
    "generate": ["generate", "a person walks", "--checkpoint", "c.pth", "--out", "w.gif"],
}


@pytest.mark.parametrize("kind", sorted(BAD_PARAMS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bad_params_give_one_line_from_every_command(command, kind, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    params = _bad_params(tmp_path, kind)
    assert main([*COMMANDS[command], "--params", str(params)]) in (1, 2)
    err = capsys.readouterr().err
    assert err.startswith(f"stickgen {command}: ") and err.count("\n") == 1, err
    assert str(params) in err and BAD_PARAMS[kind][1] in err, err


@pytest.mark.parametrize("command", ["generate", "safety", "publish"])
def test_a_params_file_given_that_is_not_there_stops_the_command(
    command, tmp_path, capsys, monkeypatch
) -> None:
    """Commands with built-in settings use them where no params.yaml is; a `--params` the user named is
    never passed over (a mistyped path ran on the defaults, exit 0)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([*COMMANDS[command], "--params", "parms.yaml"])
    assert (
        exc.value.code
        == "stickgen: params file not found: parms.yaml (run inside the repository or pass --params)"
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            "--dataset nosuch --raw r --out o.pt --report r.json",
            "convert: unsupported dataset [nosuch]; known: ",
        ),
        (
            "--dataset bvh --raw nowhere --out o.pt --report r.json",
            "convert: raw folder of dataset [bvh] not found",
        ),
    ],
)
def test_the_convert_stage_stops_with_one_line(args: str, words: str, tmp_path: Path, monkeypatch) -> None:
    """A dataset no converter knows, a raw folder missing (and, the same way, too many rejects): the
    stage's one line, the report written where there is one."""
    monkeypatch.chdir(tmp_path)
    path = ROOT / "stages" / "convert.py"
    monkeypatch.setattr(sys, "argv", [str(path), *args.split(), "--params", str(ROOT / "params.yaml")])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(path), run_name="__main__")
    assert isinstance(exc.value.code, str) and exc.value.code.startswith(words), exc.value.code
    assert "\n" not in exc.value.code and (tmp_path / "r.json").exists() == ("nowhere" in args)


STAGE_ARGS = {
    "samples": "--out o",
    "convert": "--dataset humanml3d --raw r --out o.pt --report r.json",
    "synthesize": "--out o.pt --report r.json",
    "curate": "--canonical-dir c --out-dir o --report r.json --plots-dir p",
    "embed": "--curated-dir c --out-dir o --cache-dir k",
    "train": "--phase pretrain --variant small --train-data a --val-data b --stats s --out-dir o "
    "--live-dir l",
    "evaluator": "--train-data a --val-data b --out o --prompt-table p --metrics m",
    "length": "--train-data a --val-data b --out o --metrics m",
    "adversarial": "--checkpoint c --prompt-table p --out o",
    "evaluate": "--checkpoint c --val-data v --test-data t --evaluator e --prompt-table p --adversarial a "
    "--live-dir l --out o --candidate c2 --plots-dir p2",
    "select_model": "--candidates c --eval-results e --out o --production p --training-data d "
    "--canonical-dir k",
}


def test_every_stage_script_is_covered() -> None:
    assert set(STAGE_ARGS) == {p.stem for p in (ROOT / "stages").glob("*.py")}


@pytest.mark.parametrize("kind", sorted(BAD_PARAMS))
@pytest.mark.parametrize("script", sorted(STAGE_ARGS))
def test_bad_params_stop_every_stage_with_one_line(
    script: str, kind: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    params = _bad_params(tmp_path, kind)
    path = ROOT / "stages" / f"{script}.py"
    monkeypatch.setattr(sys, "argv", [str(path), *STAGE_ARGS[script].split(), "--params", str(params)])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(path), run_name="__main__")
    msg = exc.value.code
    stage = "select" if script == "select_model" else script
    assert isinstance(msg, str) and msg.startswith(f"{stage}: {params}: ") and "\n" not in msg, msg
    assert BAD_PARAMS[kind][1] in msg


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--seconds", "inf"], "--seconds must be a finite number > 0, got inf"),
        (["--seconds", "nan"], "--seconds must be a finite number > 0, got nan"),
        (["--samples", "0"], "--samples must be in 1..1000, got 0"),
        (["--action", "teleport"], "--action [teleport] is unknown; choose one of unknown, idle, walk"),
        (["--prompts", "MISSING"], "prompts file not found"),
        (["--seed", str(2**70)], "--seed must be in 0..2**63-1"),
        (["--seed", "-1"], "--seed must be in 0..2**63-1"),
        (["--steps", "100000"], "--steps must be in 1..1000"),
        (["--steps", "0"], "--steps must be in 1..1000"),
        (["--out", "FOLDER"], "is a folder: name the file to write"),
        (
            ["--out", "a" * 300 + ".gif"],
            "cannot write there: File name too long",
        ),  # refused before, not after
        (["--fps", "0.001"], "--fps must be a number in [1, 1000], got 0.001"),
        (["--size", "0"], "--size must be an even number of pixels in [64, 4096], got 0"),
        (["--azimuth", "nan"], "--azimuth must be a finite angle in degrees, got nan"),
    ],
)
def test_generate_refuses_bad_numbers_and_folders_before_loading(
    extra: list[str], words: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    from stickgen.generate import generator

    def never(*a, **k):
        raise AssertionError("the model was loaded before the arguments were checked")

    monkeypatch.setattr(generator, "InferenceGenerator", never)
    (tmp_path / "out.gif").mkdir()
    extra = [str(tmp_path / "out.gif") if e == "FOLDER" else e for e in extra]
    prompt = [] if "--prompts" in extra else ["a person walks"]
    argv = ["generate", *prompt, "--checkpoint", "c.pth", "--out", str(tmp_path / "w.gif"), *extra]
    monkeypatch.chdir(tmp_path)  # no params.yaml here: the built-in settings
    assert main(argv) == 2  # a bad argument
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err


# --- linear caption reading --------------------------------------------------------------------------


class _Counted(str):
    """A caption that counts the equality tests made on it (a list membership test makes one per item)."""

    calls = 0

    def __eq__(self, other: object) -> bool:
        _Counted.calls += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_humanml3d_caption_reading_is_linear(tmp_path: Path, monkeypatch) -> None:
    n = 2000
    parse = humanml3d.parse_caption_line
    monkeypatch.setattr(
        humanml3d, "parse_caption_line", lambda line: (lambda p: (_Counted(p[0]), *p[1:]))(parse(line))
    )
    path = tmp_path / "000001.txt"
    path.write_text("".join(f"a person walks {k}#a/DET#0.0#0.0\n" for k in range(n)))
    _Counted.calls = 0
    whole, _, _ = humanml3d.read_texts(path, "x")
    assert len(whole) == n and _Counted.calls < n  # a list of seen captions made n * (n - 1) / 2


def test_window_captions_are_linear_in_the_ranged_captions() -> None:
    n = 2000
    segments = [(0.0, 1.0, _Counted(f"part {k}")) for k in range(n)]
    take = Take("t", np.zeros((21, 1, 22, 3)), 20.0, [], "walk", segments=segments)
    _Counted.calls = 0
    assert len(window_texts(take, 0.0, 1.0)) == n and _Counted.calls < n


# --- stickgen inspect --------------------------------------------------------------------------------


@pytest.fixture
def nan_root_file(tmp_path: Path) -> Path:
    path = tmp_path / "c.pt"
    canonical.save([walking_clip("a/x#0-20", frames=20), walking_clip("a/y#0-20", frames=20)], path, fps=20.0)
    data = torch.load(path, weights_only=True)
    data["root"][25, 1] = float("nan")  # a frame of the second clip
    torch.save(data, path)
    return path


def test_inspect_reports_a_clip_with_a_nan_root_as_invalid(nan_root_file: Path, capsys) -> None:
    assert main(["inspect", str(nan_root_file)]) == 1
    out, err = capsys.readouterr()
    assert "a/y#0-20" in out and "INVALID" in out and "non-finite" in out and "nan" not in out.lower()
    assert err.count("\n") == 1 and "1 invalid clips" in err


def test_inspect_json_never_prints_bare_nan(nan_root_file: Path, capsys) -> None:
    assert main(["inspect", str(nan_root_file), "--json"]) == 1

    def refuse(name: str):
        raise AssertionError(f"bare {name} in the JSON")

    info = json.loads(capsys.readouterr().out, parse_constant=refuse)
    bad = info["clips"][1]
    assert info["invalid_clips"] == 1 and bad["valid"] is False and bad["height_m"] is None
    assert info["clips"][0]["valid"] is True and info["clips"][0]["problem"] is None


# --- motion files a user hands `stickgen render` and `stickgen safety` ----------------------------------


def test_a_motion_file_that_is_not_one_is_one_line_naming_it_from_render_and_safety(
    tmp_path, capsys, monkeypatch
) -> None:
    """Every broken .npz of `inferkit.bad_motion_npz_files` (empty, text, a lone array, a cut archive,
    pickled objects, fields of the wrong kind): a failing exit and one line naming the file and why from
    `render`; from `safety` too where the file's joints and fps are what is wrong (it reads no meta).
    Before: EOFError, BadZipFile and TypeError tracebacks, and complex joints rendered."""
    files = bad_motion_npz_files(tmp_path)
    monkeypatch.chdir(tmp_path)  # no params.yaml here: the built-in settings
    no_params: list[str] = []
    for name, why in files.items():
        path = str(tmp_path / name)
        runs = [["render", path, "--out", str(tmp_path / "m.gif")]]
        runs += [] if name.startswith("meta") else [["safety", path, *no_params]]
        for args in runs:
            assert main(args) in (1, 2), (args, capsys.readouterr())
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and re.match(
                f"stickgen {args[0]}: {re.escape(path)}: .*{why}", err
            ), err


def test_safety_and_evaluate_refuse_bad_arguments_before_working(tmp_path, capsys) -> None:
    """`safety --fps -5` and `nan` were tracebacks (0 fell back to the params', inf was taken); `evaluate`
    ran the whole evaluation before an `--out` folder was a traceback, and took an adversarial report of a
    list (TypeError), a `safe_ratio` of 5 (robustness 5) or NaN (none)."""
    from stickgen.generate.motion import Motion

    motion = tmp_path / "m.json"
    save_motion(
        Motion(np.zeros((10, 1, 22, 3), np.float32) + np.arange(22)[None, None, :, None] * 0.05, 20.0), motion
    )
    for fps in ("-5", "nan", "0", "inf"):
        assert main(["safety", str(motion), "--fps", fps]) == 2
        assert "--fps must be in [1, 1000] frames per second" in capsys.readouterr().err
    evaluate = ["evaluate", "--checkpoint", "c.pth", "--data", "d.pt", "--params", str(ROOT / "params.yaml")]
    assert main([*evaluate, "--out", str(tmp_path)]) == 1
    assert "is a folder: name the report's file" in capsys.readouterr().err
    for doc in ([1], {"x": 1}, {"safe_ratio": 5}, {"safe_ratio": "lots"}):
        (tmp_path / "adv.json").write_text(json.dumps(doc))
        assert (
            main([*evaluate, "--adversarial", str(tmp_path / "adv.json"), "--out", str(tmp_path / "r.json")])
            == 1
        )
        assert "not an adversarial report" in capsys.readouterr().err
