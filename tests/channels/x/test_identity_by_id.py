"""X identities are keyed by the numeric user id: a renamed account stays the same customer, a handle taken
over by someone else does not lead into the old owner's conversation, and DMs are addressed by id."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client

from resonanz.channels.models import OutboundDelivery
from resonanz.channels.testing import load_fixture
from resonanz.channels.x.adapter import sign_body
from resonanz.conversations.models import Conversation, Message
from resonanz.customers.models import Identity
from resonanz.workspaces.actions import do_create_api_token

pytestmark = pytest.mark.django_db

ANNA_ID = "2244994945"


def dm(number: int, sender_id: str, screen_name: str, text: str = "Hallo") -> bytes:
    body = json.loads(load_fixture("x", "direct_message")[0])
    event = body["direct_message_events"][0]
    event["id"] = f"18610000000000{number:05d}"
    event["message_create"]["sender_id"] = sender_id
    event["message_create"]["message_data"]["text"] = text
    user = copy.deepcopy(body["users"][ANNA_ID])
    user.update(id=sender_id, screen_name=screen_name, name=screen_name.title())
    body["users"] = {k: v for k, v in body["users"].items() if k != ANNA_ID}
    body["users"][sender_id] = user
    return json.dumps(body).encode()


@pytest.fixture
def deliver(client, x_account, django_capture_on_commit_callbacks):
    def post(body: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/channels/{x_account.pk}/events",
                data=body,
                content_type="application/json",
                headers=sign_body("consumer-secret", body),
            )
        assert response.status_code == 200
        assert response.json()["accepted"] == 1

    return post


def test_a_renamed_account_stays_the_same_identity_and_its_handle_updates(deliver):
    deliver(dm(1, ANNA_ID, "Anna_K", "Erste Nachricht"))
    deliver(dm(2, ANNA_ID, "anna_neu", "Nach der Umbenennung"))
    identity = Identity.objects.get(kind="x")
    assert (identity.external_id, identity.handle, identity.display_name) == (ANNA_ID, "anna_neu", "Anna_Neu")
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(conversation__customer=identity.customer).count() == 2


def test_a_handle_taken_over_by_someone_else_is_another_customer(deliver):
    deliver(dm(1, ANNA_ID, "Anna_K", "Meine Kundennummer ist 4711"))
    deliver(dm(2, ANNA_ID, "anna_neu", "Ich habe mich umbenannt"))
    deliver(dm(3, "99999", "Anna_K", "Ich bin jetzt @anna_k"))
    anna = Identity.objects.get(external_id=ANNA_ID)
    newcomer = Identity.objects.get(external_id="99999")
    assert newcomer.customer_id != anna.customer_id
    assert newcomer.handle == "anna_k"
    assert Message.objects.get(text="Ich bin jetzt @anna_k").conversation.customer_id == newcomer.customer_id


def test_a_handle_freed_and_taken_while_the_old_owner_was_silent(deliver):
    """The old owner renamed without writing to us: we still hold @anna_k for id 2244994945."""
    deliver(dm(1, ANNA_ID, "Anna_K"))
    deliver(dm(2, "99999", "Anna_K", "Ich bin nicht Anna"))
    assert (
        Identity.objects.get(external_id="99999").customer_id
        != Identity.objects.get(external_id=ANNA_ID).customer_id
    )
    assert Identity.objects.get(external_id="99999").handle == "anna_k"
    assert Identity.objects.get(external_id=ANNA_ID).handle != "anna_k"


def test_a_dm_reply_is_addressed_by_user_id(
    deliver, agent, fake_x, x_account, django_capture_on_commit_callbacks
):
    deliver(dm(1, ANNA_ID, "Anna_K", "Bitte per DM"))
    deliver(dm(2, ANNA_ID, "anna_neu", "Neuer Name"))
    _, key = do_create_api_token(agent, "test")
    conversation = Conversation.objects.get()
    fake_x.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client(headers={"Authorization": f"Bearer {key}"}).post(
            f"/api/conversations/{conversation.pk}/replies",
            data=json.dumps({"text": "Wir rufen Sie an.", "private": True}),
            content_type="application/json",
        )
    assert response.status_code == 201
    delivery = OutboundDelivery.objects.get()
    assert delivery.payload["recipient_id"] == ANNA_ID
    paths = [r.path for r in fake_x.requests]
    assert f"/2/dm_conversations/with/{ANNA_ID}/messages" in paths
    assert not any(p.startswith("/2/users/by/username/") for p in paths)
