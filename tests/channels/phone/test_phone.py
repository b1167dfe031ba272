"""The phone channel end to end: signed CTI events → stored → the call attached to the customer's open
conversation; call notes by agents."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from resonanz.channels.models import InboundEvent
from resonanz.channels.webhook.adapter import SIGNATURE_HEADER
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.customers.models import Customer, Identity
from resonanz.testing.factories import (
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    WorkspaceFactory,
)
from resonanz.testing.helpers import signed_post
from resonanz.workspaces.actions import do_create_api_token

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[3] / "resonanz" / "channels" / "phone" / "fixtures"


def fixture(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


@pytest.fixture
def phone_account(workspace):
    return ChannelAccountFactory(
        workspace=workspace, kind="phone", name="Hotline", config={}, is_public=False
    )


@pytest.fixture
def anna(workspace):
    customer = CustomerFactory(workspace=workspace, display_name="Anna Beispiel")
    IdentityFactory(customer=customer, kind="x", handle="anna_k")
    IdentityFactory(customer=customer, kind="phone", handle="+492211234567")
    return customer


@pytest.fixture
def x_conversation(workspace, fake_account, anna):
    """Anna's open X conversation, owned by Mia (away: on a short break, still hers)."""
    mia = AgentFactory(workspace=workspace, display_name="Mia Kramer", presence="away")
    return ConversationFactory(channel_account=fake_account, customer=anna, owner=mia, status="open")


def post(client, account, payload):
    return signed_post(client, f"/api/channels/{account.pk}/events", account.secret, payload)


def test_call_started_attaches_to_the_customer_s_open_conversation(
    client, phone_account, x_conversation, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, phone_account, fixture("call.started"))
    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert InboundEvent.objects.get().status == "processed"
    message = Message.objects.get()
    assert (message.conversation_id, message.channel_account_id) == (x_conversation.pk, phone_account.pk)
    assert (message.direction, message.visibility, message.external_id) == (
        "in",
        "private",
        "call:c-4711:started",
    )
    assert message.text == "Anruf von +492211234567"
    assert message.created_at == dt.datetime(2026, 11, 23, 8, 15, tzinfo=dt.UTC)
    assert Identity.objects.filter(
        customer_id=x_conversation.customer_id, pk=message.author_identity_id or 0
    ).exists()
    assert message.extra == {
        "call": {
            "call_id": "c-4711",
            "event": "call.started",
            "direction": "inbound",
            "number": "+492211234567",
        }
    }
    conversation = Conversation.objects.get(pk=x_conversation.pk)
    assert (conversation.owner_id, conversation.message_count) == (x_conversation.owner_id, 1)
    assert Customer.objects.count() == 1


def test_call_ended_follows_the_started_call(
    client, phone_account, x_conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, phone_account, fixture("call.started"))
        response = post(client, phone_account, fixture("call.ended"))
    assert response.status_code == 200
    ended = Message.objects.get(external_id="call:c-4711:ended")
    assert ended.text == "Anruf beendet (Dauer 5:12 Min.)"
    assert ended.conversation_id == x_conversation.pk
    assert ended.reply_to_id == Message.objects.get(external_id="call:c-4711:started").pk
    assert ended.extra["call"]["duration_seconds"] == 312


def test_call_recording_stores_the_link(
    client, phone_account, x_conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, phone_account, fixture("call.recording"))
    message = Message.objects.get()
    assert message.text == "Gesprächsaufzeichnung: https://pbx.example.org/recordings/c-4711.mp3"
    assert message.url == "https://pbx.example.org/recordings/c-4711.mp3"
    assert message.conversation_id == x_conversation.pk
    assert message.extra["call"]["recording_url"] == "https://pbx.example.org/recordings/c-4711.mp3"


def test_call_from_an_unknown_number_starts_a_phone_conversation_and_is_routed(
    client, phone_account, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, phone_account, fixture("call.started"))
    identity = Identity.objects.get()
    assert (identity.kind, identity.handle, identity.display_name) == (
        "phone",
        "+492211234567",
        "Anna Beispiel",
    )
    conversation = Conversation.objects.get()
    assert (conversation.channel_account_id, conversation.owner_id) == (phone_account.pk, agent.pk)


def test_unknown_event_is_acknowledged_and_ignored(
    client, phone_account, x_conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, phone_account, fixture("call.transferred"))
    assert response.json() == {"accepted": 1, "duplicates": 0}
    stored = InboundEvent.objects.get()
    assert (stored.event_type, stored.status, stored.error) == (
        "call.transferred",
        "ignored",
        "unknown phone event 'call.transferred'",
    )
    assert not Message.objects.exists()


def _without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (b"{kein json", "body is not valid JSON"),
        ({"event": "call.started"}, "event 0: id: Field required"),
        (_without(fixture("call.started"), "call_id"), "event 0: call_id: Field required"),
        (_without(fixture("call.started"), "from"), "event 0: from: Field required"),
        (_without(fixture("call.ended"), "duration_seconds"), "event 0: call.ended needs duration_seconds"),
        (_without(fixture("call.recording"), "recording_url"), "event 0: call.recording needs recording_url"),
        ({**fixture("call.recording"), "recording_url": "javascript:alert(1)"}, "must be an http(s) URL"),
        ({**fixture("call.ended"), "duration_seconds": -5}, "duration_seconds"),
        ({**fixture("call.started"), "from": "anonymous"}, "from: not a phone number"),
        (
            {"events": [fixture("call.started"), {**fixture("call.ended"), "from": "12"}]},
            "not a possible phone number",
        ),
        ({"events": []}, "events must be a non-empty list"),
    ],
)
def test_malformed_payload_is_rejected_with_nothing_stored(client, phone_account, payload, detail):
    response = post(client, phone_account, payload)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("header", [None, "sha256=deadbeef", "garbage"])
def test_wrong_signature_is_rejected_with_nothing_stored(client, phone_account, header):
    body = json.dumps(fixture("call.started")).encode()
    headers = {SIGNATURE_HEADER: header} if header else {}
    response = client.post(
        f"/api/channels/{phone_account.pk}/events",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 401
    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()


def test_redelivered_event_is_stored_once(
    client, phone_account, x_conversation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, phone_account, fixture("call.started"))
        again = post(client, phone_account, {**fixture("call.started"), "id": "evt-retry"})
    assert again.json() == {"accepted": 1, "duplicates": 0}
    assert Message.objects.count() == 1  # the same call event under a new delivery id is one message


# --- call notes --------------------------------------------------------------------------------------------


def bearer(agent) -> dict[str, str]:
    _, key = do_create_api_token(agent, "test")
    return {"Authorization": f"Bearer {key}"}


def test_agent_writes_a_call_note(client, agent, x_conversation):
    response = client.post(
        f"/api/conversations/{x_conversation.pk}/call-notes",
        {"text": "Router neu gestartet, Leitung ok.", "call_id": "c-4711"},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["visibility"], body["direction"], body["author_agent_id"], body["text"]) == (
        "note",
        "out",
        agent.pk,
        "Router neu gestartet, Leitung ok.",
    )
    note = Message.objects.get()
    assert note.extra == {"call_note": True, "call_id": "c-4711"}
    assert not hasattr(note, "delivery") or note.delivery is None
    entry = TimelineEntry.objects.get()
    assert (entry.kind, entry.actor_id, entry.data) == (
        "call_note",
        agent.pk,
        {"message_id": note.pk, "call_id": "c-4711"},
    )


@pytest.mark.parametrize(("text", "status"), [("   ", 400), ("x" * 20_001, 400)])
def test_empty_or_huge_call_note_is_rejected(client, agent, x_conversation, text, status):
    response = client.post(
        f"/api/conversations/{x_conversation.pk}/call-notes",
        {"text": text},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert response.status_code == status
    assert not Message.objects.exists()


def test_call_note_on_another_workspace_s_conversation_is_404(client, x_conversation):
    stranger = AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere"))
    response = client.post(
        f"/api/conversations/{x_conversation.pk}/call-notes",
        {"text": "hallo"},
        content_type="application/json",
        headers=bearer(stranger),
    )
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_call_note_needs_authentication(client, x_conversation):
    response = client.post(
        f"/api/conversations/{x_conversation.pk}/call-notes",
        {"text": "hallo"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not Message.objects.exists()
