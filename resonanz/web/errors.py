"""The project's errors as 4xx answers, in one place.

Actions raise `resonanz.core.errors` exceptions; a web view does not catch them one by one. Each class has
its status here (`status_for`): NotFound 404, InvalidInput 400 (the status the UI has always answered a
refused input with; htmx swaps 400 and 422 alike), Conflict 409, PermissionDenied and ChannelDisabled 403,
NotAuthenticated 401. How the error is shown:

- an htmx request gets `web/_error.html` with the action's own message, retargeted to the page's
  `#errors` area (`error_partial`);
- a form post gets the page it came from again, with the message, when the view says which page that is
  (`@refusals(page=...)`); otherwise the error page `web/error.html`.

`HtmxErrorsMiddleware.process_exception` (web/middleware.py) applies this to every view, so an error no
view expected still becomes its 4xx and a message, never a 500 or a whole page inside a pane.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from resonanz.core.errors import (
    ChannelDisabled,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ResonanzError,
)

ViewT = TypeVar("ViewT", bound=Callable[..., HttpResponse])
# page(request, message, status, **the view's keyword arguments): the page the form was on, with the reason.
PageT = Callable[..., HttpResponse]

STATUS: dict[type[ResonanzError], int] = {
    NotFound: 404,
    InvalidInput: 400,
    Conflict: 409,
    ChannelDisabled: 403,
    PermissionDenied: 403,
    NotAuthenticated: 401,
}


def status_for(error: ResonanzError, overrides: Mapping[type[ResonanzError], int] | None = None) -> int:
    for kind in type(error).__mro__:
        if overrides and kind in overrides:
            return overrides[kind]
        if kind in STATUS:
            return STATUS[kind]
    return error.status_code


def mark_partial(response: HttpResponse) -> HttpResponse:
    """This error response is a partial made for the request's own target: the middleware leaves it."""
    response.resonanz_partial = True  # type: ignore[attr-defined]
    return response


def error_partial(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """The message in the page's #errors area (htmx)."""
    html = render_to_string("web/_error.html", {"message": message}, request)
    response = HttpResponse(html, status=status)
    response["HX-Retarget"] = "#errors"
    response["HX-Reswap"] = "innerHTML"
    return mark_partial(response)


def error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    from resonanz.web.permissions import agent_of_request

    agent = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        with contextlib.suppress(Http404):
            agent = agent_of_request(request)
    return render(request, "web/error.html", {"message": message, "agent": agent}, status=status)


def error_response(
    request: HttpRequest,
    error: ResonanzError,
    *,
    page: PageT | None = None,
    view_kwargs: Mapping[str, Any] | None = None,
    overrides: Mapping[type[ResonanzError], int] | None = None,
) -> HttpResponse:
    status = status_for(error, overrides)
    if request.headers.get("HX-Request") == "true":
        return error_partial(request, error.message, status)
    if page is not None:
        return page(request, error.message, status, **(view_kwargs or {}))
    return error_page(request, error.message, status)


def refusals(
    page: PageT | None = None, *, overrides: Mapping[type[ResonanzError], int] | None = None
) -> Callable[[ViewT], ViewT]:
    """A view whose action refuses (any ResonanzError) answers with the error's status and message:
    htmx in #errors, a form post on ``page`` (called with the request, the message, the status and the
    view's keyword arguments). ``overrides`` changes a status for this view (for example a NotFound of the
    chosen source customer is a refused input, 400, not a missing page)."""

    def decorator(view: ViewT) -> ViewT:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except ResonanzError as error:
                return error_response(request, error, page=page, view_kwargs=kwargs, overrides=overrides)

        return wrapped  # type: ignore[return-value]

    return decorator
