"""Malformed headers on every signed entry point are a 400/401 with a clear message, never a 500.

Before: a non-ASCII signature header made `hmac.compare_digest` raise TypeError, and a user token whose expiry
was a non-ASCII digit ("¹²³" passes `str.isdigit`) made `int()` raise ValueError, both as 500s. Each request
goes through the real URL, with a client that turns a server error into a 500 answer instead of raising.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from resonanz.channels.app.tokens import make_user_token
from resonanz.channels.facebook.adapter import SIGNATURE_HEADER as FACEBOOK_SIGNATURE
from resonanz.channels.models import InboundEvent
from resonanz.channels.webhook.adapter import SIGNATURE_HEADER as WEBHOOK_SIGNATURE
from resonanz.channels.x.adapter import SIGNATURE_HEADER as X_SIGNATURE
from resonanz.testing.factories import ChannelAccountFactory
from tests.channels.app.conftest import APP_SECRET

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "sha256=ä",  # non-ASCII: hmac.compare_digest raised TypeError
    "sha256=\u00ff" * 40,
    "sha256=" + "ß" * 64,
    " ",
    "sha256=",
]
BODY = json.dumps({"id": "e-1", "author": {"handle": "anna"}, "text": "Hallo"}).encode()


@pytest.fixture
def outsider() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def accounts(workspace):
    def make(kind: str, **config: object):
        return ChannelAccountFactory(workspace=workspace, kind=kind, secret="s3cret", config=config)

    return {
        "webhook": (make("webhook"), WEBHOOK_SIGNATURE),
        "phone": (make("phone"), WEBHOOK_SIGNATURE),
        "x": (make("x", user_id="1500000000000000001"), X_SIGNATURE),
        "facebook": (make("facebook", page_id="104", verify_token="mein-token"), FACEBOOK_SIGNATURE),
    }


@pytest.mark.parametrize("kind", ["webhook", "phone", "x", "facebook"])
@pytest.mark.parametrize("value", BAD_VALUES)
def test_malformed_signature_header_is_401(outsider, accounts, kind, value):
    account, header = accounts[kind]
    response = outsider.post(
        f"/api/channels/{account.pk}/events",
        data=BODY,
        content_type="application/json",
        headers={header: value},
    )
    assert response.status_code == 401
    assert response.json()["detail"]
    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize("token", ["mein-tokenä", "ä", "\u00ff" * 300])
def test_facebook_verify_token_that_is_not_ascii_is_403(outsider, accounts, token):
    account, _ = accounts["facebook"]
    response = outsider.get(
        f"/api/channels/{account.pk}/events",
        {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "123"},
    )
    assert response.status_code == 403
    assert response.content == b"verification failed"


@pytest.fixture
def app_account(workspace):
    return ChannelAccountFactory(workspace=workspace, kind="app", secret=APP_SECRET, config={})


@pytest.mark.parametrize(
    "token",
    [
        "kunde-4711.\u00b9\u00b2\u00b3.abcdef",  # superscript digits: isdigit() but not int()
        "kunde-4711.4102444800.abcdefä",  # non-ASCII signature
        "kunde-4711.4102444800." + "ß" * 64,
        "kunde-4711.٤١٠٢٤٤٤٨٠٠.abcdef",  # Arabic-Indic digits: int() reads them, still not our format
        "kunde-4711.-1.abcdef",
        "ä.4102444800.abcdef",
        "...",
        "x",
    ],
)
def test_malformed_app_user_token_is_401(outsider, app_account, token):
    response = outsider.post(
        f"/api/app/{app_account.pk}/conversations",
        data=json.dumps({"client_message_id": "m-000000001", "text": "Hallo"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert response.json()["detail"] in ("malformed user token", "user token signature is invalid")
    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize("visitor", ["ä" * 30, "Vb5qL0mZ3xR7tY1uW9eA2sD4fG6hJ8kPä", " " * 30])
def test_malformed_visitor_header_is_401(outsider, app_account, visitor):
    response = outsider.post(
        f"/api/app/{app_account.pk}/conversations",
        data=json.dumps({"client_message_id": "m-000000001", "text": "Hallo"}),
        content_type="application/json",
        headers={"X-Resonanz-Visitor": visitor},
    )
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize("wanted", ["\u00b2", "٣", "1" * 40])
def test_widget_demo_page_with_a_strange_account_number_is_not_a_500(outsider, app_account, wanted):
    response = outsider.get("/widget-demo/", {"account": wanted})
    assert response.status_code == 200


# --- issue 17 item 6: user tokens with an expiry years ahead ----------------------------------------------------
def start_with_token(client: Client, account, token: str):
    return client.post(
        f"/api/app/{account.pk}/conversations",
        data=json.dumps({"client_message_id": "m-000000001", "text": "Hallo"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_user_token_valid_for_years_is_refused(outsider, app_account):
    token = make_user_token(APP_SECRET, "kunde-4711", int(time.time()) + 5 * 365 * 86400)
    response = start_with_token(outsider, app_account, token)
    assert response.status_code == 401
    assert response.json() == {"detail": "user token lives longer than 86400 seconds: make it shorter-lived"}
    assert InboundEvent.objects.count() == 0


def test_user_token_valid_for_a_day_is_accepted(outsider, app_account):
    token = make_user_token(APP_SECRET, "kunde-4711", int(time.time()) + 86400)
    assert start_with_token(outsider, app_account, token).status_code == 201


def test_maximum_token_lifetime_is_configured_per_channel_account(outsider, app_account):
    app_account.config = {"max_user_token_seconds": 600}
    app_account.save()
    hour = make_user_token(APP_SECRET, "kunde-4711", int(time.time()) + 3600)
    minutes = make_user_token(APP_SECRET, "kunde-4711", int(time.time()) + 300)
    assert start_with_token(outsider, app_account, hour).status_code == 401
    assert start_with_token(outsider, app_account, minutes).status_code == 201


def test_maximum_token_lifetime_default_comes_from_settings(outsider, app_account, settings):
    settings.APP_USER_TOKEN_MAX_SECONDS = 7 * 86400
    token = make_user_token(APP_SECRET, "kunde-4711", int(time.time()) + 3 * 86400)
    assert start_with_token(outsider, app_account, token).status_code == 201
