"""The routing API: CTI lookup, presence, transfers, moving to private."""

from __future__ import annotations

import pytest

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.customers.models import Identity
from resonanz.testing.factories import (
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.testing.helpers import assert_database_query_count
from resonanz.workspaces.actions import do_create_api_token
from resonanz.workspaces.models import Agent
from tests.routing.factories import annotate

pytestmark = pytest.mark.django_db


def bearer(agent) -> dict[str, str]:
    _, key = do_create_api_token(agent, "test")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def caller(workspace):
    customer = CustomerFactory(workspace=workspace, display_name="Anna Beispiel", is_vip=True)
    IdentityFactory(customer=customer, kind=Identity.Kind.PHONE, handle="+492211234567")
    return customer


# --- CTI lookup ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["+49 221 1234567", "0221 1234567", "0049 221 1234567", "+492211234567"])
def test_cti_lookup_finds_the_customer_and_the_owner_to_ring_first(
    client, workspace, agent, fake_account, caller, number
):
    owner = AgentFactory(workspace=workspace, display_name="Mia Kramer", presence="away")
    offline = AgentFactory(workspace=workspace, presence="offline")
    older = ConversationFactory(channel_account=fake_account, customer=caller, owner=owner, subject="Router")
    newer = ConversationFactory(
        channel_account=fake_account, customer=caller, owner=offline, subject="Rechnung"
    )
    ConversationFactory(channel_account=fake_account, customer=caller, owner=owner, status="solved")
    Conversation.objects.filter(pk=older.pk).update(last_message_at="2026-11-23T08:00:00Z", status="open")
    Conversation.objects.filter(pk=newer.pk).update(last_message_at="2026-11-23T09:00:00Z")
    response = client.get("/api/cti/lookup", {"number": number}, headers=bearer(agent))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "+492211234567"
    assert body["customer"] == {"id": caller.pk, "display_name": "Anna Beispiel", "is_vip": True}
    assert [(c["id"], c["status"], c["owner_id"], c["channel_kind"]) for c in body["conversations"]] == [
        (newer.pk, "new", offline.pk, "x"),
        (older.pk, "open", owner.pk, "x"),
    ]
    assert body["ring_first"] == {
        "id": owner.pk,
        "display_name": "Mia Kramer",
        "presence": "away",
        "conversation_id": older.pk,
    }


def test_cti_lookup_falls_back_to_the_customer_profile_number(client, workspace, agent):
    customer = CustomerFactory(workspace=workspace, phone="+4930123456")
    response = client.get("/api/cti/lookup", {"number": "030 123456"}, headers=bearer(agent))
    assert response.json() == {
        "number": "+4930123456",
        "customer": {"id": customer.pk, "display_name": customer.display_name, "is_vip": False},
        "conversations": [],
        "ring_first": None,
    }


def test_cti_lookup_of_an_unknown_number_has_no_customer(client, agent):
    response = client.get("/api/cti/lookup", {"number": "+44 20 7946 0958"}, headers=bearer(agent))
    assert response.json() == {
        "number": "+442079460958",
        "customer": None,
        "conversations": [],
        "ring_first": None,
    }


def test_cti_lookup_never_shows_another_workspace_s_customer(client, caller):
    stranger = AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere"))
    response = client.get("/api/cti/lookup", {"number": "0221 1234567"}, headers=bearer(stranger))
    assert response.json()["customer"] is None


@pytest.mark.parametrize("number", ["", "abc", "12", "+49 221 1234567 1234567 1234567 1234567 99"])
def test_cti_lookup_rejects_what_is_not_a_number(client, agent, number):
    response = client.get("/api/cti/lookup", {"number": number}, headers=bearer(agent))
    assert response.status_code == 400


def test_cti_lookup_needs_authentication(client, caller):
    response = client.get("/api/cti/lookup", {"number": "0221 1234567"})
    assert response.status_code == 401
    bad = client.get(
        "/api/cti/lookup", {"number": "0221 1234567"}, headers={"Authorization": "Bearer rz_nope"}
    )
    assert bad.status_code == 401


def test_cti_lookup_costs_a_constant_number_of_queries(client, workspace, agent, fake_account, caller):
    owners = AgentFactory.create_batch(3, workspace=workspace)
    for owner in owners:
        ConversationFactory.create_batch(3, channel_account=fake_account, customer=caller, owner=owner)
    headers = bearer(agent)
    client.get("/api/cti/lookup", {"number": "0221 1234567"}, headers=headers)  # token last_used_at written
    # token, identity + customer, open conversations, owners' presence. Its speed is measured by
    # bench/routing.py (CTI lookup p95), not by a timed test.
    with assert_database_query_count(4):
        response = client.get("/api/cti/lookup", {"number": "0221 1234567"}, headers=headers)
    assert len(response.json()["conversations"]) == 9


# --- presence --------------------------------------------------------------------------------------------


def test_agent_reads_and_sets_their_presence(client, agent):
    headers = bearer(agent)
    assert client.get("/api/agents/me/presence", headers=headers).json() == {
        "agent_id": agent.pk,
        "presence": "online",
    }
    response = client.post(
        "/api/agents/me/presence", {"presence": "away"}, content_type="application/json", headers=headers
    )
    assert response.json() == {"agent_id": agent.pk, "presence": "away"}
    assert Agent.objects.get(pk=agent.pk).presence == "away"


def test_unknown_presence_is_rejected_and_nothing_changes(client, agent):
    response = client.post(
        "/api/agents/me/presence",
        {"presence": "busy"},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert response.status_code == 400
    assert Agent.objects.get(pk=agent.pk).presence == "online"


def test_presence_needs_authentication(client, db):
    assert client.get("/api/agents/me/presence").status_code == 401
    assert (
        client.post(
            "/api/agents/me/presence", {"presence": "online"}, content_type="application/json"
        ).status_code
        == 401
    )


# --- transfers -------------------------------------------------------------------------------------------


def test_transfer_hands_the_conversation_over_and_is_audited(client, workspace, agent, fake_account):
    colleague = AgentFactory(workspace=workspace)
    conversation = ConversationFactory(channel_account=fake_account, owner=agent)
    response = client.post(
        f"/api/conversations/{conversation.pk}/transfer",
        {"agent_id": colleague.pk, "note": "Kennt den Router"},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert response.status_code == 200
    assert response.json()["owner_id"] == colleague.pk
    entry = TimelineEntry.objects.get(conversation_id=conversation.pk)
    assert (entry.kind, entry.actor_id) == ("transferred", agent.pk)
    assert entry.data == {
        "from_agent_id": agent.pk,
        "to_agent_id": colleague.pk,
        "reason": "manual",
        "note": "Kennt den Router",
    }


@pytest.mark.parametrize(
    ("target", "status"),
    [("owner", 409), ("stranger", 404), ("missing", 404)],
)
def test_transfer_refusals_change_nothing(client, workspace, agent, fake_account, target, status):
    conversation = ConversationFactory(channel_account=fake_account, owner=agent)
    stranger = AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere"))
    agent_id = {"owner": agent.pk, "stranger": stranger.pk, "missing": 999999}[target]
    response = client.post(
        f"/api/conversations/{conversation.pk}/transfer",
        {"agent_id": agent_id},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert response.status_code == status
    assert Conversation.objects.get(pk=conversation.pk).owner_id == agent.pk
    assert not TimelineEntry.objects.exists()


def test_transfer_of_another_workspace_s_conversation_is_404(client, agent):
    other = ConversationFactory(
        channel_account=ChannelAccountFactory(workspace=WorkspaceFactory(slug="andere"))
    )
    response = client.post(
        f"/api/conversations/{other.pk}/transfer",
        {"agent_id": agent.pk},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert response.status_code == 404
    assert Conversation.objects.get(pk=other.pk).owner_id is None


# --- public → private ------------------------------------------------------------------------------------


def public_conversation(account, owner, language=""):
    conversation = ConversationFactory(channel_account=account, owner=owner, is_public=True, status="open")
    message = MessageFactory(conversation=conversation, visibility="public", external_id="tweet-1")
    if language:
        annotate(message, language=language)
    return conversation


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("", "Wir melden uns per Direktnachricht bei dir."),
        ("de", "Wir melden uns per Direktnachricht bei dir."),
        ("en", "We'll get back to you by direct message."),
    ],
)
def test_agent_moves_a_public_conversation_to_private(
    client, workspace, agent, fake_account, language, text, django_capture_on_commit_callbacks
):
    owner = AgentFactory(workspace=workspace)
    conversation = public_conversation(fake_account, owner, language)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/conversations/{conversation.pk}/move-private", headers=bearer(agent))
    assert response.status_code == 200
    assert response.json() == {
        "conversation_id": conversation.pk,
        "owner_id": owner.pk,
        "team_id": None,
        "priority": 1,
        "is_public": False,
    }
    acknowledgement = Message.objects.get(direction="out")
    assert (acknowledgement.text, acknowledgement.visibility, acknowledgement.author_agent_id) == (
        text,
        "public",
        agent.pk,
    )
    assert (acknowledgement.delivery.action, acknowledgement.delivery.status) == ("reply", "sent")
    entry = TimelineEntry.objects.get(conversation=conversation, kind="moved_private")
    assert entry.actor_id == agent.pk
    assert entry.data == {
        "reason": "agent",
        "language": language or "de",
        "acknowledgement_message_id": acknowledgement.pk,
    }


def test_after_the_move_replies_go_out_privately_in_the_same_conversation(
    client, agent, fake_account, django_capture_on_commit_callbacks
):
    conversation = public_conversation(fake_account, agent)
    headers = bearer(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/conversations/{conversation.pk}/move-private", headers=headers)
        reply = client.post(
            f"/api/conversations/{conversation.pk}/replies",
            {"text": "Deine Kundennummer bitte?"},
            content_type="application/json",
            headers=headers,
        )
    assert reply.json()["visibility"] == "private"
    assert reply.json()["conversation_id"] == conversation.pk
    assert OutboundDelivery.objects.order_by("-id").values_list("action", flat=True)[0] == "direct_message"


def test_moving_a_private_conversation_is_409_and_sends_nothing(client, agent, fake_account):
    conversation = ConversationFactory(channel_account=fake_account, owner=agent, is_public=False)
    response = client.post(f"/api/conversations/{conversation.pk}/move-private", headers=bearer(agent))
    assert response.status_code == 409
    assert not Message.objects.exists()
    assert not TimelineEntry.objects.exists()


def test_a_channel_without_direct_messages_cannot_move(client, workspace, agent):
    account = ChannelAccountFactory(workspace=workspace, kind="webhook", is_public=True)
    conversation = public_conversation(account, agent)
    response = client.post(f"/api/conversations/{conversation.pk}/move-private", headers=bearer(agent))
    assert response.status_code == 400
    assert not Message.objects.filter(direction="out").exists()
    assert Conversation.objects.get(pk=conversation.pk).is_public is True


def test_a_rule_moves_sensitive_public_conversations_to_private_owner_kept(workspace, agent, fake_account):
    from resonanz.routing.actions import do_save_routing_rule
    from resonanz.routing.pipeline import route_messages
    from tests.routing.factories import RoutingRuleFactory

    do_save_routing_rule(
        None, RoutingRuleFactory.build(workspace=workspace, sensitivities="private", move_private=True)
    )
    conversation = ConversationFactory(channel_account=fake_account, is_public=True)
    message = MessageFactory(conversation=conversation, visibility="public")
    annotate(message, sensitivity="private", language="en")
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert (conversation.owner_id, conversation.is_public) == (agent.pk, False)
    acknowledgement = Message.objects.get(direction="out")
    assert (acknowledgement.text, acknowledgement.visibility, acknowledgement.author_agent_id) == (
        "We'll get back to you by direct message.",
        "public",
        agent.pk,
    )
    kinds = list(
        TimelineEntry.objects.filter(conversation_id=conversation.pk)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["assigned", "replied", "moved_private"]
    route_messages([message.pk])  # again: nothing more goes out
    assert Message.objects.filter(direction="out").count() == 1
