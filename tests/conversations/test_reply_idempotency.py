"""A reply sent twice (double click, a client retrying after a timeout) is stored and delivered once: the
reply form carries a key made per render, the API takes an Idempotency-Key header or body field."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.models import Message
from resonanz.testing.factories import MessageFactory
from resonanz.workspaces.actions import do_create_api_token

pytestmark = pytest.mark.django_db

KEY_FIELD = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def conversation(fake_account):
    return MessageFactory(conversation__channel_account=fake_account).conversation


@pytest.fixture
def token_client(agent):
    _, key = do_create_api_token(agent, "test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def replies() -> int:
    return Message.objects.filter(direction="out").count()


def api_reply(client, conversation, body: dict, **headers: str):
    return client.post(
        f"/api/conversations/{conversation.pk}/replies",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_the_reply_form_carries_a_new_key_on_every_render(agent_client, conversation):
    first = KEY_FIELD.findall(agent_client.get(f"/conversations/{conversation.pk}/").content.decode())
    second = KEY_FIELD.findall(agent_client.get(f"/conversations/{conversation.pk}/").content.decode())
    assert len(first) == len(second) == 1
    assert first != second


def test_a_double_submitted_reply_form_sends_once(agent_client, conversation):
    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    (key,) = KEY_FIELD.findall(page)
    form = {"text": "Wir kümmern uns darum.", "idempotency_key": key}
    first = agent_client.post(f"/conversations/{conversation.pk}/reply", form, HTTP_HX_REQUEST="true")
    second = agent_client.post(f"/conversations/{conversation.pk}/reply", form, HTTP_HX_REQUEST="true")
    assert (first.status_code, second.status_code) == (200, 200)
    assert replies() == 1
    assert OutboundDelivery.objects.count() == 1
    # The answer to the second click is a fresh form: its key sends the next reply.
    (next_key,) = KEY_FIELD.findall(second.content.decode())
    assert next_key != key


def test_api_reply_with_the_same_idempotency_key_header_is_stored_once(token_client, conversation):
    first = api_reply(token_client, conversation, {"text": "Hallo"}, **{"Idempotency-Key": "retry-1"})
    second = api_reply(token_client, conversation, {"text": "Hallo"}, **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert replies() == 1
    assert OutboundDelivery.objects.count() == 1


def test_api_reply_with_the_same_idempotency_key_in_the_body_is_stored_once(token_client, conversation):
    first = api_reply(token_client, conversation, {"text": "Hallo", "idempotency_key": "k-0001"})
    second = api_reply(token_client, conversation, {"text": "Hallo", "idempotency_key": "k-0001"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert replies() == 1


def test_the_same_key_for_another_text_is_a_conflict(token_client, conversation):
    api_reply(token_client, conversation, {"text": "Hallo"}, **{"Idempotency-Key": "retry-1"})
    response = api_reply(
        token_client, conversation, {"text": "Ganz anders"}, **{"Idempotency-Key": "retry-1"}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "this idempotency key was used for another reply"}
    assert replies() == 1


def test_without_a_key_two_posts_are_two_replies(token_client, conversation):
    api_reply(token_client, conversation, {"text": "Hallo"})
    api_reply(token_client, conversation, {"text": "Hallo"})
    assert replies() == 2


@pytest.mark.parametrize("key", ["ä" * 10, "x" * 201, "with space", ""])
def test_a_malformed_idempotency_key_is_400(token_client, conversation, key):
    response = api_reply(token_client, conversation, {"text": "Hallo", "idempotency_key": key})
    assert response.status_code == 400
    assert replies() == 0
