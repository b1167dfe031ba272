"""The REST API through HTTP: conversations, messages, replies, status; auth and the permission matrix."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from resonanz.channels.models import OutboundDelivery
from resonanz.cli.management.commands.openapi import SCHEMA_PATH, current_schema
from resonanz.testing.factories import AgentFactory, ConversationFactory, MessageFactory, WorkspaceFactory
from resonanz.workspaces.actions import do_create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_client(agent):
    _, key = do_create_api_token(agent, "test")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def conversation(fake_account):
    message = MessageFactory(
        conversation__channel_account=fake_account, conversation__subject="Router blinkt rot"
    )
    return message.conversation


def test_list_conversations(token_client, conversation):
    response = token_client.get("/api/conversations")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == conversation.pk
    assert item["subject"] == "Router blinkt rot"
    assert item["channel_kind"] == "fake"
    assert item["customer"]["display_name"] == conversation.customer.display_name


def test_get_conversation_and_messages(token_client, conversation):
    assert token_client.get(f"/api/conversations/{conversation.pk}").json()["status"] == "new"
    messages = token_client.get(f"/api/conversations/{conversation.pk}/messages").json()
    assert [m["direction"] for m in messages] == ["in"]
    assert messages[0]["text"] == "Seit heute früh kein Internet in 50667 Köln"


def test_post_reply_is_stored_and_delivered_through_the_fake_channel(
    token_client, conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client.post(
            f"/api/conversations/{conversation.pk}/replies",
            data=json.dumps({"text": "Wir schauen sofort nach!"}),
            content_type="application/json",
        )
    assert response.status_code == 201
    body = response.json()
    assert body["direction"] == "out"
    assert body["text"] == "Wir schauen sofort nach!"
    delivery = OutboundDelivery.objects.get()
    assert delivery.status == "sent"
    assert delivery.external_ids == [f"fake-out-{delivery.idempotency_key}"]
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert conversation.first_responded_at is not None


def test_empty_reply_is_rejected_and_nothing_stored(token_client, conversation):
    response = token_client.post(
        f"/api/conversations/{conversation.pk}/replies",
        data=json.dumps({"text": "   "}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "a reply needs text"}
    assert not OutboundDelivery.objects.exists()


def test_status_change(token_client, conversation):
    response = token_client.post(
        f"/api/conversations/{conversation.pk}/status",
        data=json.dumps({"status": "solved"}),
        content_type="application/json",
    )
    assert response.json()["status"] == "solved"
    bad = token_client.post(
        f"/api/conversations/{conversation.pk}/status",
        data=json.dumps({"status": "zu"}),
        content_type="application/json",
    )
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/conversations"),
        ("get", "/api/conversations/{id}"),
        ("get", "/api/conversations/{id}/messages"),
        ("post", "/api/conversations/{id}/replies"),
        ("post", "/api/conversations/{id}/status"),
    ],
)
def test_permission_matrix(conversation, method, path):
    url = path.format(id=conversation.pk)
    payload = (
        {"data": json.dumps({"text": "x", "status": "open"}), "content_type": "application/json"}
        if method == "post"
        else {}
    )
    anonymous = getattr(Client(), method)(url, **payload)
    assert anonymous.status_code == 401
    wrong_token = getattr(Client(headers={"Authorization": "Bearer rz_nope"}), method)(url, **payload)
    assert wrong_token.status_code == 401
    stranger: Any = AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere GmbH"))
    _, key = do_create_api_token(stranger, "x")
    foreign = getattr(Client(headers={"Authorization": f"Bearer {key}"}), method)(url, **payload)
    if path == "/api/conversations":
        assert foreign.json()["count"] == 0
    else:
        assert foreign.status_code == 404
    assert not OutboundDelivery.objects.exists()


def test_session_auth_works_for_the_web_ui(agent_client, conversation):
    assert agent_client.get("/api/conversations").json()["count"] == 1


def test_inbox_list_query_count_does_not_grow(token_client, fake_account):
    from resonanz.testing.helpers import assert_database_query_count

    for _ in range(3):
        ConversationFactory(channel_account=fake_account)
    with assert_database_query_count(4):  # token, last_used update, count, page
        token_client.get("/api/conversations")
    for _ in range(20):
        ConversationFactory(channel_account=fake_account)
    with assert_database_query_count(3):  # last_used is written at most once a minute
        token_client.get("/api/conversations")


def test_openapi_schema_in_repo_matches_the_code():
    assert SCHEMA_PATH.read_text() == current_schema(), "run `resonanz openapi` and commit docs/openapi.json"
