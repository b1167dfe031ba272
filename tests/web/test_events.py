"""The HX-Trigger vocabulary (resonanz/web/events.py): views announce what they changed with names from one
module, and panes listen to exactly those names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpResponse

from resonanz.conversations.models import Notification
from resonanz.testing.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.web import events

WEB = Path(events.__file__).parent
HTMX = {"HX-Request": "true"}


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def triggered(response: Any) -> dict[str, Any]:
    raw = response.headers.get("HX-Trigger")
    return json.loads(raw) if raw else {}


@pytest.mark.django_db
def test_a_reply_announces_the_changed_conversation_and_inbox(agent_client, fake_account):
    conversation = make(ConversationFactory, channel_account=fake_account)
    make(MessageFactory, conversation=conversation)
    response = agent_client.post(
        f"/conversations/{conversation.pk}/reply", {"text": "Wir sind dran."}, headers=HTMX
    )
    assert response.status_code == 200
    assert triggered(response) == {
        events.CONVERSATION_CHANGED: {"id": conversation.pk},
        events.INBOX_CHANGED: {"id": conversation.pk},
    }
    refused = agent_client.post(f"/conversations/{conversation.pk}/reply", {"text": " "}, headers=HTMX)
    assert refused.status_code == 400
    assert triggered(refused) == {}  # nothing changed


@pytest.mark.django_db
def test_a_status_change_announces_the_inbox_and_the_details_pane_reloads_alone(agent_client, fake_account):
    conversation = make(ConversationFactory, channel_account=fake_account, status="open")
    make(MessageFactory, conversation=conversation)
    response = agent_client.post(
        f"/conversations/{conversation.pk}/status", {"status": "pending"}, headers=HTMX
    )
    assert triggered(response) == {events.INBOX_CHANGED: {"id": conversation.pk}}
    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert (
        f'hx-get="/conversations/{conversation.pk}/details" hx-trigger="conversation-changed from:body"'
        in page
    )
    details = agent_client.get(f"/conversations/{conversation.pk}/details", headers=HTMX)
    assert details.status_code == 200
    html = details.content.decode()
    assert 'class="status-form"' in html and "<html" not in html
    assert 'data-status="pending"' in html


@pytest.mark.django_db
def test_the_details_pane_of_another_workspace_is_not_found(agent_client):
    elsewhere = make(ChannelAccountFactory, workspace=make(WorkspaceFactory, slug="andere", name="Andere"))
    foreign = make(ConversationFactory, channel_account=elsewhere)
    assert agent_client.get(f"/conversations/{foreign.pk}/details").status_code == 404


@pytest.mark.django_db
def test_marking_read_with_htmx_announces_the_notifications(agent_client, agent, workspace):
    notification = Notification.objects.create(
        workspace=workspace, agent=agent, kind="mention", data={"by": "Ben"}
    )
    response = agent_client.post("/notifications/read", {"id": notification.pk}, headers=HTMX)
    assert response.status_code == 200
    assert triggered(response) == {events.NOTIFICATIONS_CHANGED: {}}
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert agent_client.post("/notifications/read").status_code == 302  # a form post, as before


def test_an_unknown_event_is_refused():
    with pytest.raises(ValueError, match="vocabulary"):
        events.trigger(HttpResponse(), "conversation-change")


def test_every_event_has_a_listener_and_every_listener_a_known_event():
    templates = "\n".join(path.read_text() for path in (WEB / "templates").rglob("*.html"))
    listened = set(re.findall(r"([a-z]+(?:-[a-z]+)*-changed) from:body", templates))
    assert listened == set(events.EVENTS)


def test_no_view_writes_the_header_by_hand():
    writers = [
        path.relative_to(WEB).as_posix()
        for path in WEB.rglob("*.py")
        if "HX-Trigger" in path.read_text() and path.name != "events.py"
    ]
    assert writers == []
