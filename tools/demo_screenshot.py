"""Serve a model with `stickgen serve`, generate a prompt in headless Chromium, and save the page's picture.

    python tools/demo_screenshot.py --checkpoint models/production --out docs/img/web-demo.png

It is the check that `stickgen serve` on the pipeline's own model (after `make repro`) serves a page that
plays, and it writes the screenshot docs/inference.md shows. Needs the `serve` extra, playwright and a
Chromium (`make browser`). Exits 1 with the reason when the page does not finish the generation.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"stickgen serve exited with {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"stickgen serve did not answer at {url} within {timeout_s:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default="models/production")
    ap.add_argument("--out", type=Path, default=Path("docs/img/web-demo.png"))
    ap.add_argument("--prompt", default="two people shake hands")
    ap.add_argument("--actors", default="2")
    ap.add_argument("--duration", default="4")
    ap.add_argument("--seed", default="3")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH (make browser installs it)")
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, "-m", "stickgen.cli", "serve", "--checkpoint", args.checkpoint]
    cmd += ["--port", str(port)]
    log = tempfile.TemporaryFile(mode="w+")  # the server's output, shown when it fails (a pipe could fill)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_until_up(url, proc, 120)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 760, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]", timeout=15_000)
            page.fill("#prompt", args.prompt)
            page.fill("#duration", args.duration)
            page.select_option("#actors", args.actors)
            page.fill("#seed", args.seed)
            page.click("#submit")
            page.wait_for_function(
                "() => /^(done|error)/.test(document.getElementById('status').textContent)", timeout=120_000
            )
            status = page.inner_text("#status")
            if not status.startswith("done") or errors:
                raise SystemExit(f"the page did not finish: {status!r}, script errors {errors}")
            page.wait_for_function("() => window.stickgenDemo.player.framesShown >= 20", timeout=15_000)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            print(f"{args.out}: {status}; {page.inner_text('#verdict')}")
            browser.close()
    except SystemExit:
        log.seek(0)
        print(log.read()[-2000:], file=sys.stderr)
        raise
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
