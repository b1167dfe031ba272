"""The live inbox (issue 13 item 1): the open page asks for rows newer than the newest shown and gets them
with the counts out of band; rows already shown are not sent again."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from resonanz.conversations.models import Conversation
from resonanz.testing.factories import (
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    MessageFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def conversation(account: Any, minutes_ago: int, **fields: Any) -> Conversation:
    made: Conversation = make(
        ConversationFactory,
        channel_account=account,
        status="open",
        last_message_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **fields,
    )
    make(MessageFactory, conversation=made)
    return made


def since_of(html: str) -> str:
    found = re.search(r'id="inbox-since" name="since" value="([^"]*)"', html)
    assert found, "the page carries the cursor of the newest row shown"
    return found.group(1)


def oob(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}" hx-swap-oob="true"[^>]*>([^<]*)<', html)
    assert found, element_id
    return found.group(1).strip()


def test_the_page_polls_for_rows_newer_than_the_newest_it_shows(agent_client, agent, fake_account):
    older = conversation(fake_account, 30)
    newest = conversation(fake_account, 5, owner=agent)
    page = agent_client.get("/").content.decode()
    assert 'hx-get="/inbox/updates"' in page
    assert since_of(page) == newest.last_message_at.isoformat()

    nothing_new = agent_client.get("/inbox/updates", {"since": since_of(page)}, HTTP_HX_REQUEST="true")
    assert nothing_new.status_code == 200
    body = nothing_new.content.decode()
    assert "data-conversation=" not in body
    assert "Keine Gespräche" not in body  # the table's rows stay as they are
    assert oob(body, "view-count-unassigned") == "1"
    assert oob(body, "view-count-mine") == "1"
    assert oob(body, "status-count-open") == "2"
    assert oob(body, f"channel-count-{fake_account.pk}") == "2"
    assert 'id="inbox-since"' not in body  # the cursor stays

    arrived = conversation(fake_account, 0)
    older.last_message_at = timezone.now() + dt.timedelta(seconds=1)  # the customer wrote again
    older.save(update_fields=["last_message_at"])
    body = agent_client.get(
        "/inbox/updates", {"since": since_of(page)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    rows = re.findall(r'data-conversation="(\d+)"', body)
    assert rows == [str(older.pk), str(arrived.pk)]  # newest first, the one already shown not at all
    assert oob(body, "view-count-unassigned") == "2"
    assert oob(body, "status-count-open") == "3"
    assert re.search(r'id="result-count" hx-swap-oob="true">\s*3 Gespräche', body)
    assert since_of(body) == older.last_message_at.isoformat()


def test_updates_keep_the_pages_filters_and_the_agents_workspace(agent_client, agent, fake_account):
    others = conversation(fake_account, 10)
    mine = conversation(fake_account, 1, owner=agent)
    elsewhere = make(ChannelAccountFactory, workspace=make(WorkspaceFactory, slug="andere", name="Andere"))
    foreign = conversation(elsewhere, 0, owner=make(AgentFactory, workspace=elsewhere.workspace))
    body = agent_client.get("/inbox/updates", {"view": "mine", "status": "open"}).content.decode()
    assert re.findall(r'data-conversation="(\d+)"', body) == [str(mine.pk)]
    body = agent_client.get("/inbox/updates", {"status": "open"}).content.decode()
    assert re.findall(r'data-conversation="(\d+)"', body) == [str(mine.pk), str(others.pk)]
    assert f'data-conversation="{foreign.pk}"' not in body


def test_a_later_page_does_not_poll(agent_client, fake_account):
    for minutes in range(55):
        conversation(fake_account, minutes)
    assert 'id="inbox-live"' in agent_client.get("/").content.decode()
    assert 'id="inbox-live"' not in agent_client.get("/?page=2").content.decode()
