"""Web demo fixtures: a `DemoService` on inferkit's tiny checkpoint and a real uvicorn server in a thread."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from inferkit import FakeEncoder, cached_checkpoint

from stickgen.cli.serve import bind, create_app
from stickgen.generate.demo import DEFAULT_SERVE, DemoService
from stickgen.generate.generator import InferenceGenerator
from stickgen.generate.settings import Runtime, SamplingSettings
from stickgen.model.diffusion import Sampling


def tiny_service(tmp_path_factory: pytest.TempPathFactory, **serve) -> DemoService:
    """The tiny `fake` checkpoint (trainkit's caption vectors), refiner loaded with 2 steps, CPU."""
    gen = InferenceGenerator(
        cached_checkpoint(tmp_path_factory, "fake"),
        SamplingSettings(refinement=Sampling(steps=2)),
        runtime=Runtime(device="cpu", encoder=FakeEncoder()),
    )
    return DemoService(gen, replace(DEFAULT_SERVE, **serve), refiner_default=False)


@contextmanager
def running_server(service: DemoService) -> Iterator[str]:
    """Serve `service` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    import uvicorn

    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(service), log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def call(
    url: str,
    body: object | None = None,
    raw: bytes | None = None,
    timeout: float = 60,
    media: str = "application/json",
):
    """(status, headers, body bytes) of a GET (or a POST of `body` as JSON / `raw` bytes, sent as `media`)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, headers={"content-type": media})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
