"""Role checks for the web views: one decorator on top of the permission layer
(resonanz/workspaces/permissions.py), so a view states what it needs in one line."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import has_perm

ViewT = TypeVar("ViewT", bound=Callable[..., HttpResponse])


def agent_of_request(request: HttpRequest) -> Agent:
    agent = Agent.objects.select_related("workspace", "user").filter(user__pk=request.user.pk or 0).first()
    if agent is None:
        raise Http404("this login is not an agent of any workspace")
    return agent


def requires(permission: str) -> Callable[[ViewT], ViewT]:
    """Login required; the login must be an agent (else 404) whose role has ``permission`` (else 403).
    The agent is on ``request.agent``."""

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
