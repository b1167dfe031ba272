"""The generic webhook end to end: signed POST → stored event → processed → threaded message."""

from __future__ import annotations

import json

import pytest

from resonanz.channels.ingest import process_events, sweep_after_ingest, sweep_pending
from resonanz.channels.models import InboundEvent
from resonanz.channels.webhook.adapter import SIGNATURE_HEADER
from resonanz.conversations.models import Conversation, Message
from resonanz.customers.models import Customer, Identity
from resonanz.testing.factories import event
from resonanz.testing.helpers import signed_post
from resonanz.understanding.models import Annotation

pytestmark = pytest.mark.django_db(transaction=False)


def url(account) -> str:
    return f"/api/channels/{account.pk}/events"


def test_event_is_stored_normalized_and_threaded(client, fake_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(
            client, url(fake_account), "test-secret", event("t-1", "Router blinkt rot", handle="@Anna_K")
        )
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    stored = InboundEvent.objects.get()
    assert (stored.external_id, stored.status) == ("t-1", "processed")
    message = Message.objects.get()
    assert message.text == "Router blinkt rot"
    assert message.direction == "in"
    assert message.visibility == "public"
    identity = Identity.objects.get()
    assert (identity.kind, identity.handle) == ("x", "anna_k")
    conversation = Conversation.objects.get()
    assert conversation.customer == identity.customer
    assert conversation.message_count == 1
    assert conversation.status == "new"


def test_duplicate_delivery_is_stored_once(client, fake_account, django_capture_on_commit_callbacks):
    payload = {"events": [event("t-1"), event("t-1"), event("t-2", handle="bob")]}
    with django_capture_on_commit_callbacks(execute=True):
        first = signed_post(client, url(fake_account), "test-secret", payload)
        second = signed_post(client, url(fake_account), "test-secret", payload)
    assert first.json() == {"accepted": 2, "duplicates": 1}
    assert second.json() == {"accepted": 0, "duplicates": 3}
    assert InboundEvent.objects.count() == 2
    assert Message.objects.count() == 2


def test_reply_joins_parent_conversation_and_new_customer_gets_new_one(
    client, fake_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, url(fake_account), "test-secret", event("t-1", handle="anna"))
        signed_post(client, url(fake_account), "test-secret", event("t-2", "noch da?", handle="anna"))
        signed_post(
            client, url(fake_account), "test-secret", event("t-3", "Ich auch!", handle="bob", reply_to="t-1")
        )
        signed_post(client, url(fake_account), "test-secret", event("t-4", "Und ich", handle="carla"))
    anna = Conversation.objects.get(customer__identities__handle="anna")
    assert list(anna.messages.order_by("id").values_list("external_id", flat=True)) == ["t-1", "t-2", "t-3"]
    assert Conversation.objects.count() == 2
    assert Customer.objects.count() == 3


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"{not json", "body is not valid JSON"),
        (json.dumps({"id": "x"}).encode(), "event 0: author: Field required"),
        (json.dumps({"events": []}).encode(), "events must be a non-empty list"),
        (json.dumps({"events": [event(str(i)) for i in range(101)]}).encode(), "at most 100 events"),
        (json.dumps({"events": [event("ok"), {"id": "bad", "text": 5}]}).encode(), "event 1:"),
    ],
)
def test_malformed_payload_is_rejected_with_nothing_stored(client, fake_account, body, detail):
    response = signed_post(client, url(fake_account), "test-secret", body)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert InboundEvent.objects.count() == 0
    assert Message.objects.count() == 0


@pytest.mark.parametrize("header", [None, "sha256=deadbeef", "garbage"])
def test_wrong_signature_is_rejected_with_nothing_stored(client, fake_account, header):
    body = json.dumps(event("t-1")).encode()
    headers = {SIGNATURE_HEADER: header} if header else {}
    response = client.post(url(fake_account), data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


def test_unknown_channel_account_is_404(client, db):
    response = signed_post(client, "/api/channels/999999/events", "x", event("t-1"))
    assert response.status_code == 404


def test_pending_event_left_by_a_dead_worker_is_swept_and_processed_once(client, fake_account):
    # No on-commit execution: the enqueued task is "lost", as if the worker died.
    signed_post(client, url(fake_account), "test-secret", {"events": [event("a"), event("b", handle="bob")]})
    assert InboundEvent.objects.filter(status="pending").count() == 2
    assert sweep_pending(older_than_seconds=0) == 2
    ids = list(InboundEvent.objects.values_list("id", flat=True))
    process_events(ids)
    process_events(ids)  # a second run (sweeper raced the original task) changes nothing
    assert Message.objects.count() == 2
    assert InboundEvent.objects.filter(status="processed").count() == 2


def test_messages_whose_after_ingest_steps_were_lost_are_swept_and_annotated(
    client, fake_account, django_capture_on_commit_callbacks
):
    signed_post(client, url(fake_account), "test-secret", {"events": [event("a"), event("b", handle="bob")]})
    # The after-ingest task is registered on commit and never runs: as if the process died right after
    # storing the messages.
    process_events(list(InboundEvent.objects.values_list("id", flat=True)))
    assert list(Message.objects.values_list("after_ingest_pending", flat=True)) == [True, True]
    assert not Annotation.objects.exists()
    assert sweep_after_ingest() == 0  # not overdue yet
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_after_ingest(older_than_seconds=0) == 2
    assert not Message.objects.filter(after_ingest_pending=True).exists()
    assert Annotation.objects.filter(annotator="language").count() == 2
    assert sweep_after_ingest(older_than_seconds=0) == 0  # done is done


def test_no_after_ingest_steps_means_nothing_is_due(client, fake_account, settings):
    settings.AFTER_INGEST_STEPS = []
    signed_post(client, url(fake_account), "test-secret", event("a"))
    process_events(list(InboundEvent.objects.values_list("id", flat=True)))
    assert Message.objects.get().after_ingest_pending is False
    assert sweep_after_ingest(older_than_seconds=0) == 0


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script><b>fett</b>",
        "Null\x00byte und \x07 Steuerzeichen\u200b",
        "x" * 100_000,
        "🔥🔥🔥😡📉",
        "",
    ],
)
def test_hostile_text_is_stored_safely_and_rendered_escaped(
    client, fake_account, agent_client, text, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, url(fake_account), "test-secret", event("h-1", text))
    assert response.status_code == 200
    message = Message.objects.get()
    assert "\x00" not in message.text and "\x07" not in message.text
    assert len(message.text) == len(text) - text.count("\x00") - text.count("\x07")
    page = agent_client.get(f"/conversations/{message.conversation_id}/")
    assert page.status_code == 200
    assert b"<script>alert" not in page.content
    if "<script>" in text:
        assert b"&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.content
