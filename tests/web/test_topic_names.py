"""Topics read as their names in the inbox rows and on the conversation's annotation chips, in the UI
language; "other" (no topic) reads as words too. They showed as slugs ("stoerung", "other") before."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import Client

from resonanz.conversations.models import Conversation, Message
from resonanz.testing.factories import ConversationFactory, MessageFactory
from resonanz.understanding.models import Annotation, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def labelled(workspace, fake_account) -> tuple[Conversation, Conversation]:
    Topic.objects.create(workspace=workspace, slug="stoerung", name="Störung", name_en="Outage")
    outage = cast(Conversation, ConversationFactory(channel_account=fake_account, status="open"))
    nothing = cast(Conversation, ConversationFactory(channel_account=fake_account, status="open"))
    for conversation, topic in ((outage, "stoerung"), (nothing, "other")):
        message = cast(Message, MessageFactory(conversation=conversation, text="Kein Internet"))
        Annotation.objects.create(message=message, annotator="topic", version="1", label=topic)
    return outage, nothing


def test_the_inbox_rows_show_topic_names(agent_client: Client, labelled) -> None:
    page = agent_client.get("/?status=all").content.decode()
    assert '<span class="label topic">Störung</span>' in page
    assert '<span class="label topic">stoerung</span>' not in page
    assert '<span class="label topic">kein Thema</span>' in page
    english = agent_client.get("/?status=all", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="label topic">Outage</span>' in english
    rows = agent_client.get("/?status=all", HTTP_HX_REQUEST="true").content.decode()  # the rows' partial
    assert '<span class="label topic">Störung</span>' in rows


def test_the_conversation_shows_topic_names_and_offers_them_for_a_correction(
    agent_client: Client, labelled
) -> None:
    outage, nothing = labelled
    page = agent_client.get(f"/conversations/{outage.pk}/").content.decode()
    chip = page[page.index('data-annotation="topic"') :]
    assert chip[: chip.index("</summary>")].endswith("Störung")
    other = agent_client.get(f"/conversations/{nothing.pk}/").content.decode()
    assert 'data-value="other"' in other and "kein Thema" in other
    assert 'data-correct="topic-stoerung">Störung</button>' in other
