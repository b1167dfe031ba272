"""A local feed server on 127.0.0.1: serves fixture feeds with ETag and Last-Modified, answers 304 on a
matching If-None-Match / If-Modified-Since, and records every request."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Resource:
    body: bytes
    etag: str = ""
    last_modified: str = ""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    hang: bool = False  # never answer (until the server stops): for timeout tests
    drip: bool = False  # answer one byte every 50 ms, never finishing (until the server stops)
    location: str = ""  # with a 3xx status: where the feed moved


class FeedServer:
    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append({"path": self.path, "headers": dict(self.headers)})
                resource = server.resources.get(self.path)
                if resource is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if resource.hang:
                    server.release.wait(30)
                    return
                if resource.drip:
                    self.send_response(200)
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    while not server.release.wait(0.05):
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                if resource.location:
                    self.send_response(resource.status)
                    self.send_header("Location", resource.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if resource.status == 200 and (
                    (resource.etag and self.headers.get("If-None-Match") == resource.etag)
                    or (
                        not self.headers.get("If-None-Match")
                        and resource.last_modified
                        and self.headers.get("If-Modified-Since") == resource.last_modified
                    )
                ):
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(resource.status)
                self.send_header("Content-Type", resource.content_type)
                self.send_header("Content-Length", str(len(resource.body)))
                if resource.etag:
                    self.send_header("ETag", resource.etag)
                if resource.last_modified:
                    self.send_header("Last-Modified", resource.last_modified)
                self.end_headers()
                self.wfile.write(resource.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)
