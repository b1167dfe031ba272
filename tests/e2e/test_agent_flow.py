"""An agent's critical path in a real browser: log in, open a conversation, reply, see it delivered."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.conversations.models import Conversation, Message
from resonanz.testing.factories import PASSWORD, AgentFactory, ChannelAccountFactory, WorkspaceFactory, event
from resonanz.workspaces.models import Agent

from .pages import ConversationPage, DevPanelPage, InboxPage, LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def customer_writes(account, external_id, text, handle="kalle_koeln"):
    accept_events(account, [RawEvent(external_id, event(external_id, text, handle=handle), "message")])
    return Conversation.objects.get(messages__external_id=external_id)


@pytest.fixture
def setup(live_server):
    workspace = WorkspaceFactory()
    agent = AgentFactory(workspace=workspace, display_name="Mia Kramer", initials="MK", role=Agent.Role.ADMIN)
    account = ChannelAccountFactory(workspace=workspace, name="X @netzwelt_hilft", config={"imitates": "x"})
    return live_server.url, agent, account


def test_agent_logs_in_opens_a_conversation_replies_and_sees_it_delivered(page, setup):
    base_url, agent, account = setup
    conversation = customer_writes(account, "tw-1", "Seit heute früh kein Internet in 50667 Köln 😡")

    inbox = LoginPage(page, base_url).open().log_in(agent.user.username, PASSWORD)
    expect(inbox.row_for(conversation.pk)).to_contain_text("Seit heute früh kein Internet")
    expect(inbox.row_for(conversation.pk)).to_contain_text("neu")

    thread = inbox.open_conversation(conversation.pk)
    expect(thread.messages()).to_have_count(1)
    thread.mark_page()
    reply = thread.reply("Hallo Kalle, wir sehen die Störung in Köln und melden uns. ^MK")

    expect(reply).to_contain_text("Hallo Kalle, wir sehen die Störung in Köln")
    expect(reply.locator('[data-delivery="sent"]')).to_contain_text("zugestellt")
    assert thread.page_was_not_reloaded()
    stored = Message.objects.get(direction="out")
    assert (stored.author_agent_id, stored.visibility, stored.delivery.status) == (agent.pk, "public", "sent")


def test_agent_changes_the_status(page, setup):
    base_url, agent, account = setup
    conversation = customer_writes(account, "tw-2", "Danke, läuft wieder!")
    LoginPage(page, base_url).open().log_in(agent.user.username, PASSWORD)

    ConversationPage(page, base_url, conversation.pk).open().change_status("solved")

    expect(page.locator("#details .current-status")).to_contain_text("gelöst")
    conversation.refresh_from_db()
    assert conversation.status == "solved"


def test_hostile_text_is_shown_as_text_and_never_runs(page, setup):
    base_url, agent, account = setup
    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>fett</b>'
    conversation = customer_writes(account, "tw-3", hostile, handle="mallory")
    LoginPage(page, base_url).open().log_in(agent.user.username, PASSWORD)

    thread = ConversationPage(page, base_url, conversation.pk).open()

    expect(thread.messages().first.locator(".text")).to_have_text(hostile)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#thread b").count() == 0
    InboxPage(page, base_url).open("?status=all")
    assert page.evaluate("window.__pwned") is None


def test_search_and_dev_panel_injection(page, setup):
    base_url, agent, account = setup
    customer_writes(account, "tw-4", "Rechnung doppelt abgebucht", handle="anna")
    inbox = LoginPage(page, base_url).open().log_in(agent.user.username, PASSWORD)

    DevPanelPage(page, base_url).open().inject(
        "X @netzwelt_hilft", "@bernd", "Router blinkt rot seit gestern"
    )
    injected = Conversation.objects.get(customer__identities__handle="bernd")

    inbox.open().search("router")
    expect(inbox.rows()).to_have_count(1)
    expect(inbox.row_for(injected.pk)).to_contain_text("Router blinkt rot")


def test_the_agent_switches_the_interface_to_english(page, setup):
    base_url, agent, account = setup
    customer_writes(account, "tw-5", "Hallo?")
    LoginPage(page, base_url).open().log_in(agent.user.username, PASSWORD)
    expect(page.locator("nav.mainnav")).to_contain_text("Posteingang")

    page.select_option("#language", "en")

    expect(page.locator("nav.mainnav")).to_contain_text("Inbox")
    expect(page.locator("table.conversations")).to_contain_text("new")
