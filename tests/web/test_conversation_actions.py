"""The conversation page's workspace actions through HTTP: notes with @mentions, call notes, transfer,
priority, move to private, one-click annotation corrections, macros and the X composer preview."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from resonanz.conversations.models import Conversation, Macro, Message, Notification, TimelineEntry
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.understanding.models import Annotation, Correction
from resonanz.workspaces.actions import do_ensure_team

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.fixture
def conversation(fake_account):
    conversation = make(ConversationFactory, channel_account=fake_account, is_public=True)
    make(MessageFactory, conversation=conversation, text="Mein Router blinkt <b>rot</b>", visibility="public")
    return conversation


def htmx(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


def test_note_with_mention_notifies_the_colleague(agent_client, workspace, conversation):
    colleague = make(AgentFactory, workspace=workspace)
    response = htmx(
        agent_client,
        f"/conversations/{conversation.pk}/note",
        {"text": f"@{colleague.user.username} schau mal"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/conversations/{conversation.pk}/"
    note = Message.objects.get(conversation=conversation, visibility="note")
    assert note.mentions.get().agent == colleague
    notification = Notification.objects.get(agent=colleague)
    assert (notification.kind, notification.conversation_id) == ("mention", conversation.pk)


def test_an_empty_note_is_refused_into_the_error_area(agent_client, conversation):
    response = htmx(agent_client, f"/conversations/{conversation.pk}/note", {"text": "  "})
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#errors"
    assert not Message.objects.filter(visibility="note").exists()


def test_call_note_is_stored_and_shown(agent_client, conversation):
    response = agent_client.post(
        f"/conversations/{conversation.pk}/call-note", {"text": "Rückruf: Router neu"}
    )
    assert response.status_code == 302
    assert TimelineEntry.objects.filter(conversation=conversation, kind="call_note").exists()
    assert "Rückruf: Router neu" in agent_client.get(f"/conversations/{conversation.pk}/").content.decode()


def test_transfer_to_a_colleague_with_a_note_notifies_them(agent_client, agent, workspace, conversation):
    colleague = make(AgentFactory, workspace=workspace)
    response = agent_client.post(
        f"/conversations/{conversation.pk}/transfer", {"to": f"agent:{colleague.pk}", "note": "Technik"}
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.owner == colleague
    entry = TimelineEntry.objects.get(conversation=conversation, kind="transferred")
    assert entry.data["note"] == "Technik" and entry.actor == agent
    assert Notification.objects.get(agent=colleague).kind == "assigned"


def test_transfer_to_a_team_clears_the_owner(agent_client, agent, workspace, conversation):
    Conversation.objects.filter(pk=conversation.pk).update(owner=agent)
    team = do_ensure_team(workspace, "Technik")
    response = agent_client.post(f"/conversations/{conversation.pk}/transfer", {"to": f"team:{team.pk}"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.owner_id) == (team.pk, None)
    assert (
        TimelineEntry.objects.get(conversation=conversation, kind="transferred").data["to_team_id"] == team.pk
    )


def test_transfer_to_another_workspaces_agent_is_refused(agent_client, conversation):
    stranger = make(AgentFactory, workspace=make(WorkspaceFactory, slug="fremd"))
    response = agent_client.post(f"/conversations/{conversation.pk}/transfer", {"to": f"agent:{stranger.pk}"})
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.owner_id is None


def test_priority_changes_with_a_timeline_entry(agent_client, conversation):
    response = agent_client.post(f"/conversations/{conversation.pk}/priority", {"priority": "3"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.priority == 3
    assert TimelineEntry.objects.get(conversation=conversation, kind="priority_changed").data == {
        "from": 1,
        "to": 3,
    }
    assert (
        agent_client.post(f"/conversations/{conversation.pk}/priority", {"priority": "9"}).status_code == 400
    )


def test_move_to_private_previews_and_sends_the_acknowledgement(agent_client, conversation):
    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "Wir melden uns per Direktnachricht bei dir." in page
    response = agent_client.post(f"/conversations/{conversation.pk}/move-private")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.is_public is False
    acknowledgement = Message.objects.get(conversation=conversation, direction="out")
    assert acknowledgement.text == "Wir melden uns per Direktnachricht bei dir."
    again = htmx(agent_client, f"/conversations/{conversation.pk}/move-private", {})
    assert again.status_code == 409 and again["HX-Retarget"] == "#errors"


def test_annotations_are_shown_and_a_sentiment_is_corrected_with_one_click(agent_client, agent, conversation):
    message = conversation.messages.get()
    for annotator, label in [
        ("language", "de"),
        ("sentiment", "positive"),
        ("urgency", "high"),
        ("sensitivity", "public"),
        ("region", "Köln"),
    ]:
        Annotation.objects.create(message=message, annotator=annotator, version="1", label=label)
    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    for annotator in ("language", "sentiment", "urgency", "sensitivity", "region"):
        assert f'data-annotation="{annotator}"' in page
    assert 'data-correct="sentiment-negative"' in page
    assert "&lt;b&gt;rot&lt;/b&gt;" in page  # inbound text is escaped

    url = f"/conversations/{conversation.pk}/messages/{message.pk}/annotations/sentiment"
    response = htmx(agent_client, url, {"label": "negative"})
    assert response.status_code == 200
    correction = Correction.objects.get(message=message, annotator="sentiment")
    assert (correction.label, correction.previous_label, correction.agent) == ("negative", "positive", agent)
    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'data-annotation="sentiment" data-value="negative"' in page
    assert htmx(agent_client, url, {"label": "furious"}).status_code == 400


def test_correcting_a_message_of_another_conversation_is_404(agent_client, conversation, fake_account):
    other = make(MessageFactory, conversation=make(ConversationFactory, channel_account=fake_account))
    url = f"/conversations/{conversation.pk}/messages/{other.pk}/annotations/sentiment"
    assert agent_client.post(url, {"label": "negative"}).status_code == 404


def test_macros_are_searched_by_name_and_filled(agent_client, agent, workspace, conversation):
    greeting = Macro.objects.create(
        workspace=workspace, name="Begrüßung", language="de", text="Hallo {customer_name}!"
    )
    Macro.objects.create(workspace=workspace, name="Störung", language="de", text="Wir prüfen die Störung.")
    found = agent_client.get(f"/conversations/{conversation.pk}/macros?q=begr").content.decode()
    assert "Begrüßung" in found and "Störung" not in found
    filled = json.loads(agent_client.get(f"/conversations/{conversation.pk}/macros/{greeting.pk}").content)
    assert filled["text"] == f"Hallo {conversation.customer.display_name}!"
    foreign = Macro.objects.create(
        workspace=make(WorkspaceFactory, slug="fremd"), name="X", language="de", text="x"
    )
    assert agent_client.get(f"/conversations/{conversation.pk}/macros/{foreign.pk}").status_code == 404


def test_x_preview_counts_weighted_and_numbers_the_thread(agent_client, conversation):
    url = f"/conversations/{conversation.pk}/compose-preview"
    short = agent_client.get(url, {"text": "Hallo https://example.com/" + "a" * 80}).content.decode()
    assert 'data-weight="33"' in short  # "Hallo " 6 + URL 23 + " ^MK" 4
    assert "thread-preview" not in short
    long_text = " ".join(["Wort"] * 120)  # 599 characters
    page = agent_client.get(url, {"text": long_text}).content.decode()
    assert "thread-preview" in page
    assert 'data-part="3"' in page and "1/3" in page and "3/3" in page
    assert "over" in page


def test_x_preview_counts_a_url_as_23(agent_client, conversation):
    url = f"/conversations/{conversation.pk}/compose-preview"
    page = agent_client.get(
        url, {"text": "https://example.com/" + "a" * 100, "private": "1"}
    ).content.decode()
    assert 'data-weight="23"' in page


def test_email_preview_counts_plain_characters(agent_client, workspace):
    mail = make(ChannelAccountFactory, workspace=workspace, config={"imitates": "email"}, is_public=False)
    conversation = make(ConversationFactory, channel_account=mail)
    page = agent_client.get(
        f"/conversations/{conversation.pk}/compose-preview", {"text": "Guten Tag"}
    ).content
    assert b'data-weight="9"' in page and b"thread-preview" not in page


def test_an_analyst_sees_no_action_forms(workspace, conversation):
    analyst = make(AgentFactory, workspace=workspace, role="analyst")
    client = Client()
    assert client.login(username=analyst.user.username, password=PASSWORD)
    page = client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert f"/conversations/{conversation.pk}/note" not in page
    assert client.post(f"/conversations/{conversation.pk}/note", {"text": "x"}).status_code == 403


def test_a_macro_limited_to_e_mail_is_not_offered_on_x(agent_client, workspace, conversation):
    imitated = conversation.channel_account.config.get("imitates") or conversation.channel_account.kind
    other = "email" if imitated != "email" else "x"
    Macro.objects.create(workspace=workspace, name="Überall", language="de", text="a")
    Macro.objects.create(
        workspace=workspace, name="Nur hier", language="de", text="b", channel_kinds=[imitated]
    )
    Macro.objects.create(workspace=workspace, name="Nur dort", language="de", text="c", channel_kinds=[other])
    found = agent_client.get(f"/conversations/{conversation.pk}/macros").content.decode()
    assert "Überall" in found and "Nur hier" in found
    assert "Nur dort" not in found


def test_a_refused_correction_without_javascript_shows_the_page_with_the_reason(agent_client, fake_account):
    from resonanz.testing.factories import ConversationFactory, MessageFactory

    conversation = ConversationFactory(channel_account=fake_account)
    message = MessageFactory(conversation=conversation)
    response = agent_client.post(
        f"/conversations/{conversation.pk}/messages/{message.pk}/annotations/topic",
        {"label": "gibt-es-nicht"},
    )
    assert response.status_code == 400
    assert "gibt-es-nicht" in response.content.decode() and 'id="thread"' in response.content.decode()
