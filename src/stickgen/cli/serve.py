"""`stickgen serve`: the local web demo. Type a sentence, watch it move (docs/inference.md, "Web demo").

    stickgen serve --checkpoint models/production [--host 127.0.0.1] [--port 7860]

A small ASGI app (Starlette, run by uvicorn; the optional extra `stickgen[serve]`) around `DemoService`:

    GET  /                               the page (stickgen/generate/web/index.html)
    GET  /static/<name>                  its script and style sheet (read into memory at start)
    GET  /api/info                       model, frame rate, limits, download formats
    POST /api/generate                   {"prompt", "duration_s", "actors", "seed", "samples", "refiner"},
                                         or {"timeline": [{"start", "end", "text"}, ...], "actors", ...}:
                                         one motion through the spans (`directed.generate_timeline`)
    GET  /api/results/<id>/<file>        downloads: <sample>.gif|mp4|json|npz|smpl.npz|glb|bvh (per actor:
                                         <sample>.actor<k>.bvh|smpl.npz);
                                         a BVH takes ?rig=smpl|mixamo&up=y|z&units=cm|m
    GET  /healthz                        "ok"

Works offline: the page loads nothing but these routes (its Content-Security-Policy allows only this
origin). No request path reaches the filesystem: assets are a fixed in-memory table, results are looked up by
id in memory. A bad request is a 4xx JSON `{"error": message}`; an unexpected failure is a 500 JSON reply,
and the server carries on.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import socket
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the demo (and torch) load when a command runs, not for `stickgen --help`
    from stickgen.core.config import ServeConfig
    from stickgen.generate.demo import DemoService

MAX_BODY_BYTES = 16_384
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "player3d.js": "text/javascript",
    "timeline.js": "text/javascript",
    "demo.css": "text/css",
    "favicon.svg": "image/svg+xml",
}
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def load_assets() -> dict[str, bytes]:
    """The page's files, packaged with stickgen (stickgen/generate/web/)."""
    web = resources.files("stickgen.generate") / "web"
    return {name: (web / name).read_bytes() for name in ASSETS}


async def _read_json(request: Any) -> Any:
    """The request body as JSON, at most MAX_BODY_BYTES; `RequestError` otherwise."""
    from stickgen.generate.demo import RequestError

    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise RequestError(f"the request body is over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise RequestError(f"the request body is over {MAX_BODY_BYTES} bytes")
    try:  # ValueError: not UTF-8, not JSON, an integer of thousands of digits; RecursionError: nested deep
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise RequestError(f"the request body is not JSON: {str(exc)[:200]}") from None


class SecurityHeaders:
    """ASGI middleware: every response carries `SECURITY_HEADERS`."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(service: DemoService):
    """The ASGI app serving `service` (Starlette)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from stickgen.generate.demo import BusyError, DemoRequest, NotFoundError, RequestError, bvh_options

    assets = load_assets()

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    async def page(request):
        return Response(assets["index.html"], media_type=ASSETS["index.html"])

    async def static(request):
        name = request.path_params["name"]
        if name not in ASSETS or name == "index.html":  # a fixed table: the name never becomes a path
            return error(404, f"no asset {name!r}")
        return Response(assets[name], media_type=ASSETS[name])

    async def info(request):
        return JSONResponse(service.info())

    async def generate(request):
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":  # a form or text/plain needs no CORS preflight: any page could post
            return error(415, f"send the request as JSON (Content-Type: application/json), not {media!r}")
        try:
            req = DemoRequest.from_json(await _read_json(request), service.limits)
            result = await run_in_threadpool(service.generate, req)
        except RequestError as exc:
            return error(400, str(exc))
        except BusyError as exc:
            return JSONResponse({"error": str(exc)}, status_code=429, headers={"retry-after": "2"})
        return JSONResponse(await run_in_threadpool(service.to_json, result))

    async def download(request):
        try:
            options = bvh_options(dict(request.query_params)) if request.query_params else None
            data, media_type, filename = await run_in_threadpool(
                service.download, request.path_params["rid"], request.path_params["name"], options
            )
        except RequestError as exc:
            return error(400, str(exc))
        except NotFoundError as exc:
            return error(404, str(exc))
        return Response(
            data, media_type=media_type, headers={"content-disposition": f'attachment; filename="{filename}"'}
        )

    async def health(request):
        return PlainTextResponse("ok")

    async def http_error(request, exc: HTTPException):
        return error(exc.status_code, str(exc.detail))

    async def crash(request, exc: Exception):  # a bug: a 500 reply, the server carries on
        return error(500, f"internal error ({type(exc).__name__}); the server is still running")

    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/api/info", info),
        Route("/api/generate", generate, methods=["POST"]),
        Route("/api/results/{rid}/{name}", download),
        Route("/healthz", health),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: http_error, Exception: crash},
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one), IPv6 when the host is an IPv6 address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def start_message(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if is_loopback(host):
        return f"stickgen serve: {url} (bound to {host}: this machine only; --host 0.0.0.0 exposes it)"
    return (
        f"stickgen serve: {url} (bound to {host}: WARNING: reachable from the network, with no "
        "authentication; --host 127.0.0.1 keeps it on this machine)"
    )


def run_server(app, sock: socket.socket, log_level: str = "warning") -> None:
    """Serve `app` on the bound socket until interrupted (Ctrl-C)."""
    import asyncio

    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    asyncio.run(server.serve(sockets=[sock]))


def _serve_config(p) -> ServeConfig:
    from stickgen.generate.demo import DEFAULT_SERVE

    return p.serve if p is not None else DEFAULT_SERVE


def cmd_serve(args: argparse.Namespace) -> int:
    from stickgen.cli.generate import fail, load_generator
    from stickgen.entry import command_params
    from stickgen.generate.demo import DemoService
    from stickgen.model.diffusion import check_refinable

    try:
        p = command_params(args.params, required=False)
        cfg = _serve_config(p)
        host = args.host if args.host is not None else cfg.host
        port = args.port if args.port is not None else cfg.port
        if not 0 <= port <= 65535:
            raise ValueError(f"--port must be in 0..65535, got {port}")
        try:
            import starlette  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError:
            raise RuntimeError(
                "stickgen serve needs the optional packages starlette and uvicorn: "
                "pip install 'stickgen[serve]'"
            ) from None
        refiner_default = (
            args.diffusion if args.diffusion is not None else (p.diffusion.use_diffusion if p else False)
        )
        # the refiner is loaded whatever the default: each request may switch it on or off
        args.diffusion = True
        print(f"stickgen serve: loading {args.checkpoint} ...", file=sys.stderr, flush=True)
        generator = load_generator(args, p)
        if refiner_default:  # a default the model cannot serve is refused, not dropped
            check_refinable(generator.model.refiner_cfg)
        service = DemoService(generator, cfg, refiner_default)
    except (ValueError, OSError, RuntimeError) as exc:  # OSError: a missing or unreadable file
        return fail("serve", exc)
    try:
        sock = bind(host, port)
    except OSError as exc:
        return fail("serve", RuntimeError(f"cannot listen on {host}:{port}: {exc}"))
    bound_host, bound_port = sock.getsockname()[:2]
    print(start_message(bound_host, bound_port), flush=True)
    try:
        run_server(create_app(service), sock, args.log_level)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="the local web demo: type a prompt, watch it move, download it")
    s.add_argument("--checkpoint", type=Path, required=True, help="a .pth checkpoint or a published folder")
    s.add_argument("--host", default=None, help="address to bind (default: params serve.host, 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="port (default: params serve.port, 7860; 0: any)")
    s.add_argument(
        "--diffusion",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the refiner checkbox's default (default: params diffusion.use_diffusion; off without params)",
    )
    s.add_argument("--steps", type=int, default=None, help="refiner steps (default: params diffusion_steps)")
    s.add_argument(
        "--lock-feet",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="hold planted feet in place (default: params inference.lock_feet)",
    )
    s.add_argument(
        "--bf16",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="sample in bf16 where the device computes it natively (default: params inference.bf16)",
    )
    s.add_argument("--no-safety-check", action="store_true", help="skip the safety critic")
    s.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    s.add_argument("--params", type=Path, help="settings (default: params.yaml, if present)")
    s.add_argument(
        "--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug")
    )
    s.set_defaults(func=cmd_serve)
