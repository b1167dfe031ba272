"""X inbound: the Account Activity webhook (CRC, signature, DMs) and the parsed shapes of polled posts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest

from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import InboundEvent
from resonanz.channels.testing import load_fixture, post_fixture
from resonanz.channels.x.adapter import SIGNATURE_HEADER, XAdapter, sign_body
from resonanz.channels.x.polling import tweet_events
from resonanz.conversations.models import Message
from resonanz.customers.models import Identity

pytestmark = pytest.mark.django_db


def fixture_json(name: str):
    return json.loads(load_fixture("x", name)[0])


def test_crc_challenge_is_answered_with_the_hmac_of_the_token(client, x_account):
    response = client.get(f"/api/channels/{x_account.pk}/events", {"crc_token": "Y3JjLXRva2Vu"})
    expected = base64.b64encode(
        hmac.new(b"consumer-secret", b"Y3JjLXRva2Vu", hashlib.sha256).digest()
    ).decode()
    assert response.status_code == 200
    assert response.json() == {"response_token": f"sha256={expected}"}


def test_crc_without_token_is_refused(client, x_account):
    response = client.get(f"/api/channels/{x_account.pk}/events")
    assert response.status_code == 400


def test_crc_token_of_x_shape_is_answered(client, x_account):
    token = base64.urlsafe_b64encode(b"\x8f" * 32).decode()
    response = client.get(f"/api/channels/{x_account.pk}/events", {"crc_token": token})
    assert response.status_code == 200
    assert response.json() == {
        "response_token": sign_body("consumer-secret", token.encode())[SIGNATURE_HEADER]
    }


@pytest.mark.parametrize(
    "token",
    [
        '{"for_user_id": "1500000000000000001"}',
        "a b",
        "A" * 129,
        "token\u00e4",
        "tok.en",
    ],
)
def test_crc_token_of_another_shape_is_refused(client, x_account, token):
    response = client.get(f"/api/channels/{x_account.pk}/events", {"crc_token": token})
    assert response.status_code == 400
    assert "response_token" not in response.json()


def test_crc_cannot_sign_a_forged_account_activity_body(client, x_account):
    """The CRC answer is HMAC(consumer secret, token), the same function that signs webhook bodies: if it
    signed any token, an outsider could sign a forged DM and post it (a message in any customer's name)."""
    body, _ = load_fixture("x", "direct_message")
    answer = client.get(f"/api/channels/{x_account.pk}/events", {"crc_token": body.decode()})
    assert answer.status_code == 400
    forged_signature = answer.json().get("response_token", "sha256=")
    response = client.post(
        f"/api/channels/{x_account.pk}/events",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: forged_signature},
    )
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


def test_direct_message_is_stored_as_a_private_message(client, x_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_fixture(client, x_account, "x", "direct_message", sign=sign_body)
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    message = Message.objects.get()
    assert message.external_id == "1861000000000000707"
    assert message.text == "Hier meine Kundennummer: 4711-0815. Bitte rufen Sie mich an."
    assert message.visibility == "private"
    assert message.created_at == dt.datetime(2026, 11, 23, 9, 15, tzinfo=dt.UTC)
    assert message.extra == {"x_author_id": "2244994945"}
    identity = Identity.objects.get()
    assert (identity.kind, identity.handle, identity.display_name) == ("x", "anna_k", "Anna Köhler")


def test_direct_message_delivered_twice_is_one_message(client, x_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = post_fixture(client, x_account, "x", "direct_message", sign=sign_body)
        second = post_fixture(client, x_account, "x", "direct_message", sign=sign_body)
    assert first.json() == {"accepted": 1, "duplicates": 0}
    assert second.json() == {"accepted": 0, "duplicates": 1}
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {SIGNATURE_HEADER: "sha256=AAAA"}, {SIGNATURE_HEADER: "garbage"}],
)
def test_wrong_signature_is_rejected_with_nothing_stored(client, x_account, headers):
    body, _ = load_fixture("x", "direct_message")
    response = client.post(
        f"/api/channels/{x_account.pk}/events", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0
    assert Message.objects.count() == 0


def test_signature_of_another_secret_is_rejected(client, x_account):
    response = post_fixture(
        client, x_account, "x", "direct_message", sign=lambda _s, b: sign_body("other", b)
    )
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


def test_unknown_account_activity_event_is_acknowledged_and_nothing_stored(client, x_account, caplog):
    response = post_fixture(client, x_account, "x", "favorite_event", sign=sign_body)
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 0}
    assert InboundEvent.objects.count() == 0
    assert [r.getMessage() for r in caplog.records if r.name == "resonanz.channels.x"] == [
        "channel.x.ignored"
    ]


def test_our_own_direct_message_echo_is_ignored(client, x_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_fixture(client, x_account, "x", "direct_message_echo", sign=sign_body)
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.status, event.error) == ("ignored", "our own direct message")
    assert Message.objects.count() == 0


def test_malformed_item_in_a_batch_is_skipped_and_the_rest_stored(
    client, x_account, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_fixture(client, x_account, "x", "direct_message_batch_with_malformed", sign=sign_body)
    assert response.json() == {"accepted": 2, "duplicates": 0}
    assert list(Message.objects.order_by("external_id").values_list("text", flat=True)) == [
        "Erste Nachricht",
        "Dritte Nachricht",
    ]
    assert "channel.x.malformed_item" in [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("body", [b"{not json", b"[]", json.dumps({"direct_message_events": []}).encode()])
def test_malformed_body_is_rejected_with_nothing_stored(client, x_account, body):
    response = post_fixture(client, x_account, "x", "direct_message", sign=sign_body, body=body)
    assert response.status_code == 400
    assert InboundEvent.objects.count() == 0


def test_polled_mention_page_becomes_threaded_public_messages(x_account, django_capture_on_commit_callbacks):
    events, skipped = tweet_events(fixture_json("mentions_page"))
    with django_capture_on_commit_callbacks(execute=True):
        accept_events(x_account, events)
    assert skipped == 0
    first, second = Message.objects.order_by("created_at")
    assert first.external_id == "1861000000000000101"
    assert first.text == (
        "@netzwelt_hilft Seit heute früh kein Internet in 50667 Köln & der Router blinkt rot 😡 "
        "https://t.co/AbCdEf123"
    )
    assert first.visibility == "public"
    assert first.url == "https://x.com/Anna_K/status/1861000000000000101"
    assert first.extra == {"x_author_id": "2244994945", "x_conversation_id": "1861000000000000101"}
    assert second.conversation_id == first.conversation_id
    assert second.created_at == dt.datetime(2026, 11, 23, 9, 41, 7, tzinfo=dt.UTC)


def test_stream_line_keeps_the_matching_rule(x_account):
    [event] = tweet_events(fixture_json("stream_line"))[0]
    [message] = XAdapter().parse_inbound(x_account, event)
    assert message.extra["matching_rules"] == ["störung"]
    assert (message.author.handle, message.author.display_name) == ("deniz_hh", "Deniz")


def test_our_own_post_in_the_stream_is_ignored(x_account, django_capture_on_commit_callbacks):
    line = fixture_json("stream_line")
    line["data"]["author_id"] = x_account.config["user_id"]
    with django_capture_on_commit_callbacks(execute=True):
        accept_events(x_account, tweet_events(line)[0])
    assert InboundEvent.objects.get().status == "ignored"
    assert Message.objects.count() == 0


def test_unknown_stored_event_type_is_ignored(x_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accept_events(x_account, [RawEvent("e-1", {"x": 1}, event_type="follow")])
    assert InboundEvent.objects.get().status == "ignored"
    assert Message.objects.count() == 0


def test_event_for_another_subscribed_user_is_not_stored(client, x_account):
    body = fixture_json("direct_message")
    body["for_user_id"] = "999"
    raw = json.dumps(body).encode()
    response = post_fixture(client, x_account, "x", "direct_message", sign=sign_body, body=raw)
    assert response.json() == {"accepted": 0, "duplicates": 0}
    assert InboundEvent.objects.count() == 0
