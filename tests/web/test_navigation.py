"""The base layout's left navigation shows only the areas the agent's role may see, the current one marked."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from resonanz.testing.factories import PASSWORD, AgentFactory
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db

EVERYONE = ["inbox", "customers", "incidents", "knowledge", "notifications"]


def areas(html: str) -> list[str]:
    nav = re.search(r'<nav class="mainnav sidenav".*?</nav>', html, re.S)
    assert nav, "the page has the left navigation"
    return re.findall(r'data-area="(\w+)"', nav.group(0))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Agent.Role.AGENT, EVERYONE),
        (Agent.Role.ANALYST, EVERYONE),
        (Agent.Role.MODERATOR, [*EVERYONE[:4], "community", "notifications"]),
        (Agent.Role.LEAD, [*EVERYONE[:4], "community", "notifications", "team"]),
        (Agent.Role.ADMIN, [*EVERYONE[:4], "community", "notifications", "team", "settings", "dev"]),
    ],
)
def test_each_role_sees_its_areas(workspace, role, expected):
    agent = AgentFactory(workspace=workspace, role=role)
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    assert areas(client.get("/").content.decode()) == expected


def test_the_current_area_and_inbox_view_are_marked(agent_client):
    html = agent_client.get("/customers/").content.decode()
    assert re.search(r'href="/customers/" data-area="customers" class="active" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
    inbox = agent_client.get("/?status=open&view=mine").content.decode()
    assert re.search(r'href="/\?status=open&amp;view=mine" class="active" aria-current="page"', inbox)


def test_partials_and_the_login_page_have_no_navigation(agent_client):
    assert "sidenav" not in agent_client.get("/", headers={"HX-Request": "true"}).content.decode()
    assert "sidenav" not in Client().get("/login/").content.decode()
