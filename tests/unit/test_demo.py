"""The web demo's request checks, job gate, kept results and downloads (stickgen.generate.demo), and its
HTTP edges (stickgen.cli.serve) on a real server: refusals are clear 4xx replies, a crash is a 500
reply the server survives, no request path reaches the filesystem, and the page loads nothing off-site."""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import replace

import gltfkit
import numpy as np
import pytest
from PIL import Image
from servekit import call, running_server, tiny_service

from stickgen.cli.serve import ASSETS, is_loopback, load_assets, start_message
from stickgen.core.config import ConfigError
from stickgen.generate.demo import (
    DEFAULT_SERVE,
    BusyError,
    DemoLimits,
    DemoRequest,
    JobGate,
    NotFoundError,
    RequestError,
)
from stickgen.generate.export import bvh_forward, bvh_pose, from_json_dict
from stickgen.generate.timeline import Span

LIMITS = DemoLimits(
    max_prompt_chars=40,
    min_duration_s=0.1,
    max_duration_s=3.2,
    max_actors=8,
    model_actors=2,
    max_samples=4,
    refiner_available=True,
    refiner_default=False,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return tiny_service(tmp_path_factory, max_concurrent_jobs=1, max_queued_jobs=0, max_kept_results=2)


def test_a_full_request_is_read_as_given() -> None:
    doc = {
        "prompt": "  a person   waves ",
        "duration_s": 2,
        "actors": 2,
        "seed": 5,
        "samples": 3,
        "refiner": True,
    }
    assert DemoRequest.from_json(doc, LIMITS) == DemoRequest("a person waves", 2.0, 2, 5, 3, True)
    assert DemoRequest.from_json({"prompt": "hop"}, LIMITS) == DemoRequest("hop", 3.2)
    assert DemoRequest.from_json({"prompt": "hop", "duration_s": None}, LIMITS) == DemoRequest("hop", None)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([1, 2], "must be a JSON object, got list"),
        ({"prompt": "x", "path": "/etc/passwd"}, "unknown fields ['path']"),
        ({}, "prompt must be a string, got NoneType"),
        ({"prompt": "   "}, "prompt is empty"),
        ({"prompt": "a" * 41}, "prompt is too long: 41 characters, the limit is 40"),
        ({"prompt": "x", "duration_s": 9}, "duration_s must be in 0.1..3.2 seconds, got 9"),
        ({"prompt": "x", "duration_s": "2"}, "duration_s must be a number, got '2'"),
        ({"prompt": "x", "duration_s": float("nan")}, "duration_s must be a number"),
        ({"prompt": "x", "actors": 9}, "actors must be in 1..8, got 9"),
        ({"prompt": "x", "actors": True}, "actors must be an integer, got True"),
        ({"prompt": "x", "samples": 5}, "samples must be in 1..4, got 5"),
        ({"prompt": "x", "samples": 1.5}, "samples must be an integer, got 1.5"),
        ({"prompt": "x", "seed": -1}, "seed must be in 0..2147483647, got -1"),
        ({"prompt": "x", "refiner": "yes"}, "refiner must be true, false or null, got 'yes'"),
    ],
)
def test_a_bad_request_is_refused_with_what_to_change(doc, message: str) -> None:
    with pytest.raises(RequestError, match=re.escape(message)):
        DemoRequest.from_json(doc, LIMITS)


TWO_SPANS = [
    {"start": 0, "end": 1.5, "text": "a person walks at speed 1.0"},
    {"start": 1.5, "end": 3, "text": "someone  moves forward (1)"},
]


def test_a_timeline_request_is_its_spans_with_their_length() -> None:
    req = DemoRequest.from_json({"timeline": TWO_SPANS, "seed": 3, "samples": 2}, LIMITS)
    assert req.timeline == (
        Span(0.0, 1.5, "a person walks at speed 1.0"),
        Span(1.5, 3.0, "someone moves forward (1)"),
    )
    assert req.prompt == "0-1.5: a person walks at speed 1.0; 1.5-3: someone moves forward (1)"
    assert (req.duration_s, req.seed, req.samples) == (3.0, 3, 2)
    assert DemoRequest.from_json({"timeline": req.prompt}, LIMITS).timeline == req.timeline  # the CLI's text


@pytest.mark.parametrize(
    ("timeline", "extra", "message"),
    [
        (
            [{"start": 0, "end": 1, "text": "a"}, {"start": 2, "end": 3, "text": "b"}],
            {},
            "timeline span 2 (2-3): gap after span 1, which ends at 1; start it there",
        ),
        (
            [{"start": 0, "end": 4, "text": "a person walks"}],
            {},
            "timeline span 1 (0-4): too long, 4 s; the limit is 3.2 s",
        ),
        (
            [{"start": 0, "end": 2, "text": "a"}, {"start": 2, "end": 4, "text": "b"}],
            {},
            "timeline is 4 s long; the limit is 3.2 s",
        ),
        (
            [{"start": k * 0.1, "end": (k + 1) * 0.1, "text": "a"} for k in range(9)],
            {},
            "timeline has 9 spans; the limit here is 8",
        ),
        (
            [{"start": 0, "end": 1, "text": "?!"}],
            {},
            "timeline span 1 (0-1): prompt has no letters or digits",
        ),
        ([{"start": 0, "end": 1, "text": "a" * 41}], {}, "timeline span 1 (0-1): prompt is too long"),
        ([{"start": 0, "end": 1}], {}, "timeline: span 1: missing ['text']"),
        ({"start": 0}, {}, "timeline: expected a non-empty JSON list"),
        ("0-1 walks", {}, "timeline span 1 '0-1 walks': expected 'START-END: text'"),
        (
            TWO_SPANS,
            {"prompt": "x", "duration_s": 2},
            "a timeline sets the texts and the duration: drop prompt, duration_s",
        ),
    ],
)
def test_a_bad_timeline_is_refused_naming_the_span(timeline, extra, message: str) -> None:
    with pytest.raises(RequestError, match=re.escape(message)) as err:
        DemoRequest.from_json({"timeline": timeline, **extra}, LIMITS)
    assert "\n" not in str(err.value)


def test_a_sequence_prompt_is_one_motion_through_its_parts(service) -> None:
    """A prompt naming motions in turn goes through `sequence.generate_sequence`, as `stickgen generate`
    makes it: one motion of the asked length, each part in its share of the frames."""
    from stickgen.generate.sequence import generate_sequence

    prompt = "a person walks at speed 1.0, then someone moves forward (1)"
    (motion,) = service.generate(DemoRequest(prompt, 3.0, seed=5)).motions
    assert motion.frames == 60 and motion.meta["kind"] == "timeline"
    assert [s["frames"] for s in motion.meta["timeline"]] == [[0, 30], [30, 60]]
    want = generate_sequence(service._plain, prompt, 3.0, None, motion.meta["seed"])
    np.testing.assert_array_equal(motion.joints, want.joints)
    # more parts than a timeline request may have spans: one pass, not a window per part
    limits = service.limits
    try:
        service.limits = replace(limits, max_spans=1)
        (one,) = service.generate(DemoRequest(prompt, 3.0, seed=5)).motions
    finally:
        service.limits = limits
    assert "timeline" not in one.meta and one.frames == 60


def test_more_people_than_the_model_makes_at_once_only_where_each_does_what_one_does(service) -> None:
    """The limits offer up to `MAX_TOGETHER` people, as `stickgen generate` makes them: three people jumping
    (each made alone, side by side), but three hugging is refused naming the model's two."""
    from stickgen.generate.together import MAX_TOGETHER

    assert service.limits.max_actors == MAX_TOGETHER and service.limits.model_actors == 2
    (three,) = service.generate(DemoRequest("people jump", 1.0, actors=3, seed=2)).motions
    assert three.actors == 3 and three.meta["together"]["placement"] == "side"
    with pytest.raises(RequestError, match=r"^actors must be in 1..2"):  # the request's word, not num_actors
        service.generate(DemoRequest("two people hug", 1.0, actors=3, seed=2))


def test_a_sample_carries_the_notes_the_cli_prints(service) -> None:
    """`familiar.prompt_notes` under each sample: a text the tiny memory holds nothing close to is named;
    fewer people than the words count are said, unless the request gave the count."""
    odd = service.to_json(service.generate(DemoRequest("someone juggles flaming torches", 1.0, seed=1)))
    (note,) = odd["samples"][0]["notes"]
    assert note.startswith("the motion memory holds nothing close to 'someone juggles flaming torches'")
    hug = service.to_json(service.generate(DemoRequest("three people hug", 1.0, seed=1)))
    assert any("the text names 3 people, the motion has 2" in n for n in hug["samples"][0]["notes"])
    given = service.to_json(service.generate(DemoRequest("three people hug", 1.0, actors=2, seed=1)))
    assert not any("the text names" in n for n in given["samples"][0]["notes"])


def test_without_a_duration_a_motion_is_as_long_as_its_prompt_says_within_the_bound(service) -> None:
    """A request with `duration_s: null` lasts what the prompt states ("for 2 seconds"), or the estimator's
    length (the tiny checkpoint has none: the default), at most the server's longest."""
    bound = service.limits.max_duration_s
    (two,) = service.generate(DemoRequest("a person walks at speed 1.0 for 2 seconds", None, seed=3)).motions
    assert two.frames == 40 and two.meta["sequence"]["parts"] == ["a person walks at speed 1.0"]
    cut = service.generate(DemoRequest("a person walks at speed 1.0 for a minute", None, seed=3))
    (long,) = cut.motions
    assert long.duration_s == pytest.approx(bound)  # and the reply says so (it was cut without a word)
    assert (
        f"the text asks for 60 s; the motion lasts {bound:g} s" in service.to_json(cut)["samples"][0]["notes"]
    )
    (plain,) = service.generate(DemoRequest("a person walks at speed 1.0", None, seed=3)).motions
    assert plain.duration_s == pytest.approx(min(5.0, bound))


def test_a_timeline_is_one_motion_through_the_spans(service) -> None:
    """The demo's timeline goes through `directed.generate_timeline` (what `stickgen generate --timeline`
    calls): one motion as long as the whole timeline, each span in its frames, the same seed the same
    motion."""
    from stickgen.generate import directed

    req = DemoRequest.from_json({"timeline": TWO_SPANS, "seed": 5}, service.limits)
    result = service.generate(req)
    (motion,) = result.motions
    assert motion.frames == 60 and motion.fps == 20.0 and motion.meta["kind"] == "timeline"
    assert [s["frames"] for s in motion.meta["timeline"]] == [[0, 30], [30, 60]]
    want = directed.generate_timeline(service._plain, list(req.timeline), None, motion.meta["seed"])
    np.testing.assert_array_equal(motion.joints, want.joints)
    page = service.to_json(result)
    sample = page["samples"][0]
    assert page["prompt"] == req.prompt and sample["frames"] == 60 and sample["duration_s"] == 3.0
    assert [s["text"] for s in sample["timeline"]] == [
        "a person walks at speed 1.0",
        "someone moves forward (1)",
    ]
    assert service.download(result.id, "0.bvh")[0].decode().count("\n") > 60  # downloads as any motion


def test_the_refiner_cannot_be_asked_of_a_server_without_one() -> None:
    with pytest.raises(RequestError, match="refiner is not available"):
        DemoRequest.from_json({"prompt": "x", "refiner": True}, replace(LIMITS, refiner_available=False))


def test_a_model_whose_refiner_was_not_trained_serves_no_refiner(service, tmp_path) -> None:
    """A checkpoint trained with params diffusion.loss_weight 0 (`refiner.trained: false`): the page's
    checkbox is off and disabled, and a request that asks for the refiner is refused with the reason."""
    import torch
    from inferkit import FakeEncoder

    from stickgen.generate.demo import DemoService
    from stickgen.generate.generator import InferenceGenerator
    from stickgen.generate.settings import Runtime, SamplingSettings
    from stickgen.model.diffusion import Sampling

    ckpt = torch.load(service.generator.model_path, weights_only=True)
    ckpt["config"]["refiner"]["trained"] = False
    torch.save(ckpt, tmp_path / "untrained.pth")
    refined, runtime = SamplingSettings(refinement=Sampling(steps=2)), Runtime("cpu", encoder=FakeEncoder())
    gen = InferenceGenerator(tmp_path / "untrained.pth", refined, runtime=runtime)
    limits = DemoService(gen, DEFAULT_SERVE, refiner_default=True).limits
    assert not limits.refiner_available and not limits.refiner_default
    with pytest.raises(RequestError, match="its model's refiner was not trained"):
        DemoRequest.from_json({"prompt": "x", "refiner": True}, limits)


def test_the_serve_section_rejects_bad_bounds_by_name() -> None:
    with pytest.raises(ConfigError, match="max_concurrent_jobs.*must be >= 1, got 0"):
        replace(DEFAULT_SERVE, max_concurrent_jobs=0)
    with pytest.raises(ConfigError, match="port.*0..65535"):
        replace(DEFAULT_SERVE, port=70000)


def test_the_gate_runs_a_few_queues_a_few_and_turns_the_rest_away() -> None:
    gate = JobGate(running=1, queued=1)
    inside, release = threading.Event(), threading.Event()
    order: list[str] = []

    def job(name: str) -> None:
        with gate:
            order.append(name)
            inside.set()
            release.wait(10)

    first = threading.Thread(target=job, args=("first",))
    first.start()
    assert inside.wait(10)
    waiting = threading.Thread(target=job, args=("queued",))
    waiting.start()
    while gate.admitted < 2:
        threading.Event().wait(0.005)
    with pytest.raises(BusyError, match="1 generation\\(s\\) running and 1 waiting"):
        gate.__enter__()
    release.set()
    first.join(10)
    waiting.join(10)
    assert order == ["first", "queued"] and gate.admitted == 0


def test_results_are_kept_up_to_the_bound_and_downloads_are_the_motion(service) -> None:
    results = [service.generate(DemoRequest("a person waves", 1.0, seed=s)) for s in (1, 2, 3)]
    assert service.kept() == 2
    with pytest.raises(NotFoundError, match="results expire after the newest 2"):
        service.result(results[0].id)
    latest = results[-1]
    motion = latest.motions[0]
    data, media, name = service.download(latest.id, "0.json")
    assert media == "application/json" and name == f"stickgen-{latest.id}-0.json"
    back = from_json_dict(json.loads(data))
    np.testing.assert_allclose(back.joints, motion.joints, atol=6e-5)
    gif = Image.open(io.BytesIO(service.download(latest.id, "0.gif")[0]))
    assert gif.n_frames == motion.frames
    with np.load(io.BytesIO(service.download(latest.id, "0.npz")[0]), allow_pickle=False) as z:
        np.testing.assert_array_equal(z["joints"], motion.joints)
    with np.load(io.BytesIO(service.download(latest.id, "0.smpl.npz")[0]), allow_pickle=False) as z:
        assert z["poses"].shape == (motion.frames, 156) and float(z["mocap_framerate"]) == motion.fps
    bvh = service.download(latest.id, "0.bvh")[0].decode()
    assert bvh.startswith("HIERARCHY") and f"Frames: {motion.frames}" in bvh
    page = service.to_json(latest)
    sample = page["samples"][0]
    assert np.abs(np.asarray(sample["joints"]) - motion.joints).max() <= 5e-4  # to the millimetre
    assert sample["verdict"] in ("passed", "flagged") and set(sample["downloads"]) >= {"gif", "bvh", "npz"}


@pytest.mark.parametrize(
    ("rid", "name"),
    [
        ("../../etc", "passwd"),
        ("0123456789abcdef", "0.gif"),  # well formed, never issued
        (None, "../0.gif"),
        (None, "0.gif/../../x"),
        (None, "/etc/passwd"),
        (None, "7.gif"),  # no such sample
        (None, "0.actor1.bvh"),  # one actor only
        (None, "0.actor0.gif"),
        (None, "0.exe"),
    ],
)
def test_a_download_name_is_never_a_path(service, rid, name: str) -> None:
    kept = service.generate(DemoRequest("a person waves", 1.0, actors=1, seed=4))
    with pytest.raises(NotFoundError):
        service.download(kept.id if rid is None else rid, name)


def test_refusals_are_clear_replies_and_a_crash_does_not_stop_the_server(service, monkeypatch) -> None:
    with running_server(service) as url:
        status, headers, body = call(url + "/api/generate", raw=b"x" * 20_000)
        assert status == 400 and b"over 16384 bytes" in body
        for media in ("text/plain", "application/x-www-form-urlencoded"):  # no CORS preflight: any page could
            status, _, body = call(url + "/api/generate", {"prompt": "a person waves"}, media=media)
            assert status == 415 and b"Content-Type: application/json" in body
        for raw in (b"[" * 5000 + b"]" * 5000, b'{"prompt": "a", "seed": ' + b"9" * 5000 + b"}"):
            status, _, body = call(url + "/api/generate", raw=raw)  # nested deep; thousands of digits
            assert status == 400 and b"not JSON" in body
        status, _, body = call(url + "/api/generate", {"prompt": "\ud800 waves", "duration_s": 1})
        assert status == 400 and b"not valid text" in body
        status, _, body = call(url + "/api/generate", {"prompt": "a person waves", "samples": 9})
        assert status == 400 and json.loads(body) == {"error": "samples must be in 1..4, got 9"}
        assert call(url + "/api/generate")[0] == 405  # GET
        for path in (
            "/static/..%2F..%2Fserve.py",
            "/static/index.html",
            "/static/%2Fetc%2Fpasswd",
            "/x/../..",
        ):
            status, _, body = call(url + path)
            assert status == 404, path
        with service.gate:  # the only slot taken, no queue: the next request is told the server is busy
            status, headers, body = call(url + "/api/generate", {"prompt": "a person waves", "duration_s": 1})
        assert status == 429 and headers["retry-after"] == "2" and b"the server is busy" in body

        def broken(result):
            raise RuntimeError("a bug")

        monkeypatch.setattr(service, "to_json", broken)
        status, _, body = call(url + "/api/generate", {"prompt": "a person waves", "duration_s": 1})
        assert status == 500 and b"the server is still running" in body
        monkeypatch.undo()
        status, _, body = call(url + "/api/generate", {"prompt": "a person waves", "duration_s": 1})
        assert status == 200 and json.loads(body)["samples"][0]["frames"] == 20
        assert call(url + "/healthz")[2] == b"ok"
        gap = [
            {"start": 0, "end": 1, "text": "a person walks"},
            {"start": 2, "end": 3, "text": "a person waves"},
        ]
        status, _, body = call(url + "/api/generate", {"timeline": gap})
        assert status == 400 and "span 2 (2-3): gap after span 1" in json.loads(body)["error"]
        status, _, body = call(url + "/api/generate", {"timeline": TWO_SPANS, "seed": 1})
        assert status == 200 and json.loads(body)["samples"][0]["frames"] == 60
        rid = json.loads(body)["id"]
        status, headers, bvh = call(f"{url}/api/results/{rid}/0.bvh?rig=mixamo&up=z&units=m")
        assert status == 200 and b"ROOT mixamorig:Hips" in bvh
        assert headers["content-disposition"] == f'attachment; filename="stickgen-{rid}-0.bvh"'
        for name, query, message in (
            ("0.bvh", "rig=unreal", "rig must be one of"),
            ("0.bvh", "path=/etc", "unknown download options"),
            ("0.json", "rig=mixamo", "options of a .bvh download, not of a .json"),  # were ignored
        ):
            status, _, body = call(f"{url}/api/results/{rid}/{name}?{query}")
            assert status == 400 and message in json.loads(body)["error"], query


def test_the_page_loads_nothing_from_elsewhere() -> None:
    assets = load_assets()
    assert set(assets) == set(ASSETS)
    for name, data in assets.items():
        text = data.decode()
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I) or name == "favicon.svg", name
    html = assets["index.html"].decode()
    assert set(re.findall(r'(?:src|href)="([^"]+)"', html)) == {
        "/static/demo.css",
        "/static/favicon.svg",
        "/static/player3d.js",
        "/static/timeline.js",
    }


def test_the_start_message_says_who_can_reach_the_server() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert "this machine only" in start_message("127.0.0.1", 7860)
    assert "WARNING: reachable from the network" in start_message("0.0.0.0", 7860)
    assert start_message("::1", 80).startswith("stickgen serve: http://[::1]:80/")


def test_the_bvh_download_reads_back_to_the_motion(service) -> None:
    kept = service.generate(DemoRequest("two people hug", 1.0, actors=2, seed=8))
    motion = kept.motions[0]
    for a, name in enumerate(("0.bvh", "0.actor1.bvh")):
        assert service.download(kept.id, name)[0].decode().startswith("HIERARCHY")
        assert service.download(kept.id, name.replace(".bvh", ".smpl.npz"))[0].startswith(b"PK")  # a zip
        offsets, root, angles = bvh_pose(motion.joints[:, a])
        assert np.isfinite(bvh_forward(offsets, root, angles)).all()
    data, media, name = service.download(kept.id, "0.glb")  # every actor in one file
    assert media == "model/gltf-binary" and name.endswith("-0.glb")
    glb = gltfkit.load(data)
    assert len(glb.skins) == 2 and glb.accessors[glb.animations[0].samplers[0].input].count == motion.frames
    assert np.linalg.norm(gltfkit.joint_positions(glb, 5) - motion.joints[5], axis=-1).max() < 0.01


def test_a_prompts_samples_carry_the_face_the_model_drew_and_a_timeline_has_none(service) -> None:
    """The page gets each sample's face (`export.face_to_json`: named (T, A) fields and their tables) for
    the web player to draw; directed timelines carry no face yet, and their samples have no `face` key."""
    page = service.to_json(
        service.generate(DemoRequest.from_json({"prompt": "a person waves", "seed": 2}, LIMITS))
    )
    sample = page["samples"][0]
    face = sample["face"]
    assert set(face) >= {"tables", "expression", "mouth_open", "viseme", "speaking", "eyes"}
    assert np.shape(face["expression"]) == (sample["frames"], sample["actors"])
    assert min(min(row) for row in face["expression"]) >= 1  # generated: every frame has a face
    timeline = service.to_json(
        service.generate(DemoRequest.from_json({"timeline": TWO_SPANS, "seed": 5}, service.limits))
    )
    assert "face" not in timeline["samples"][0]
