# mypy: disable-error-code="arg-type,misc,comparison-overlap,operator"
"""Internal notes, mentions and macros through the API, plus the pure placeholder renderer."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.actions import mentioned_usernames
from resonanz.conversations.macros import check_macro_text, incident_status_for, render
from resonanz.conversations.models import Macro, Mention, Message, Notification, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    MessageFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db


def login(agent) -> Client:
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    return client


@pytest.fixture
def conversation(fake_account):
    customer = CustomerFactory(workspace=fake_account.workspace, display_name="Anna Beispiel")
    conversation = ConversationFactory(channel_account=fake_account, customer=customer)
    MessageFactory(conversation=conversation)
    return conversation


@pytest.fixture
def stranger(db) -> Client:
    other = WorkspaceFactory(slug="andere", name="Andere GmbH")
    return login(AgentFactory(workspace=other))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@mia bitte prüfen", ["mia"]),
        ("cc @mia.k, @jonas.", ["mia.k", "jonas"]),
        ("@mia @mia", ["mia"]),
        ("Mail an anna@example.de", []),
        ("(@lena) und @tom-b!", ["lena", "tom-b"]),
        ("kein Erwähnung @", []),
    ],
)
def test_mentioned_usernames(text, expected):
    assert mentioned_usernames(text) == expected


def test_note_is_stored_never_sent_and_mentions_notify_colleagues(
    agent, agent_client, conversation, workspace
):
    colleague = AgentFactory(workspace=workspace, user=UserFactory(username="jonas.b"))
    outsider = AgentFactory(workspace=WorkspaceFactory(slug="andere"), user=UserFactory(username="lena"))
    text = f"@jonas.b kannst du übernehmen? @{agent.user.username} @lena @unbekannt anna@example.de"

    response = agent_client.post(
        f"/api/conversations/{conversation.pk}/notes", {"text": text}, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["visibility"], body["direction"], body["text"]) == ("note", "out", text)
    assert body["mentioned_agent_ids"] == [colleague.pk]
    assert body["delivery_status"] is None
    assert OutboundDelivery.objects.count() == 0
    assert list(Mention.objects.values_list("agent_id", flat=True)) == [colleague.pk]
    notification = Notification.objects.get()
    assert (notification.agent, notification.kind, notification.conversation) == (
        colleague,
        "mention",
        conversation,
    )
    assert notification.message_id == body["id"]
    assert notification.data["by_agent_id"] == agent.pk
    assert not Notification.objects.filter(agent__in=[agent, outsider]).exists()
    entry = TimelineEntry.objects.get(kind="note_added")
    assert entry.data == {"message_id": body["id"], "mentioned_agent_ids": [colleague.pk]}
    conversation.refresh_from_db()
    assert conversation.first_responded_at is None

    listed = login(colleague).get("/api/notifications?unread=true")
    assert [n["kind"] for n in listed.json()] == ["mention"]
    assert agent_client.get("/api/notifications").json() == []


@pytest.mark.parametrize(("text", "status"), [("", 400), ("   ", 400), ("x" * 20_001, 400)])
def test_invalid_note_is_rejected_with_nothing_stored(agent_client, conversation, text, status):
    response = agent_client.post(
        f"/api/conversations/{conversation.pk}/notes", {"text": text}, content_type="application/json"
    )
    assert response.status_code == status
    assert not Message.objects.filter(visibility="note").exists()


def test_note_permissions(client, stranger, conversation):
    url = f"/api/conversations/{conversation.pk}/notes"
    assert client.post(url, {"text": "hi"}, content_type="application/json").status_code == 401
    assert stranger.post(url, {"text": "hi"}, content_type="application/json").status_code == 404
    assert not Message.objects.filter(visibility="note").exists()


VARIABLES = {
    "customer_name": "Anna Beispiel",
    "customer_first_name": "Anna",
    "agent_signature": "^MK",
    "incident_status": "Störung in 50667 behoben.",
}


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("Hallo {customer_name}! {agent_signature}", VARIABLES, "Hallo Anna Beispiel! ^MK"),
        ("{incident_status}", VARIABLES, "Störung in 50667 behoben."),
        ("{unknown} bleibt", VARIABLES, "{unknown} bleibt"),
        ("{{customer_name}} ist literal", VARIABLES, "{customer_name} ist literal"),
        ("{{ settings.SECRET_KEY }}", VARIABLES, "{ settings.SECRET_KEY }"),
        ("{% load static %}{customer_first_name}", VARIABLES, "{% load static %}Anna"),
        ("Hi {customer_name}", {"customer_name": "{agent_signature} {{x}}"}, "Hi {agent_signature} {{x}}"),
        ("Hi {customer_name}", {"customer_name": "<script>"}, "Hi <script>"),
    ],
)
def test_render_replaces_placeholders_once(text, variables, expected):
    assert render(text, variables) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Ein Textbaustein braucht Text"),
        ("Hallo {kunde}", "Unbekannte Platzhalter kunde"),
        ("x" * 10_001, "höchstens 10000 Zeichen"),
    ],
)
def test_invalid_macro_text(text, error):
    with pytest.raises(InvalidInput, match=error.replace("(", r"\(").replace(")", r"\)")):
        check_macro_text(text)


@pytest.fixture
def macros(workspace):
    german = Macro.objects.create(
        workspace=workspace,
        name="Störung",
        language="de",
        text="Hallo {customer_first_name}, {incident_status} Viele Grüße, {agent_first_name} {agent_signature}",
    )
    english = Macro.objects.create(
        workspace=workspace,
        name="Störung",
        language="en",
        text="Hi {customer_name}, {incident_status} Best, {agent_name} ({agent_initials})",
    )
    Macro.objects.create(workspace=WorkspaceFactory(slug="andere"), name="Fremd", language="de", text="x")
    return german, english


def test_list_macros_of_own_workspace(agent_client, macros):
    german, english = macros
    response = agent_client.get("/api/macros")
    assert response.status_code == 200
    assert [(m["id"], m["language"]) for m in response.json()] == [(german.pk, "de"), (english.pk, "en")]
    assert response.json()[0]["placeholders"] == [
        "customer_first_name",
        "incident_status",
        "agent_first_name",
        "agent_signature",
    ]
    assert [m["id"] for m in agent_client.get("/api/macros?language=en").json()] == [english.pk]


@pytest.mark.parametrize(
    ("which", "incident", "expected"),
    [
        (
            0,
            None,
            # No incident information: the placeholder renders nothing, never "no known outage".
            "Hallo Anna, Viele Grüße, Mia ^MK",
        ),
        (
            1,
            "The outage in Cologne is fixed.",
            "Hi Anna Beispiel, The outage in Cologne is fixed. Best, Mia Kramer (MK)",
        ),
    ],
)
def test_render_macro_for_a_conversation(
    agent, agent_client, macros, conversation, which, incident, expected
):
    agent.display_name = "Mia Kramer"
    agent.save()
    macro = macros[which]
    query = {"conversation": conversation.pk, **({"incident_status": incident} if incident else {})}
    response = agent_client.post(f"/api/macros/{macro.pk}/render?{urlencode(query)}")
    assert response.status_code == 200
    assert response.json() == {
        "macro_id": macro.pk,
        "conversation_id": conversation.pk,
        "language": macro.language,
        "text": expected,
    }


def test_render_with_an_incident_provider(agent_client, macros, conversation, settings):
    settings.INCIDENT_STATUS_PROVIDER = "tests.conversations.test_notes_macros.incident_status"
    response = agent_client.post(f"/api/macros/{macros[0].pk}/render?conversation={conversation.pk}")
    assert response.json()["text"].startswith(f"Hallo Anna, Störung #{conversation.pk} (de) wird behoben.")


def incident_status(conversation_id: int, language: str) -> str:
    return f"Störung #{conversation_id} ({language}) wird behoben."


def no_incident_information(conversation_id: int, language: str) -> None:
    return None


@pytest.mark.parametrize("provider", ["", "tests.conversations.test_notes_macros.no_incident_information"])
def test_incident_status_without_information_is_none(settings, provider):
    settings.INCIDENT_STATUS_PROVIDER = provider
    assert incident_status_for(1, "de") is None
    assert incident_status_for(1, "en") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hallo Anna, {incident_status} Viele Grüße", "Hallo Anna, Viele Grüße"),
        ("{incident_status}\nViele Grüße", "\nViele Grüße"),
        ("Stand:{incident_status}.", "Stand:."),
        ("Hallo Anna,\n{incident_status}\nViele Grüße", "Hallo Anna,\n\nViele Grüße"),
    ],
)
def test_an_empty_placeholder_leaves_no_double_space(text, expected):
    assert render(text, {"incident_status": ""}) == expected


def test_macro_permissions(client, stranger, macros, conversation):
    other_conversation = ConversationFactory(
        channel_account=ChannelAccountFactory(workspace=WorkspaceFactory(slug="andere"))
    )
    german = macros[0]
    assert client.get("/api/macros").status_code == 401
    assert [m["name"] for m in stranger.get("/api/macros").json()] == ["Fremd"]
    assert stranger.post(f"/api/macros/{german.pk}/render?conversation={conversation.pk}").status_code == 404
    own = login(AgentFactory(workspace=conversation.workspace))
    assert own.post(f"/api/macros/{german.pk}/render?conversation={other_conversation.pk}").status_code == 404


@pytest.mark.parametrize(
    ("role", "payload", "status"),
    [
        ("agent", {"name": "Dank", "language": "de", "text": "Danke, {customer_name}!"}, 403),
        ("lead", {"name": "Dank", "language": "de", "text": "Danke, {customer_name}!"}, 201),
        ("admin", {"name": "Dank", "language": "fr", "text": "Merci"}, 400),
        ("admin", {"name": "Dank", "language": "de", "text": "Danke {name}"}, 400),
        ("admin", {"name": "Störung", "language": "de", "text": "doppelt"}, 409),
    ],
)
def test_create_macro(workspace, macros, role, payload, status):
    author = AgentFactory(workspace=workspace, role=role)
    before = Macro.objects.count()
    response = login(author).post("/api/macros", payload, content_type="application/json")
    assert response.status_code == status
    assert Macro.objects.count() == before + (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["placeholders"] == ["customer_name"]
