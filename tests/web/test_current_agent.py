"""CurrentAgentMiddleware sets request.agent (loaded once, on first use) and @requires checks the role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from resonanz.web.middleware import CurrentAgentMiddleware
from resonanz.web.permissions import agent_of_request, requires
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db


def _through(user) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user
    seen: list[HttpRequest] = []
    CurrentAgentMiddleware(lambda r: seen.append(r) or HttpResponse())(request)
    return seen[0]


def test_the_agent_is_loaded_on_first_use_and_then_kept(agent):
    request = _through(agent.user)
    with CaptureQueriesContext(connection) as nothing_yet:
        pass
    assert len(nothing_yet) == 0
    with CaptureQueriesContext(connection) as queries:
        first = agent_of_request(request)
        again = agent_of_request(request)
        assert request.agent.workspace.pk == agent.workspace_id  # type: ignore[attr-defined]
    assert first == again == agent
    assert type(request.agent) is Agent  # type: ignore[attr-defined]
    assert len(queries) == 1


def test_a_login_that_is_no_agent_is_not_found():
    user = User.objects.create_user("nur-admin", password="x")
    with pytest.raises(Http404):
        agent_of_request(_through(user))
    with pytest.raises(Http404):
        agent_of_request(_through(AnonymousUser()))


def test_requires_gives_the_view_the_agent_and_checks_the_role(agent, workspace):
    analyst = Agent.objects.create(
        workspace=workspace,
        user=User.objects.create_user("analytikerin", password="x"),
        display_name="Ana",
        role=Agent.Role.ANALYST,
    )

    @requires("conversations.update")
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(request.agent.display_name)  # type: ignore[attr-defined]

    allowed = _through(agent.user)
    assert view(allowed).content.decode() == agent.display_name
    refused = view(_through(analyst.user))
    assert refused.status_code == 403


def test_a_page_loads_the_agent_once(agent_client, agent):
    with CaptureQueriesContext(connection) as queries:
        assert agent_client.get("/").status_code == 200
    agent_loads = [q for q in queries.captured_queries if 'FROM "workspaces_agent" INNER JOIN' in q["sql"]]
    assert len(agent_loads) == 1, [q["sql"][:120] for q in agent_loads]


def test_anonymous_pages_go_to_the_login():
    response = Client().get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
