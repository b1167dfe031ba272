"""htmx requests that fail get an error an agent can see.

htmx swaps only 2xx answers by default, so a refused reply or status change used to fail silently. The
agent UI's script (static/web/app.js) lets htmx swap 400, 403, 404, 409 and 422 answers; views that render
their own error into their partial (the composer's "a reply needs text") mark the response with
`mark_partial`. Every other such answer to an htmx request (a 404 for a conversation merged away meanwhile,
the CSRF 403 of an expired session, a 409 conflict) is replaced here by `web/_error.html` and retargeted to
the page's `#errors` area, so it never lands as a whole error page inside a pane. A request whose session
has expired is sent to the login page as a whole (`HX-Redirect`), not swapped into a pane. A project error
(`resonanz.core.errors`) that leaves a view becomes its 4xx here too (resonanz/web/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from resonanz.core.errors import ResonanzError
from resonanz.web.errors import error_response, mark_partial

SWAPPED_ERRORS = (400, 403, 404, 409, 422)
__all__ = ["SWAPPED_ERRORS", "HtmxErrorsMiddleware", "mark_partial"]


def _message(status: int) -> str:
    if status == 403:
        return _("Keine Berechtigung – vielleicht ist die Sitzung abgelaufen. Bitte die Seite neu laden.")
    if status == 404:
        return _(
            "Das wurde nicht (mehr) gefunden – vielleicht hat es jemand inzwischen geändert. Bitte die Seite neu laden."
        )
    if status == 409:
        return _("Jemand anderes hat das inzwischen geändert. Bitte die Seite neu laden.")
    return _("Die Eingabe wurde nicht angenommen.")


class HtmxErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.headers.get("HX-Request") == "true"
            and response.status_code == 302
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            # The session expired: the login page must not be swapped into a pane; the browser goes there.
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        if (
            request.headers.get("HX-Request") != "true"
            or response.status_code not in SWAPPED_ERRORS
            or getattr(response, "resonanz_partial", False)
        ):
            return response
        html = render_to_string("web/_error.html", {"message": _message(response.status_code)}, request)
        replaced = HttpResponse(html, status=response.status_code)
        replaced["HX-Retarget"] = "#errors"
        replaced["HX-Reswap"] = "innerHTML"
        return replaced

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """An action's error that no view caught: its 4xx, with its message (never a 500)."""
        if isinstance(exception, ResonanzError):
            return error_response(request, exception)
        return None


class CurrentAgentMiddleware:
    """Sets ``request.agent``: the signed-in login's agent, loaded on first use (one query, then kept), so a
    request that never asks (static files, the API with a token) costs nothing. Using it for a login that
    is not an agent raises Http404, as the pages always answered. Views behind ``@requires`` get the agent
    itself (web/permissions.py), not the lazy wrapper. After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from resonanz.web.permissions import load_agent

        request.agent = SimpleLazyObject(lambda: load_agent(request))  # type: ignore[attr-defined]
        return self.get_response(request)
