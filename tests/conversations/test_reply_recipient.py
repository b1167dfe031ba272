"""Replies reach the conversation's customer, never whoever wrote last: a bystander who answers under a
customer's post is recorded as a participant and does not receive the agent's private reply; "latest" is
by the time we received a message, not the date its sender claims."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.testing.factories import event
from resonanz.testing.helpers import signed_post
from resonanz.workspaces.actions import do_create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_client(agent):
    _, key = do_create_api_token(agent, "test")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def push(client, django_capture_on_commit_callbacks):
    """Post events to the channel's real webhook URL and run the processing the queue would run."""

    def post(account, *events):
        body = events[0] if len(events) == 1 else {"events": list(events)}
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_post(client, f"/api/channels/{account.pk}/events", account.secret, body)
        assert response.status_code == 200

    return post


def reply(token_client, conversation, private: bool):
    response = token_client.post(
        f"/api/conversations/{conversation.pk}/replies",
        data=json.dumps({"text": "Wir melden uns per DM.", "private": private}),
        content_type="application/json",
    )
    assert response.status_code == 201
    return OutboundDelivery.objects.get(message_id=response.json()["id"])


@pytest.mark.parametrize("together", [False, True], ids=["one-by-one", "one-batch"])
def test_a_bystander_in_the_thread_is_a_participant_not_the_recipient(
    push, token_client, fake_account, together
):
    complaint = event("p-1", "Seit Tagen kein Internet!", handle="anna_k", public=True)
    bystander = event("p-2", "Schreib mir, ich helfe dir", handle="troll99", public=True, reply_to="p-1")
    if together:
        push(fake_account, complaint, bystander)
    else:
        push(fake_account, complaint)
        push(fake_account, bystander)
    conversation = Conversation.objects.get()
    assert conversation.customer.identities.get().handle == "anna_k"
    joined = Message.objects.get(external_id="p-2")
    assert joined.conversation_id == conversation.pk  # shown in the thread…
    assert joined.extra["participant"] is True  # …as a participant
    assert TimelineEntry.objects.filter(
        conversation=conversation, kind="participant", data__message_id=joined.pk
    ).exists()

    delivery = reply(token_client, conversation, private=True)
    assert delivery.payload["recipient_handle"] == "anna_k"
    assert delivery.payload["in_reply_to_external_id"] == "p-1"


def test_a_public_reply_answers_the_customer_post_not_the_bystander(push, token_client, fake_account):
    push(fake_account, event("p-1", "Kein Internet", handle="anna_k", public=True))
    push(fake_account, event("p-2", "Bei mir auch", handle="bernd", public=True, reply_to="p-1"))
    delivery = reply(
        token_client, Conversation.objects.get(customer__identities__handle="anna_k"), private=False
    )
    assert delivery.payload["in_reply_to_external_id"] == "p-1"
    assert delivery.payload["recipient_handle"] == "anna_k"


def test_latest_is_by_the_time_received_not_the_claimed_date(push, token_client, fake_account):
    ahead = (timezone.now() + dt.timedelta(hours=20)).isoformat()
    push(fake_account, event("m-1", "Erste", handle="anna_k", created_at=ahead))
    push(fake_account, event("m-2", "Zweite, später angekommen", handle="anna_k"))
    delivery = reply(token_client, Conversation.objects.get(), private=True)
    assert delivery.payload["in_reply_to_external_id"] == "m-2"


def test_the_composer_names_the_recipient(push, agent_client, fake_account):
    push(fake_account, event("p-1", "Kein Internet", handle="anna_k", public=True))
    push(fake_account, event("p-2", "Schreib mir", handle="troll99", public=True, reply_to="p-1"))
    conversation = Conversation.objects.get()
    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    composer = page[page.index('class="reply card"') :]
    assert 'class="recipient' in composer
    recipient = composer[composer.index('class="recipient') :].split("</p>", 1)[0]
    assert '<span class="handle muted">anna_k</span>' in recipient
    assert "troll99" not in recipient
