"""Shared pieces for channel tests and the demo's fake platforms.

- `FakePlatformServer`: a small threaded HTTP server on 127.0.0.1 (random port by default) that a channel's
  ``fake_server.py`` subclasses to speak one platform's documented API. Tests start and stop it; the demo
  runs it with `resonanz fakeplatform <name>`. Faults are scripted per route (`fail_next`).
- `load_fixture` / `post_fixture`: post a fixture payload to the real webhook URL of a channel account,
  signed the way the platform signs it, so a test asserts exactly what was stored.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """Form fields or JSON fields, whichever the client sent (Graph takes both)."""
        if self.headers.get("content-type", "").startswith("application/json"):
            data = self.json()
            return {k: v if isinstance(v, str) else json.dumps(v) for k, v in (data or {}).items()}
        return {k: v[-1] for k, v in parse_qs(self.body.decode(errors="replace")).items()}


@dataclass
class FakeResponse:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Streaming: an iterator of raw chunks written one by one (X filtered stream).
    stream: Any = None
    # Fault: close the connection without answering (the platform may have acted).
    drop: bool = False


Handler = Callable[[FakeRequest], FakeResponse]


@dataclass
class Fault:
    """A scripted answer for the next ``times`` requests matching ``method`` and ``path_suffix``.

    ``after`` runs the real handler first and then answers with the fault (the platform acted, the client
    never heard back); ``hang_seconds`` holds the request open so the client times out."""

    method: str
    path_suffix: str
    response: FakeResponse
    times: int = 1
    after: bool = False
    hang_seconds: float = 0.0
    skip: int = 0  # let this many matching requests through first


class FakePlatformServer:
    """Subclasses implement `route(request) -> FakeResponse`. Thread-safe via ``self.lock``."""

    name = "fake"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lock = threading.RLock()
        self.requests: list[FakeRequest] = []
        self.faults: list[Fault] = []
        self._release = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = FakeRequest(
                    method=self.command,
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                response = server.dispatch(request)
                if response.drop:
                    self.close_connection = True
                    return
                self.send_response(response.status)
                for key, value in response.headers.items():
                    self.send_header(key, value)
                if response.stream is not None:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for chunk in response.stream:
                            data = chunk if isinstance(chunk, bytes) else chunk.encode()
                            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                            self.wfile.flush()
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                payload = b"" if response.body is None else json.dumps(response.body).encode()
                if response.body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = _handle

        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakePlatformServer:
        self._release.clear()
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-{self.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # let hanging requests finish
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakePlatformServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(
        self,
        method: str,
        path_suffix: str,
        status: int = 503,
        body: Any = None,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        after: bool = False,
        drop: bool = False,
        hang_seconds: float = 0.0,
        skip: int = 0,
    ) -> None:
        with self.lock:
            self.faults.append(
                Fault(
                    method,
                    path_suffix,
                    FakeResponse(status=status, body=body, headers=headers or {}, drop=drop),
                    times=times,
                    after=after,
                    hang_seconds=hang_seconds,
                    skip=skip,
                )
            )

    def dispatch(self, request: FakeRequest) -> FakeResponse:
        with self.lock:
            self.requests.append(request)
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.method == request.method and request.path.endswith(f.path_suffix) and f.times > 0
                ),
                None,
            )
            if fault is not None and fault.skip > 0:
                fault.skip -= 1
                fault = None
            elif fault is not None:
                fault.times -= 1
        if fault is not None:
            if fault.after:
                with self.lock:
                    self.route(request)
            if fault.hang_seconds:
                self._release.wait(fault.hang_seconds)
            return fault.response
        with self.lock:
            try:
                return self.route(request)
            except Exception as error:  # a bug in the fake answers 500, like a real platform would
                return FakeResponse(500, {"error": f"fake server error: {error}"})

    def route(self, request: FakeRequest) -> FakeResponse:
        raise NotImplementedError

    def calls(self, method: str, path_suffix: str) -> list[FakeRequest]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]


def load_fixture(channel: str, name: str) -> tuple[bytes, dict[str, str]]:
    """A fixture's raw body and its headers sidecar (``<name>.headers.json``) if there is one."""
    folder = Path(__file__).parent / channel / "fixtures"
    body = (folder / f"{name}.json").read_bytes()
    sidecar = folder / f"{name}.headers.json"
    headers = json.loads(sidecar.read_text()) if sidecar.exists() else {}
    return body, headers


def post_fixture(
    client: Any,
    account: Any,
    channel: str,
    name: str,
    *,
    sign: Callable[[str, bytes], dict[str, str]],
    body: bytes | None = None,
) -> Any:
    """POST a fixture to the account's real webhook URL, signed by ``sign(secret, body) -> headers``."""
    raw, headers = load_fixture(channel, name)
    raw = raw if body is None else body
    headers = {**headers, **sign(account.secret, raw)}
    return client.post(
        f"/api/channels/{account.pk}/events", data=raw, content_type="application/json", headers=headers
    )
