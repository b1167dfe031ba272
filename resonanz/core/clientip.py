"""The address of the client behind a request, for rate limits and login throttling.

`REMOTE_ADDR` is the peer of the TCP connection: behind a reverse proxy that is the proxy, and every
visitor would share one address. A proxy header (``X-Forwarded-For``, ``X-Real-IP``…) is read only when the
operator names it in ``RESONANZ_TRUSTED_PROXY_HEADER``: anyone can send such a header, so trusting it
without a proxy in front lets an outsider pick a new address for each request.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(text: str) -> str | None:
    candidate = text.strip()
    if candidate.startswith("[") and "]" in candidate:  # "[2001:db8::1]:443"
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # "192.0.2.1:443"
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: from the trusted proxy header if configured and readable, else REMOTE_ADDR;
    "" when the request has none (a request built in code, e.g. the test client's login).

    With several proxies in a row (``RESONANZ_TRUSTED_PROXY_COUNT``), the client is that many entries from
    the right of a comma-separated header: entries further left were written by the client itself."""
    remote = _address(str(request.META.get("REMOTE_ADDR") or "")) or ""
    header = str(getattr(settings, "TRUSTED_PROXY_HEADER", "") or "")
    if not header:
        return remote
    value = request.headers.get(header)
    if not value:
        return remote
    entries = [part for part in value.split(",") if part.strip()]
    count = max(1, int(getattr(settings, "TRUSTED_PROXY_COUNT", 1) or 1))
    if not entries:
        return remote
    return _address(entries[max(0, len(entries) - count)]) or remote
