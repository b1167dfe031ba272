"""The pages Resonanz serves work under its Content Security Policy: nothing is blocked (issue 10 item 18)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.workspaces.models import Agent

from .pages import LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_pages_and_api_docs_run_without_policy_violations(page, live_server):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    workspace = WorkspaceFactory()
    agent = AgentFactory(workspace=workspace, role=Agent.Role.ADMIN)
    account = ChannelAccountFactory(workspace=workspace, config={"imitates": "x"})
    conversation = MessageFactory(conversation__channel_account=account, text="Kein Internet").conversation

    LoginPage(page, live_server.url).open().log_in(agent.user.username, PASSWORD)
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    expect(page.locator("#thread li.message")).to_have_count(1)
    page.select_option("#language", "en")  # the picker submits itself (a script from a file)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server.url}/dev/")
    page.goto(f"{live_server.url}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Resonanz API")

    assert violations == []
