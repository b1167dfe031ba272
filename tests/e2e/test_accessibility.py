"""Issue 13 item 7: axe-core (vendored in tests/e2e/vendor/, never served to users) finds no serious or
critical violation on the inbox, a conversation, a customer page and the settings pages, in German and in
English."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.understanding.models import Annotation
from resonanz.workspaces.models import Agent

from .pages import LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}

SETTINGS_PAGES = [
    "/settings/",
    "/settings/channels/",
    "/settings/agents/",
    "/settings/tokens/",
    "/settings/workspace/",
    "/settings/routing/",
    "/settings/topics/",
    "/settings/macros/",
    "/settings/sla/",
    "/settings/audit/",
    "/team/",
]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; the serious and critical violations, each with its nodes."""
    # The panes htmx loads after the page (the bell, the incident banner) are in; none is loading. Not
    # "networkidle": a page that polls (a delivery under way, the live inbox) may never be idle for long.
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request')"
        " && (!document.getElementById('bell') || document.querySelector('#bell [data-unread]'))"
    )
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => ({violations: r.violations}))"
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["html"][:160] for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.fixture
def page(browser):
    """Like conftest's page, but the Content Security Policy lets the injected axe script run: the policy
    (script-src 'self') would refuse Playwright's inline script tag. The policy itself is tested in
    test_content_security_policy.py."""
    context = browser.new_context(locale="de-DE", viewport={"width": 1440, "height": 900}, bypass_csp=True)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def world() -> dict[str, Any]:
    workspace = WorkspaceFactory()
    account = ChannelAccountFactory(workspace=workspace, name="Netzwelt auf X")
    customer = CustomerFactory(workspace=workspace, display_name="Erika Muster", city="Köln", is_vip=True)
    identity = IdentityFactory(customer=customer, handle="erika_koeln")
    conversation = ConversationFactory(
        channel_account=account, customer=customer, subject="Internet weg", is_public=True
    )
    message = MessageFactory(
        conversation=conversation,
        text="Seit heute früh kein Internet in 50667 Köln, Router blinkt rot.",
        visibility="public",
        author_identity=identity,
    )
    for annotator, label in (("sentiment", "negative"), ("language", "de"), ("topic", "stoerung")):
        Annotation.objects.create(message=message, annotator=annotator, version="1", label=label)
    admin = AgentFactory(
        workspace=workspace, role=Agent.Role.ADMIN, display_name="Jana Wöhler", initials="JW"
    )
    AgentFactory(workspace=workspace, display_name="Ben Otto", initials="BO")
    return {"admin": admin, "conversation": conversation, "customer": customer}


def _switch_to(page: Page, language: str) -> None:
    page.select_option("#language", language)
    page.wait_for_function(f"document.documentElement.lang === '{language}'")


@pytest.mark.slow
@pytest.mark.parametrize("language", ["de", "en"])
def test_no_serious_or_critical_violations_on_the_agent_pages(page, live_server, world, language):
    base = live_server.url
    LoginPage(page, base).open().log_in(world["admin"].user.username, PASSWORD)
    _switch_to(page, language)
    paths = [
        "/",
        f"/conversations/{world['conversation'].pk}/",
        "/customers/",
        f"/customers/{world['customer'].pk}/",
        "/notifications/",
        *SETTINGS_PAGES,
        f"/settings/agents/{world['admin'].pk}/",
    ]
    found: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        page.goto(base + path)
        assert page.evaluate("document.documentElement.lang") == language, path
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_login_page_has_no_serious_or_critical_violations(page, live_server):
    page.goto(live_server.url + "/login/")
    assert axe_violations(page) == []


def test_the_check_finds_a_violation_when_there_is_one(page, live_server):
    """The check can fail: an image without a text alternative and a button without a name are caught."""
    page.goto(live_server.url + "/login/")
    page.evaluate(
        "() => { const b = document.createElement('button'); document.querySelector('main').append(b); }"
    )
    ids = {violation["id"] for violation in axe_violations(page)}
    assert "button-name" in ids
