"""The app channel's widget in a real browser (kept with the other browser tests for their shared Chromium): the demo page from a live server, a customer writes, an agent answers,
the customer sees the answer; then a problem report through the form."""

from __future__ import annotations

import os
from typing import Any

import pytest

from resonanz.channels.replies import do_send_reply
from resonanz.conversations.models import Conversation, Message
from resonanz.testing.factories import AgentFactory, ChannelAccountFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(page: Any) -> Any:
    """The shared browser's page (tests/e2e/conftest.py); the first message loads the understanding models
    in the server (seconds on a busy machine), so actions and assertions wait 15 s here."""
    from playwright.sync_api import expect

    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    return page


def test_customer_chats_and_reports_a_problem_in_the_widget(live_server, page, workspace):
    from playwright.sync_api import expect

    account = ChannelAccountFactory(
        workspace=workspace, kind="app", name="Netzwelt App", is_public=False, config={}
    )
    agent: Any = AgentFactory(workspace=workspace, display_name="Mia Kramer", initials="MK")

    page.goto(f"{live_server.url}/widget-demo/?account={account.pk}")
    page.locator(".rz-launcher").click()
    page.locator(".rz-compose textarea").fill("Mein Router blinkt rot <b>seit heute</b>.")
    page.locator(".rz-compose .rz-send").click()

    expect(page.locator(".rz-message.rz-in .rz-text")).to_have_text(
        "Mein Router blinkt rot <b>seit heute</b>."
    )
    message = Message.objects.get()
    assert message.author_identity is not None
    assert (message.text, message.direction, message.author_identity.kind) == (
        "Mein Router blinkt rot <b>seit heute</b>.",
        "in",
        "app",
    )

    do_send_reply(agent, Conversation.objects.get(), "Wir prüfen die Leitung, Mia.")
    reply = page.locator(".rz-message.rz-out")
    expect(reply.locator(".rz-text")).to_have_text("Wir prüfen die Leitung, Mia.")
    expect(reply.locator(".rz-meta")).to_contain_text("Mia")

    page.get_by_role("tab", name="Problem melden").click()
    form = page.locator(".rz-view-problem")
    form.locator("select[name=category]").select_option("tv")
    form.locator("textarea[name=description]").fill("Kein Bild auf allen Sendern.")
    form.locator("input[name=postal_code]").fill("50667")
    form.get_by_role("button", name="Absenden").click()

    expect(page.locator(".rz-status")).to_have_text("Danke! Ihre Meldung ist bei uns angekommen.")
    expect(page.locator(".rz-message.rz-in .rz-text").last).to_have_text(
        "Problemmeldung – Fernsehen: Kein Bild auf allen Sendern.\nPLZ: 50667"
    )
    report = Message.objects.get(extra__app__type="problem_report")
    assert report.extra["app"]["postal_code"] == "50667"
    if os.environ.get("RESONANZ_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["RESONANZ_SCREENSHOTS"], "app-widget.png"))


def test_signed_in_customer_requests_an_address_change_and_sees_it_confirmed(
    live_server, page, workspace, settings
):
    from playwright.sync_api import expect

    from resonanz.channels.app.actions import do_confirm_address_change
    from resonanz.customers.models import Customer

    settings.DEBUG = True  # the demo page signs a demo user token only in DEBUG
    account = ChannelAccountFactory(
        workspace=workspace, kind="app", name="Netzwelt App", is_public=False, config={}
    )
    agent: Any = AgentFactory(workspace=workspace)

    page.goto(f"{live_server.url}/widget-demo/?account={account.pk}&user=kunde-4711")
    page.locator(".rz-launcher").click()
    page.get_by_role("tab", name="Adresse ändern").click()
    form = page.locator(".rz-view-address")
    form.locator("input[name=street]").fill("Domstraße 12")
    form.locator("input[name=postal_code]").fill("50668")
    form.locator("input[name=city]").fill("Köln")
    form.get_by_role("button", name="Absenden").click()

    expect(page.locator(".rz-message.rz-in .rz-badge")).to_have_text("wartet auf Bestätigung")
    request = Message.objects.get()
    assert request.author_identity is not None
    assert (request.author_identity.handle, request.extra["app"]["status"]) == ("kunde-4711", "requested")

    do_confirm_address_change(agent, request.pk)
    assert Customer.objects.values_list("postal_code", "city").get() == ("50668", "Köln")
    page.reload()
    page.locator(".rz-launcher").click()
    expect(page.locator(".rz-message.rz-in .rz-badge")).to_have_text("bestätigt")
