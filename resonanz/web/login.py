"""Login throttling (django-axes): the authentication backend and the page a locked-out login sees."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from resonanz.core.clientip import client_ip


class ThrottledLoginBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """Counts failed logins of web requests (/login/, /admin/) per account and per client address and
    refuses a locked login before its password is hashed. A login without a request (the test client, a
    shell) is not a guess from outside: it passes on to the next backend unthrottled."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def client_ip_or_none(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client address, None when unknown (axes stores it in an IP column)."""
    return client_ip(request) or None


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page again (for /admin/ too), saying why and for how long (429 Too Many Requests)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"locked_out": True, "lockout_minutes": minutes, "next": request.GET.get("next", "")}
    return render(request, "web/login.html", context, status=429)
