"""The outbound HTTP layer: one pooled client, the guard against internal targets (every hop), and bounded
fetches (total time, size, redirects). Servers are real sockets on loopback, started by the tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from resonanz.core import http

Handler = Callable[[BaseHTTPRequestHandler], None]


class LoopbackServer:
    """HTTP/1.1 with keep-alive on 127.0.0.1; records each request with the client port it came from."""

    def __init__(self, handle: Handler) -> None:
        seen: list[tuple[str, int]] = []
        self.seen = seen

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                seen.append((self.path, self.client_address[1]))
                handle(self)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(request: BaseHTTPRequestHandler, status: int = 200, body: bytes = b"ok", **headers: str) -> None:
    request.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **headers}.items():
        request.send_header(name.replace("_", "-"), value)
    request.end_headers()
    request.wfile.write(body)


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], LoopbackServer]]:
    servers: list[LoopbackServer] = []

    def start(handle: Handler) -> LoopbackServer:
        servers.append(LoopbackServer(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
    http.close_shared_client()


@pytest.fixture
def guarded(settings):
    """The production default: no internal target allowed."""
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_HOSTS = []
    return settings


# --- the guard ----------------------------------------------------------------------------------------------
def test_loopback_is_refused_and_never_contacted(serve, guarded):
    server = serve(answer)
    with pytest.raises(http.OutboundRefused, match=r"127\.0\.0\.1"):
        http.request("GET", server.url("/secret"))
    assert server.seen == []


def test_a_name_is_checked_after_resolving_it(serve, guarded):
    server = serve(answer)
    with pytest.raises(http.OutboundRefused, match="localhost resolves to"):
        http.request("GET", server.url("/secret", host="localhost"))
    assert server.seen == []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "224.0.0.1",
    ],
)
def test_internal_addresses_are_refused(guarded, host):
    with pytest.raises(http.OutboundRefused):
        http.checked_addresses(host, 80)


def test_public_addresses_pass(guarded):
    assert http.checked_addresses("93.184.215.14", 443) == ["93.184.215.14"]
    assert http.checked_addresses("2606:4700::1", 443) == ["2606:4700::1"]


def test_an_operator_allows_hosts_addresses_and_networks(serve, guarded):
    server = serve(answer)
    guarded.OUTBOUND_ALLOWED_HOSTS = ["10.0.0.0/8", "127.0.0.1"]
    assert http.checked_addresses("10.9.8.7", 80) == ["10.9.8.7"]
    assert http.request("GET", server.url("/")).text == "ok"
    with pytest.raises(http.OutboundRefused):
        http.checked_addresses("192.168.1.1", 80)
    guarded.OUTBOUND_ALLOWED_HOSTS = []
    guarded.OUTBOUND_ALLOW_PRIVATE = True
    assert http.checked_addresses("192.168.1.1", 80) == ["192.168.1.1"]


def test_every_redirect_hop_is_checked(serve, guarded):
    # The first hop is allowed by name; it redirects to an address that is not allowed.
    server = serve(
        lambda r: (
            answer(r, 302, b"", Location=f"http://127.0.0.1:{r.server.server_address[1]}/secret")
            if r.path == "/start"
            else answer(r, 200, b"secret")
        )
    )
    guarded.OUTBOUND_ALLOWED_HOSTS = ["localhost"]
    with pytest.raises(http.OutboundRefused, match=r"127\.0\.0\.1"):
        http.request("GET", server.url("/start", host="localhost"), follow_redirects=True)
    assert [path for path, _ in server.seen] == ["/start"]


def test_redirects_are_followed_only_when_asked_and_only_to_http(serve, settings):
    server = serve(
        lambda r: (
            answer(r, 301, b"", Location="/feed")
            if r.path == "/old"
            else answer(r, 302, b"", Location="file:///etc/passwd")
            if r.path == "/evil"
            else answer(r, 200, b"<rss/>")
        )
    )
    assert http.request("GET", server.url("/old")).status_code == 301
    followed = http.request("GET", server.url("/old"), follow_redirects=True)
    assert (followed.status_code, followed.content, followed.url.path) == (200, b"<rss/>", "/feed")
    with pytest.raises(http.OutboundRefused, match="file"):
        http.request("GET", server.url("/evil"), follow_redirects=True)


def test_a_redirect_loop_ends(serve, settings):
    server = serve(lambda r: answer(r, 302, b"", Location="/again"))
    with pytest.raises(http.OutboundRefused, match="redirects"):
        http.request("GET", server.url("/again"), follow_redirects=True)
    assert len(server.seen) == http.MAX_REDIRECTS + 1


# --- bounded fetches ----------------------------------------------------------------------------------------
def test_an_answer_larger_than_the_cap_is_refused_declared_or_not(serve, settings):
    def big(request: BaseHTTPRequestHandler) -> None:
        if request.path == "/declared":
            answer(request, 200, b"x" * 5000)
            return
        request.send_response(200)
        request.send_header("Transfer-Encoding", "chunked")
        request.end_headers()
        for _ in range(5):
            request.wfile.write(b"3e8\r\n" + b"x" * 1000 + b"\r\n")
        request.wfile.write(b"0\r\n\r\n")

    server = serve(big)
    with pytest.raises(http.ResponseTooLarge):
        http.request("GET", server.url("/declared"), max_bytes=4096)
    with pytest.raises(http.ResponseTooLarge):
        http.request("GET", server.url("/chunked"), max_bytes=4096)
    assert len(http.request("GET", server.url("/chunked"), max_bytes=5000).content) == 5000


def test_a_server_that_drips_bytes_is_cut_at_the_total_time_limit(serve, settings):
    stop = threading.Event()

    def drip(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Length", "100000")
        request.end_headers()
        while not stop.is_set():  # one byte well within the read timeout, forever
            try:
                request.wfile.write(b"x")
                request.wfile.flush()
            except OSError:
                return
            stop.wait(0.05)

    server = serve(drip)
    started = time.monotonic()
    try:
        with pytest.raises(http.DeadlineExceeded):
            http.request("GET", server.url("/slow"), total_seconds=0.5, timeout=5.0)
    finally:
        stop.set()
    assert time.monotonic() - started < 3.0


# --- one pooled client --------------------------------------------------------------------------------------
def test_one_client_per_process_reused_across_threads_and_made_anew_after_closing():
    first = http.shared_client()
    seen: list[httpx.Client] = []
    threads = [threading.Thread(target=lambda: seen.append(http.shared_client())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(client is first for client in seen)
    http.close_shared_client()
    assert first.is_closed
    assert http.shared_client() is not first


def test_calls_reuse_one_connection(serve, settings):
    server = serve(answer)
    for _ in range(3):
        assert http.request("GET", server.url("/")).status_code == 200
    assert len({port for _, port in server.seen}) == 1


def test_a_connection_that_never_reached_the_server_is_retried_for_reads_only(settings, monkeypatch):
    http.close_shared_client()
    probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_port = probe.server_address[1]
    probe.server_close()  # nothing listens there now
    attempts: list[str] = []
    real = http.checked_addresses

    def counting(host: str, port: int) -> list[str]:
        attempts.append(host)
        return real(host, port)

    monkeypatch.setattr(http, "checked_addresses", counting)
    monkeypatch.setattr(http, "retry_wait_multiplier", 0)
    with pytest.raises(httpx.ConnectError):
        http.request("GET", f"http://127.0.0.1:{closed_port}/")
    assert len(attempts) == http.CONNECT_ATTEMPTS
    attempts.clear()
    with pytest.raises(httpx.ConnectError):
        http.request("POST", f"http://127.0.0.1:{closed_port}/", json={})
    assert len(attempts) == 1


# --- the platform clients go through it ---------------------------------------------------------------------
def json_answer(request: BaseHTTPRequestHandler) -> None:
    answer(request, 200, b'{"data": {"id": "1", "username": "anna"}}', Content_Type="application/json")


def test_x_client_calls_share_one_connection_and_are_guarded(serve, settings):
    from resonanz.channels.x.client import XApiError, XClient

    server = serve(json_answer)
    client = XClient(server.url(""), "token")
    for _ in range(3):
        client.user_by_username("anna")
    assert len(server.seen) == 3
    assert len({port for _, port in server.seen}) == 1
    settings.OUTBOUND_ALLOWED_HOSTS = []
    http.close_shared_client()  # settings are read when a connection opens: a restart, as in production
    with pytest.raises(XApiError, match="non-public address"):
        client.user_by_username("anna")
    assert len(server.seen) == 3


def test_facebook_client_calls_share_one_connection_and_are_guarded(serve, settings):
    from resonanz.channels.facebook.client import GraphClient, GraphError

    server = serve(json_answer)
    client = GraphClient(server.url("/v21.0"), "page-token")
    for _ in range(3):
        client.comments("123_456")
    assert len(server.seen) == 3
    assert len({port for _, port in server.seen}) == 1
    settings.OUTBOUND_ALLOWED_HOSTS = []
    http.close_shared_client()
    with pytest.raises(GraphError, match="non-public address") as refused:
        client.comments("123_456")
    assert refused.value.transient is False
    assert len(server.seen) == 3
