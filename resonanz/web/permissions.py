"""Role checks for the web views: one decorator on top of the permission layer
(resonanz/workspaces/permissions.py), so a view states what it needs in one line."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import has_perm

ViewT = TypeVar("ViewT", bound=Callable[..., HttpResponse])


def load_agent(request: HttpRequest) -> Agent:
    agent = Agent.objects.select_related("workspace", "user").filter(user__pk=request.user.pk or 0).first()
    if agent is None:
        raise Http404("this login is not an agent of any workspace")
    return agent


def agent_of_request(request: HttpRequest) -> Agent:
    """The request's agent (CurrentAgentMiddleware loads it once); afterwards ``request.agent`` is the agent
    itself. Http404 for a login that is not an agent."""
    current = getattr(request, "agent", None)
    if isinstance(current, SimpleLazyObject):
        if current._wrapped is empty:  # type: ignore[attr-defined]
            current._setup()  # type: ignore[attr-defined]
        current = current._wrapped  # type: ignore[attr-defined]
    if not isinstance(current, Agent):
        current = load_agent(request)  # a request that did not pass the middleware (RequestFactory)
    request.agent = current  # type: ignore[attr-defined]
    return current


def requires(permission: str) -> Callable[[ViewT], ViewT]:
    """Login required; the login must be an agent (else 404) whose role has ``permission`` (else 403).
    The agent is on ``request.agent`` (set by CurrentAgentMiddleware; here made the agent itself)."""

    def decorator(view: ViewT) -> ViewT:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            agent = agent_of_request(request)
            if not has_perm(agent, permission):
                return render(
                    request,
                    "web/forbidden.html",
                    {"agent": agent, "message": _("Ihre Rolle darf das nicht."), "permission": permission},
                    status=403,
                )
            request.agent = agent  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
