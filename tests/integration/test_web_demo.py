"""The web demo in a real browser (headless Chromium driven by playwright) and under load, against a real
uvicorn server on inferkit's tiny checkpoint; and `stickgen serve` itself as a process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pytest
from browserkit import artifact_dir, require_chromium
from inferkit import cached_checkpoint
from PIL import Image
from servekit import call, running_server, tiny_service

from stickgen.generate.render import PALETTE


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    service = tiny_service(tmp_path_factory, max_concurrent_jobs=2, max_queued_jobs=8, max_kept_results=8)
    with running_server(service) as url:
        yield url, service


def _colour_pixels(rgb: np.ndarray, hex_colour: str) -> np.ndarray:
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.argwhere(np.abs(rgb.astype(int) - target).max(axis=-1) <= 40)  # (N, 2) rows, cols


def _canvas(page) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.locator("#view").screenshot())).convert("RGB"))


@dataclass
class _Seen:
    """What a page requested, its script errors and its failed responses."""

    requested: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def only_refused_once(self, url: str) -> None:
        """No script error, one refused request (400) and nothing asked of another host than `url`'s."""
        assert not self.errors, self.errors
        assert [s for s, _ in self.failed] == [400], self.failed
        offsite = [r for r in self.requested if urlparse(r).netloc != urlparse(url).netloc]
        assert not offsite, f"the page reached outside the server: {offsite}"


@contextlib.contextmanager
def _demo_page(url: str, height: int) -> Iterator[tuple[Any, _Seen]]:
    """The demo at `url` open and ready in headless Chromium (760 px wide), with what it does recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=require_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 760, "height": height})
            seen = _Seen()
            page.on("request", lambda r: seen.requested.append(r.url))
            page.on("pageerror", lambda e: seen.errors.append(str(e)))
            page.on("response", lambda r: seen.failed.append((r.status, r.url)) if r.status >= 400 else None)
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]", timeout=15_000)
            yield page, seen
        finally:
            browser.close()


def test_a_browser_types_a_prompt_and_watches_two_figures_move(server) -> None:
    url, _ = server
    with _demo_page(url, 1000) as (page, seen):
        # the form holds the server's bounds (the browser refuses 60 s); the server's own message shows
        assert page.get_attribute("#duration", "max") == "3.2"
        page.fill("#prompt", "?!")
        page.click("#submit")
        page.wait_for_selector("#status.error", timeout=15_000)
        assert "error 400: prompt has no letters or digits" in page.inner_text("#status")

        page.fill("#prompt", "two people shake hands")
        page.fill("#duration", "3")
        page.select_option("#actors", "2")
        page.fill("#seed", "11")
        page.fill("#samples", "2")
        page.click("#submit")
        page.wait_for_function("() => document.getElementById('status').textContent.startsWith('done')")
        assert not page.locator("#result").is_hidden()
        assert page.locator("#tabs button").count() == 2
        verdict = page.inner_text("#verdict")
        assert verdict.startswith("Safety check: ") and ("passed" in verdict or "FLAGGED" in verdict)
        links = page.eval_on_selector_all("#downloads a", "els => els.map(e => e.getAttribute('href'))")
        assert {Path(h).suffix for h in links} >= {".gif", ".bvh", ".npz", ".json"}

        # it plays: the player advances and the picture changes
        page.wait_for_function("() => window.stickgenDemo.player.framesShown >= 3", timeout=15_000)
        first = _canvas(page)
        page.wait_for_timeout(400)
        second = _canvas(page)
        h, w = first.shape[:2]
        changed = np.abs(second.astype(int) - first.astype(int)).max(axis=-1) > 60
        assert changed.sum() > 30, "the animation does not move"
        # both figures are drawn, inside the picture
        for a in range(2):
            pix = _colour_pixels(first, PALETTE[a])
            assert len(pix) > 100, f"actor {a}'s colour is not on the canvas"
            (top, left), (bottom, right) = pix.min(0), pix.max(0)
            assert 2 < left and right < w - 3 and 2 < top and bottom < h - 3, (
                a,
                top,
                left,
                bottom,
                right,
            )
            assert bottom - top > 0.15 * h, f"actor {a} is a speck: {bottom - top} px tall"
        box = page.evaluate("window.stickgenDemo.player.figureBox")
        assert 0 <= box[0] < box[2] <= w and 0 <= box[1] < box[3] <= h, box
        # the starting camera looks across the two actors (the screen's right nearly along the line between
        # their pelvises), not along it, where the nearer one hides the other
        across, gap = page.evaluate(
            """() => { const p = window.stickgenDemo.player, b = p.basis(), j = p.motion.joints;
              let gx = 0, gz = 0;
              j.forEach(f => { gx += f[1][0][0] - f[0][0][0]; gz += f[1][0][2] - f[0][0][2]; });
              const n = Math.hypot(gx, gz);
              return [Math.abs(b.r[0] * gx + b.r[2] * gz) / Math.max(n, 1e-9), n / j.length]; }"""
        )
        assert gap < 0.2 or across > 0.9, (across, gap)  # closer than 0.2 m they overlap from every side
        page.screenshot(path=str(artifact_dir() / "web-demo.png"))

        # pause holds the frame; the slider scrubs; a drag orbits the camera
        page.click("#play")
        held = page.evaluate("window.stickgenDemo.player.frame")
        page.wait_for_timeout(250)
        assert page.evaluate("window.stickgenDemo.player.frame") == held
        page.fill("#frame", "10")
        assert page.evaluate("window.stickgenDemo.player.frame") == 10
        assert page.inner_text("#label") == "frame 11 / 60"
        before = _canvas(page)
        az = page.evaluate("window.stickgenDemo.player.cam.az")
        view = page.locator("#view").bounding_box()
        page.mouse.move(view["x"] + 300, view["y"] + 200)
        page.mouse.down()
        page.mouse.move(view["x"] + 420, view["y"] + 230, steps=5)
        page.mouse.up()
        page.wait_for_timeout(100)
        assert page.evaluate("window.stickgenDemo.player.cam.az") != az
        assert (np.abs(_canvas(page).astype(int) - before.astype(int)).max(axis=-1) > 60).sum() > 30

        # the second sample's tab loads it and plays it from its first frame; the click and the read in one
        # script, as the player draws frames between two of playwright's calls on a busy machine
        frame, loaded, selected = page.evaluate(
            """() => { document.querySelectorAll('#tabs button')[1].click();
              const p = window.stickgenDemo.player, second = window.stickgenDemo.result().samples[1];
              return [p.frame, p.motion.joints === second.joints,
                      document.querySelectorAll('#tabs button')[1].getAttribute('aria-selected')]; }"""
        )
        assert (frame, loaded, selected) == (0, True, "true")
        page.wait_for_function("() => window.stickgenDemo.player.framesShown >= 3", timeout=15_000)
        seen.only_refused_once(url)  # the refused prompt


def test_a_browser_edits_a_timeline_and_gets_one_motion_through_it(server) -> None:
    """Two spans typed in the timeline editor make one motion of the whole timeline's length (the server's
    `directed.generate_timeline`); a timeline with a gap is refused with the server's message in the page."""
    url, _ = server
    with _demo_page(url, 1100) as (page, seen):
        assert page.locator("#timeline").is_hidden()
        page.check("#mode-timeline")
        assert page.locator("#prompt").is_hidden() and page.locator("#duration").is_hidden()
        rows = page.locator("#span-rows tr")
        assert rows.count() == 2  # a starting timeline of two spans
        page.click("#add-span")
        assert rows.count() == 3
        rows.nth(2).locator(".span-remove").click()
        assert rows.count() == 2

        for k, (start, end, text) in enumerate(
            [("0", "1.5", "a person walks at speed 1.0"), ("1.5", "3", "someone moves forward (1)")]
        ):
            rows.nth(k).locator(".span-start").fill(start)
            rows.nth(k).locator(".span-end").fill(end)
            rows.nth(k).locator(".span-text").fill(text)
        page.fill("#seed", "4")
        page.click("#submit")
        page.wait_for_function("() => document.getElementById('status').textContent.startsWith('done')")
        result = page.evaluate("window.stickgenDemo.result()")
        (sample,) = result["samples"]
        assert sample["frames"] == 60 and sample["duration_s"] == 3.0  # one motion, 3 s in all
        assert [s["frames"] for s in sample["timeline"]] == [[0, 30], [30, 60]]
        assert np.asarray(sample["joints"]).shape == (60, 1, 22, 3)
        assert "one motion through 2 spans" in page.inner_text("#details")
        page.click("#play")  # pause, then scrub into the second span
        page.fill("#frame", "45")
        assert page.inner_text("#span-label") == "span 2 / 2: someone moves forward (1)"
        page.screenshot(path=str(artifact_dir() / "web-demo-timeline.png"))

        rows.nth(1).locator(".span-start").fill("2")  # a gap from 1.5 to 2
        page.click("#submit")
        page.wait_for_selector("#status.error", timeout=15_000)
        assert "error 400: timeline span 2 (2-3): gap after span 1, which ends at 1.5" in page.inner_text(
            "#status"
        )
        seen.only_refused_once(url)  # the refused timeline


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_fifty_requests_from_five_clients_are_all_answered_and_memory_stays_flat(server) -> None:
    url, service = server

    def client(k: int) -> list[int]:
        statuses = []
        for i in range(10):
            body = {"prompt": f"a person walks forward, take {k}-{i}", "duration_s": 2.0, "seed": 100 * k + i}
            status, _, raw = call(url + "/api/generate", {**body, "refiner": i % 2 == 0})
            statuses.append(status)
            doc = json.loads(raw)
            assert status == 200, doc
            assert len(doc["samples"]) == 1 and doc["samples"][0]["frames"] == 40
        return statuses

    for i in range(6):  # warm up: allocator pools, the kept results filled to their bound
        assert (
            call(url + "/api/generate", {"prompt": "a person jumps", "duration_s": 2.0, "seed": i})[0] == 200
        )
    before = _rss_mb()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(5) as pool:
        statuses = sum(pool.map(client, range(5)), [])
    took = time.perf_counter() - t0
    after = _rss_mb()
    assert statuses == [200] * 50
    assert service.kept() == service.config.max_kept_results  # old results were let go
    assert service.gate.admitted == 0
    assert after - before < 40, (
        f"memory grew {after - before:.1f} MB over 50 requests ({before:.0f} MB before)"
    )
    print(f"50 requests, 5 clients: {took:.1f} s; RSS {before:.0f} -> {after:.0f} MB")


def test_stickgen_serve_starts_says_where_and_serves_the_page(tmp_path_factory, tmp_path: Path) -> None:
    ckpt = cached_checkpoint(tmp_path_factory, "minilm")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "stickgen.cli", "serve", "--checkpoint", str(ckpt), "--port", "0"]
    cmd += ["--steps", "2"]  # run where no params.yaml is: the built-in settings
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    proc = subprocess.Popen(cmd, **pipes, env=env, cwd=tmp_path)
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        assert "this machine only" in line
        base = line.split()[2].rstrip("/")
        status, headers, body = call(base + "/")
        assert status == 200 and b'<canvas id="view"' in body
        assert "default-src 'self'" in headers["content-security-policy"]
        status, _, body = call(
            base + "/api/generate", {"prompt": "a person waves", "duration_s": 1.0, "seed": 2}
        )
        assert status == 200 and json.loads(body)["samples"][0]["frames"] == 20
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        finally:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read()


def test_serve_names_a_missing_checkpoint_and_a_taken_port_for_what_they_are(
    tmp_path_factory, tmp_path: Path, capsys, monkeypatch
) -> None:
    import socket

    from stickgen.cli import main

    monkeypatch.chdir(tmp_path)  # no params.yaml here: the built-in settings
    missing = tmp_path / "nowhere.pth"
    assert main(["serve", "--checkpoint", str(missing)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("stickgen serve: ") and str(missing) in err and "listen" not in err, err

    ckpt = cached_checkpoint(tmp_path_factory, "minilm")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["serve", "--checkpoint", str(ckpt), "--port", str(port)]
        assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"stickgen serve: cannot listen on 127.0.0.1:{port}: "), err
