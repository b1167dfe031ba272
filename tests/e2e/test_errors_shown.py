"""A failed htmx request shows its error in the agent UI instead of failing silently (issue 10)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from resonanz.conversations.models import Conversation, Message
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    MessageFactory,
    WorkspaceFactory,
)

from .pages import ConversationPage, LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def opened(page, live_server):
    workspace = WorkspaceFactory()
    agent = AgentFactory(workspace=workspace)
    account = ChannelAccountFactory(workspace=workspace, config={"imitates": "x"})
    conversation = MessageFactory(conversation__channel_account=account, text="Kein Internet").conversation
    LoginPage(page, live_server.url).open().log_in(agent.user.username, PASSWORD)
    thread = ConversationPage(page, live_server.url, conversation.pk).open()
    thread.mark_page()
    return thread, conversation


def test_a_refused_reply_shows_why(opened):
    thread, _ = opened
    thread.page.fill("#reply-text", "   ")  # passes the browser's `required`, refused by the server (400)
    thread.page.click("form.reply button[type=submit]")

    expect(thread.page.locator("form.reply .error")).to_contain_text("Eine Antwort braucht Text")
    assert thread.page_was_not_reloaded()
    assert not Message.objects.filter(direction="out").exists()


def test_a_conversation_gone_meanwhile_shows_an_error(opened):
    thread, conversation = opened
    Conversation.objects.filter(pk=conversation.pk).delete()  # e.g. merged away by a colleague

    thread.page.fill("#reply-text", "Hallo, wir kümmern uns.")
    thread.page.click("form.reply button[type=submit]")

    errors = thread.page.locator("#errors")
    expect(errors).to_contain_text("nicht (mehr) gefunden")
    expect(errors).to_have_attribute("role", "alert")
    assert thread.page_was_not_reloaded()
    expect(thread.page.locator("#reply-text")).to_have_value("Hallo, wir kümmern uns.")  # the text is kept


def test_an_expired_session_shows_an_error(opened):
    thread, conversation = opened
    thread.page.context.clear_cookies()  # the session and the CSRF cookie are gone: 403

    thread.page.select_option("#status", "solved")
    thread.page.click("form.status-form button[type=submit]")

    expect(thread.page.locator("#errors")).to_contain_text("neu laden")
    assert Conversation.objects.get(pk=conversation.pk).status != "solved"
