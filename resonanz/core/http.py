"""Every outbound HTTP call the server makes (feeds, X, Facebook) goes through here (decision 0562).

- **One pooled client per process** (`shared_client`): keep-alive connections are reused across calls and
  threads, with explicit timeouts and limits; it is closed at exit and made anew in a forked child.
- **The outbound guard**: the connection layer resolves each host itself, refuses it if any of its
  addresses is loopback, private, link-local, multicast, reserved or otherwise not public, and connects to
  exactly the address it checked (no second lookup for a rebinding DNS server to answer differently). So
  every connection is checked, every redirect hop included. An operator allows internal targets with
  ``RESONANZ_OUTBOUND_ALLOW_PRIVATE=1`` or names them in ``RESONANZ_OUTBOUND_ALLOWED_HOSTS`` (host names,
  addresses or networks: ``127.0.0.1,10.0.0.0/8,intranet.example``).
- **Bounded fetches** (`request`): a total time limit per call (httpx's timeouts bound each read, not a
  server that drips one byte every few seconds), a response size cap, redirects followed here hop by hop
  (http and https only, at most five), and a connection that never reached the server retried with
  tenacity for idempotent methods.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpcore
import httpx
from django.conf import settings
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from resonanz import __version__

USER_AGENT = f"Resonanz/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_TOTAL_SECONDS = 30.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=8, keepalive_expiry=30.0)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONNECT_ATTEMPTS = 3
# Seconds between connection attempts (exponential up to the maximum); tests set the multiplier to 0.
retry_wait_multiplier = 0.25

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundError(Exception):
    """An outbound call we refused or cut short; ``permanent`` when trying again cannot help."""

    permanent = True


class OutboundRefused(OutboundError):
    """The target resolves to an address the operator has not allowed (loopback, private, link-local…)."""


class ResponseTooLarge(OutboundError):
    """The answer is larger than the cap for this call."""


class DeadlineExceeded(OutboundError):
    """The call took longer than its total time limit."""

    permanent = False


# --- the guard ----------------------------------------------------------------------------------------------
def _allowed_entries() -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in getattr(settings, "OUTBOUND_ALLOWED_HOSTS", []) or []:
        entry = str(entry).strip().lower().strip("[]")
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return frozenset(names), tuple(networks)


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # drop an IPv6 zone
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise httpcore.ConnectError(f"cannot resolve {host}: no address")
    return addresses


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for ``host``: resolved once, every answer checked. Raises OutboundRefused
    when one of them is not public and not allowed."""
    addresses = _resolve(host, port)
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE", False):
        return [str(address) for address in addresses]
    names, networks = _allowed_entries()
    name_allowed = host.lower().rstrip(".").strip("[]") in names
    for address in addresses:
        if _is_public(address) or name_allowed or any(address in network for network in networks):
            continue
        raise OutboundRefused(
            f"{host} resolves to {address}, a non-public address: outbound calls there are refused "
            "(allow it with RESONANZ_OUTBOUND_ALLOWED_HOSTS or RESONANZ_OUTBOUND_ALLOW_PRIVATE=1)"
        )
    return [str(address) for address in addresses]


class _GuardedBackend(httpcore.SyncBackend):
    """Connects to a checked address (each in turn, as a browser falls back from IPv6 to IPv4); TLS still
    verifies the certificate for the host name."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in checked_addresses(host, port):
            try:
                return super().connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # checked_addresses returns at least one address
        raise failure


def _transport() -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(limits=LIMITS)
    # httpx's transport takes no network backend: its pool is replaced by the same pool with ours.
    # `test_http.py` proves the guard is in place, so an httpx upgrade that changes this fails loudly.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=LIMITS.max_connections,
        max_keepalive_connections=LIMITS.max_keepalive_connections,
        keepalive_expiry=LIMITS.keepalive_expiry,
        http1=True,
        http2=False,
        network_backend=_GuardedBackend(),
    )
    return transport


# --- the shared client --------------------------------------------------------------------------------------
_lock = threading.Lock()
_client: httpx.Client | None = None
_client_pid = 0


def shared_client() -> httpx.Client:
    """The process's one pooled client (thread-safe; a forked child makes its own)."""
    global _client, _client_pid
    with _lock:
        if _client is None or _client.is_closed or _client_pid != os.getpid():
            _client = httpx.Client(
                transport=_transport(),
                timeout=DEFAULT_TIMEOUT,
                follow_redirects=False,
                trust_env=False,  # a proxy from the environment would bypass the guard
                headers={"User-Agent": USER_AGENT},
            )
            _client_pid = os.getpid()
        return _client


def close_shared_client() -> None:
    global _client
    with _lock:
        if _client is not None and _client_pid == os.getpid():
            _client.close()
        _client = None


atexit.register(close_shared_client)


# --- bounded calls ------------------------------------------------------------------------------------------
def _next_hop(response: httpx.Response, method: str) -> tuple[httpx.URL, str] | None:
    if response.status_code not in REDIRECT_STATUSES or "location" not in response.headers:
        return None
    target = response.url.join(response.headers["location"])
    if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
        method = "GET"
    return target, method


def _read_capped(response: httpx.Response, *, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"answer from {response.url.host} is {declared} bytes, more than {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"answer from {response.url.host} is larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise DeadlineExceeded(f"answer from {response.url.host} took too long")
        chunks.append(chunk)
    return b"".join(chunks)


def _send_once(client: httpx.Client, request: httpx.Request, deadline: float) -> httpx.Response:
    if time.monotonic() > deadline:
        raise DeadlineExceeded(f"no answer from {request.url.host} in time")
    attempts = CONNECT_ATTEMPTS if request.method in IDEMPOTENT_METHODS else 1
    for attempt in Retrying(
        # Only connections that never reached the server: the request was not seen, a retry is safe.
        retry=retry_if_exception_type((httpx.ConnectError, httpx.ConnectTimeout)),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=retry_wait_multiplier, max=2.0),
        reraise=True,
    ):
        with attempt:
            return client.send(request, stream=True)
    raise AssertionError("unreachable")  # pragma: no cover - Retrying re-raises the last error


def request(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout | float | None = None,
    total_seconds: float = DEFAULT_TOTAL_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    follow_redirects: bool = False,
) -> httpx.Response:
    """One call on the shared client, read whole: at most ``total_seconds`` and ``max_bytes``, redirects
    (if asked for) followed hop by hop, every hop's target checked by the guard. Raises httpx errors for
    network failures and `OutboundError`s for what we refused."""
    client = shared_client()
    deadline = time.monotonic() + total_seconds
    target = httpx.URL(url)
    for _hop in range(MAX_REDIRECTS + 1):
        if target.scheme not in ("http", "https"):
            raise OutboundRefused(f"only http and https are fetched, not {target.scheme!r}")
        built = client.build_request(
            method,
            target,
            params=params,
            json=json,
            headers=headers,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        )
        response = _send_once(client, built, deadline)
        try:
            hop = _next_hop(response, method) if follow_redirects else None
            if hop is None:
                body = _read_capped(response, max_bytes=max_bytes, deadline=deadline)
                kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _BODY_HEADERS]
                return httpx.Response(
                    response.status_code,
                    headers=kept,
                    content=body,
                    request=response.request,
                    extensions={"reason_phrase": response.reason_phrase.encode("ascii", "replace")},
                )
        finally:
            response.close()
        target, method = hop
        params, json = None, (json if method != "GET" else None)
    raise OutboundRefused(f"more than {MAX_REDIRECTS} redirects from {url}")


# The body handed back is already decoded and whole.
_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
