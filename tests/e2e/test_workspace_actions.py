"""Browser tests of the agent workspace (issue 13, item 8), the scenarios test_workspace.py does not cover:
a public conversation moved to private, a macro used in the composer, a failed delivery retried. Each saves
a screenshot (to docs/img/ with RESONANZ_SCREENSHOTS=1, else to a temporary folder)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from resonanz.channels.models import ChannelAccount, OutboundDelivery
from resonanz.conversations.models import Conversation, Macro, Message
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

from .pages import ConversationPage, LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.fixture
def warm_server(live_server: Any) -> Any:
    """The live server's first request imports the whole project (15 s on a loaded machine): made here,
    with a long timeout, not by the browser's first page with its 10 s."""
    httpx.get(f"{live_server.url}/login/", timeout=120)
    return live_server


@pytest.fixture
def world(warm_server: Any) -> dict[str, Any]:
    workspace = make(WorkspaceFactory)
    account = make(ChannelAccountFactory, workspace=workspace, name="Netzwelt auf X")
    customer = make(CustomerFactory, workspace=workspace, display_name="Erika Muster", city="Köln")
    identity = make(IdentityFactory, customer=customer, handle="erika_koeln")
    conversation = make(
        ConversationFactory,
        workspace=workspace,
        channel_account=account,
        customer=customer,
        subject="Internet weg",
        is_public=True,
    )
    make(
        MessageFactory,
        conversation=conversation,
        text="Seit heute früh kein Internet in 50667 Köln, Router blinkt rot.",
        visibility="public",
        author_identity=identity,
    )
    mia = make(AgentFactory, workspace=workspace, display_name="Mia Kramer", initials="MK")
    return {"account": account, "conversation": conversation, "mia": mia, "customer": customer}


def test_move_a_public_conversation_to_private(page, live_server, world, shots):
    conversation = world["conversation"]
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    acknowledgement = page.locator("form.move-private [data-acknowledgement]")
    expect(acknowledgement).not_to_be_empty()  # the public answer is shown before the click
    preview = acknowledgement.inner_text().strip()
    page.screenshot(path=str(shots / "workspace-move-private.png"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.move-private button[type=submit]")
    expect(page.locator("form.move-private")).to_have_count(0)
    expect(page.locator("#thread li.message.out").last).to_contain_text(preview[:40])
    conversation.refresh_from_db()
    assert conversation.is_public is False
    sent = Message.objects.filter(conversation=conversation, direction="out").get()
    assert sent.visibility == "public" and sent.text.strip() == preview


def test_use_a_macro_with_its_placeholders_filled(page, live_server, world, shots):
    conversation = world["conversation"]
    Macro.objects.create(
        workspace=conversation.workspace,
        name="Störung bekannt",
        language="de",
        text="Hallo {customer_name}, die Störung ist bekannt, wir arbeiten daran.",
    )
    Macro.objects.create(
        workspace=conversation.workspace, name="Rechnung", language="de", text="Zur Rechnung …"
    )
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    page.click("details.macro-picker summary")
    page.fill("#macro-search", "Stör")
    results = page.locator("#macro-results [data-macro-url]")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Störung bekannt")
    results.click()
    expect(page.locator("#reply-text")).to_have_value(
        "Hallo Erika Muster, die Störung ist bekannt, wir arbeiten daran."
    )
    page.screenshot(path=str(shots / "workspace-macro.png"))
    thread = ConversationPage(page, live_server.url, conversation.pk)
    page.click("form.reply button[type=submit]")
    expect(thread.messages().filter(has_text="die Störung ist bekannt")).to_have_count(1)
    assert Message.objects.filter(direction="out", text__startswith="Hallo Erika Muster").exists()


def test_a_failed_delivery_is_retried(page, live_server, world, shots):
    conversation = world["conversation"]
    account: ChannelAccount = world["account"]
    account.config = {"imitates": "x", "fail_sends": True}  # the platform refuses sends
    account.save(update_fields=["config"])
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    thread = ConversationPage(page, live_server.url, conversation.pk).open()
    reply = thread.reply("Hallo Erika, wir schauen uns das an. ^MK")
    badge = reply.locator("[data-delivery]")
    expect(badge).to_have_attribute("data-delivery", "failed")
    expect(badge.locator(".delivery-error")).to_contain_text("refuses sends")  # the platform's reason
    page.screenshot(path=str(shots / "workspace-delivery-failed.png"))

    account.config = {"imitates": "x"}  # the platform takes sends again
    account.save(update_fields=["config"])
    badge.locator("[data-action=retry-delivery]").click()
    expect(reply.locator("[data-delivery]")).to_have_attribute("data-delivery", "sent")
    page.screenshot(path=str(shots / "workspace-delivery-retried.png"))
    delivery = OutboundDelivery.objects.get(message__conversation=conversation)
    assert delivery.status == "sent"
    assert conversation.timeline.filter(kind="delivery_retried").exists()
    assert Conversation.objects.get(pk=conversation.pk).is_public
