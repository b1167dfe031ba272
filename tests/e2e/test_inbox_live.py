"""The live inbox in a real browser (issue 13 item 1): while the agent looks at the inbox, a customer writes
(through the product's ingest path); the new row appears on top and the counts change, without a reload,
and the agent's ticked rows and scroll position stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.conversations.models import Conversation
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    MessageFactory,
    WorkspaceFactory,
    event,
)

from .pages import LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def customer_writes(account, external_id: str, text: str, handle: str) -> Conversation:
    accept_events(account, [RawEvent(external_id, event(external_id, text, handle=handle), "message")])
    return Conversation.objects.get(messages__external_id=external_id)


@pytest.mark.slow
def test_new_rows_and_counts_arrive_while_selection_and_scroll_stay(page, live_server, settings):
    settings.INBOX_POLL_SECONDS = 1
    workspace = WorkspaceFactory()
    agent = AgentFactory(workspace=workspace, display_name="Mia Kramer", initials="MK")
    account = ChannelAccountFactory(workspace=workspace, name="X @netzwelt_hilft", config={"imitates": "x"})
    now = timezone.now()
    shown = []
    for n in range(40):
        conversation = ConversationFactory(
            channel_account=account,
            status="open",
            subject=f"Anliegen {n}",
            last_message_at=now - dt.timedelta(minutes=10 + n),
        )
        MessageFactory(conversation=conversation, text=f"Nachricht {n}")
        shown.append(conversation)

    inbox = LoginPage(page, live_server.url).open().log_in(agent.user.username, PASSWORD)
    expect(inbox.rows()).to_have_count(40)
    page.evaluate("window.__resonanzMarker = 'still here'")
    ticked = inbox.row_for(shown[3].pk).locator("input[data-select-row]")
    ticked.check()
    # The agent scrolls down: row 20 is at the top of the window.
    anchor = inbox.row_for(shown[20].pk)
    page.evaluate(
        "id => window.scrollTo(0, document.querySelector(`tr[data-conversation='${id}']`)"
        ".getBoundingClientRect().top + window.scrollY)",
        shown[20].pk,
    )
    top_before = anchor.bounding_box()["y"]
    assert page.evaluate("window.scrollY") > 0
    unassigned = page.locator("#view-count-unassigned")
    expect(unassigned).to_have_text("40")

    arrived = customer_writes(account, "tw-live-1", "Router blinkt rot seit heute früh", "kalle_koeln")
    expect(inbox.row_for(arrived.pk)).to_have_count(1)
    # Routing may have given it to Mia at once (she is online): the view counts say what the database says.
    unassigned_now = Conversation.objects.filter(owner__isnull=True, status__in=Conversation.OPEN_STATUSES)
    expect(unassigned).to_have_text(str(unassigned_now.count()))
    expect(page.locator("#view-count-mine")).to_have_text(
        str(Conversation.objects.filter(owner=agent).count())
    )
    expect(page.locator("#status-count-open")).to_have_text("41")
    expect(page.locator("#result-count")).to_contain_text("41")
    assert inbox.rows().first.get_attribute("data-conversation") == str(arrived.pk)
    expect(ticked).to_be_checked()
    assert abs(anchor.bounding_box()["y"] - top_before) < 2, "the rows the agent looks at stay in place"

    # The same customer writes again: the row comes back on top once, and keeps the agent's tick.
    inbox.row_for(arrived.pk).locator("input[data-select-row]").check()
    again = customer_writes(account, "tw-live-2", "Immer noch kein Netz", "kalle_koeln")
    assert again.pk == arrived.pk
    expect(inbox.row_for(arrived.pk)).to_contain_text("Immer noch kein Netz")
    expect(inbox.row_for(arrived.pk)).to_have_count(1)
    expect(inbox.rows()).to_have_count(41)
    expect(inbox.row_for(arrived.pk).locator("input[data-select-row]")).to_be_checked()
    expect(ticked).to_be_checked()
    assert page.evaluate("window.__resonanzMarker") == "still here", "no reload"
