"""The Facebook page webhook: verification, signature, feed comments and posts, Messenger."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest

from resonanz.channels.facebook.adapter import SIGNATURE_HEADER, sign_body
from resonanz.channels.models import InboundEvent
from resonanz.channels.testing import load_fixture, post_fixture
from resonanz.conversations.models import Conversation, Message
from resonanz.customers.models import Identity

pytestmark = pytest.mark.django_db


def url(account) -> str:
    return f"/api/channels/{account.pk}/events"


def post(client, account, name, capture):
    with capture(execute=True):
        return post_fixture(client, account, "facebook", name, sign=sign_body)


def test_subscription_check_echoes_the_challenge(client, facebook_account):
    response = client.get(
        url(facebook_account),
        {"hub.mode": "subscribe", "hub.verify_token": "mein-verify-token", "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "falsch", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "mein-verify-token", "hub.challenge": "1"},
        {},
    ],
)
def test_subscription_check_with_a_wrong_token_is_refused(client, facebook_account, query):
    response = client.get(url(facebook_account), query)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_signature_is_the_hex_hmac_of_the_raw_body():
    assert sign_body("app-secret", b"{}") == {
        SIGNATURE_HEADER: "sha256=" + hmac.new(b"app-secret", b"{}", hashlib.sha256).hexdigest()
    }


def test_comment_is_stored_as_a_public_message(client, facebook_account, django_capture_on_commit_callbacks):
    response = post(client, facebook_account, "feed_comment", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0}
    message = Message.objects.get()
    assert message.external_id == "223344556677889_1122334455667788"
    assert message.text == "Seit heute früh kein Internet in 50667 Köln. Wann geht es wieder?"
    assert message.visibility == "public"
    assert message.url == "https://www.facebook.com/104123456789012/posts/pfbid02abc"
    assert message.created_at == dt.datetime(2026, 11, 23, 9, 20, tzinfo=dt.UTC)
    assert message.extra == {
        "facebook_item": "comment",
        "facebook_post_id": "104123456789012_223344556677889",
    }
    identity = Identity.objects.get()
    assert (identity.kind, identity.handle, identity.display_name) == (
        "facebook",
        "5551234567890",
        "Anna Köhler",
    )


def test_reply_to_a_comment_joins_its_conversation(
    client, facebook_account, django_capture_on_commit_callbacks
):
    post(client, facebook_account, "feed_comment", django_capture_on_commit_callbacks)
    post(client, facebook_account, "feed_comment_reply", django_capture_on_commit_callbacks)
    first, second = Message.objects.order_by("created_at")
    assert second.reply_to == first
    assert Conversation.objects.get().message_count == 2


def test_visitor_post_is_stored(client, facebook_account, django_capture_on_commit_callbacks):
    post(client, facebook_account, "feed_visitor_post", django_capture_on_commit_callbacks)
    message = Message.objects.get()
    assert (message.external_id, message.text) == (
        "104123456789012_998877665544332",
        "Drei Techniker-Termine verpasst. So geht man nicht mit Kunden um!",
    )
    assert message.url == "https://www.facebook.com/104123456789012_998877665544332"


def test_messenger_message_is_stored_as_a_private_message(
    client, facebook_account, django_capture_on_commit_callbacks
):
    post(client, facebook_account, "messages", django_capture_on_commit_callbacks)
    message = Message.objects.get()
    assert message.external_id == "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
    assert message.visibility == "private"
    assert message.created_at == dt.datetime(2026, 11, 23, 9, 26, 40, 123000, tzinfo=dt.UTC)
    assert message.extra == {"facebook_psid": "7412589630001234"}
    assert Identity.objects.get().handle == "7412589630001234"


def test_webhook_delivered_twice_is_one_message(client, facebook_account, django_capture_on_commit_callbacks):
    first = post(client, facebook_account, "feed_comment", django_capture_on_commit_callbacks)
    second = post(client, facebook_account, "feed_comment", django_capture_on_commit_callbacks)
    assert (first.json(), second.json()) == (
        {"accepted": 1, "duplicates": 0},
        {"accepted": 0, "duplicates": 1},
    )
    assert Message.objects.count() == 1


@pytest.mark.parametrize("name", ["feed_reaction", "messages_delivery_receipt", "messages_echo"])
def test_unknown_event_is_acknowledged_logged_and_not_stored(client, facebook_account, name, caplog):
    response = post_fixture(client, facebook_account, "facebook", name, sign=sign_body)
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 0}
    assert InboundEvent.objects.count() == 0
    assert "channel.facebook.ignored" in [r.getMessage() for r in caplog.records]


def test_our_own_comment_is_ignored(client, facebook_account, django_capture_on_commit_callbacks):
    body = json.loads(load_fixture("facebook", "feed_comment")[0])
    body["entry"][0]["changes"][0]["value"]["from"] = {"id": "104123456789012", "name": "Netzwelt"}
    with django_capture_on_commit_callbacks(execute=True):
        post_fixture(
            client,
            facebook_account,
            "facebook",
            "feed_comment",
            sign=sign_body,
            body=json.dumps(body).encode(),
        )
    assert InboundEvent.objects.get().status == "ignored"
    assert Message.objects.count() == 0


def test_malformed_item_in_a_batch_is_skipped_and_the_rest_stored(
    client, facebook_account, django_capture_on_commit_callbacks, caplog
):
    response = post(client, facebook_account, "feed_batch_with_malformed", django_capture_on_commit_callbacks)
    assert response.json() == {"accepted": 2, "duplicates": 0}
    assert sorted(Message.objects.values_list("text", flat=True)) == ["Dritter Kommentar", "Erster Kommentar"]
    assert "channel.facebook.malformed_item" in [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SIGNATURE_HEADER: "sha256=00"},
        {SIGNATURE_HEADER: sign_body("anderes-secret", b"{}")[SIGNATURE_HEADER]},
    ],
)
def test_wrong_signature_is_rejected_with_nothing_stored(client, facebook_account, headers):
    body, _ = load_fixture("facebook", "feed_comment")
    response = client.post(url(facebook_account), data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0
    assert Message.objects.count() == 0


@pytest.mark.parametrize("body", [b"not json", b"[1]", json.dumps({"object": "page", "entry": {}}).encode()])
def test_malformed_body_is_rejected_with_nothing_stored(client, facebook_account, body):
    response = post_fixture(client, facebook_account, "facebook", "feed_comment", sign=sign_body, body=body)
    assert response.status_code == 400
    assert InboundEvent.objects.count() == 0


def test_event_of_another_page_of_the_same_app_is_not_stored(client, facebook_account):
    body = json.loads(load_fixture("facebook", "feed_comment")[0])
    body["entry"][0]["id"] = "999999999"
    response = post_fixture(
        client, facebook_account, "facebook", "feed_comment", sign=sign_body, body=json.dumps(body).encode()
    )
    assert response.json() == {"accepted": 0, "duplicates": 0}
    assert InboundEvent.objects.count() == 0
