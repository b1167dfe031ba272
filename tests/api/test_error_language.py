"""The API's error texts (decision 0016): English for a client that names no language, the language it
asks for otherwise; the agent UI's German default does not apply to /api/."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from resonanz.testing.factories import MessageFactory
from resonanz.workspaces.actions import do_create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(agent):
    return do_create_api_token(agent, "test")[1]


def empty_reply(key, fake_account, **headers):
    conversation = MessageFactory(conversation__channel_account=fake_account).conversation
    client = Client(headers={"Authorization": f"Bearer {key}", **headers})
    response = client.post(
        f"/api/conversations/{conversation.pk}/replies",
        data=json.dumps({"text": " "}),
        content_type="application/json",
    )
    assert response.status_code == 400
    return response.json()["detail"], response.headers["Content-Language"]


def test_a_client_that_names_no_language_reads_english(key, fake_account):
    assert empty_reply(key, fake_account) == ("a reply needs text", "en")


def test_a_client_that_asks_for_german_reads_german(key, fake_account):
    assert empty_reply(key, fake_account, **{"Accept-Language": "de-DE,de;q=0.9"}) == (
        "Eine Antwort braucht Text",
        "de",
    )


def test_a_client_that_asks_for_english_reads_english(key, fake_account):
    assert empty_reply(key, fake_account, **{"Accept-Language": "en"}) == ("a reply needs text", "en")


def test_the_default_does_not_leak_into_the_agent_ui(key, agent, fake_account, agent_client):
    empty_reply(key, fake_account)
    conversation = MessageFactory(conversation__channel_account=fake_account).conversation
    response = agent_client.post(
        f"/conversations/{conversation.pk}/reply", {"text": ""}, headers={"HX-Request": "true"}
    )
    assert "Eine Antwort braucht Text" in response.content.decode()
