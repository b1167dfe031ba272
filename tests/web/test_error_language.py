"""An action's refusal reaches the agent in the UI's language (issue 11, item 5; decision 0016): German by
default, English once the agent switches the language in the top bar (`set_language`)."""

from __future__ import annotations

import pytest

from resonanz.conversations.models import Message
from resonanz.testing.factories import MessageFactory

pytestmark = pytest.mark.django_db


def refuse_empty_reply(client, conversation):
    response = client.post(
        f"/conversations/{conversation.pk}/reply", {"text": "   "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    return response.content.decode()


def test_a_refused_reply_reads_german_then_english_after_the_switch(agent_client, fake_account):
    conversation = MessageFactory(conversation__channel_account=fake_account).conversation

    german = refuse_empty_reply(agent_client, conversation)
    switched = agent_client.post("/language/", {"language": "en", "next": "/"})
    english = refuse_empty_reply(agent_client, conversation)

    assert "Eine Antwort braucht Text" in german
    assert "a reply needs text" not in german
    assert switched.cookies["django_language"].value == "en"
    assert "a reply needs text" in english
    assert "Eine Antwort braucht Text" not in english
    assert not Message.objects.filter(direction="out").exists()


def test_the_browser_language_is_followed_without_a_switch(agent_client, fake_account):
    conversation = MessageFactory(conversation__channel_account=fake_account).conversation
    response = agent_client.post(
        f"/conversations/{conversation.pk}/reply",
        {"text": ""},
        headers={"HX-Request": "true", "Accept-Language": "en-US,en;q=0.9"},
    )
    assert response.status_code == 400
    assert "a reply needs text" in response.content.decode()
