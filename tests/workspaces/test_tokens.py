"""API tokens: shown once, stored hashed, scoped, expiring, revocable; every API call checks the scope."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from resonanz.channels.models import InboundEvent
from resonanz.core.errors import InvalidInput, NotFound
from resonanz.core.models import AuditEntry
from resonanz.testing.factories import (
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    WorkspaceFactory,
    event,
)
from resonanz.workspaces.actions import do_create_api_token, do_revoke_api_token
from resonanz.workspaces.models import ApiToken

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def admin(workspace):
    return make(AgentFactory, workspace=workspace, role="admin")


@pytest.fixture
def conversation(fake_account):
    return make(ConversationFactory, channel_account=fake_account)


def test_the_key_is_shown_once_and_only_its_hash_is_stored(agent, admin):
    token, key = do_create_api_token(agent, "Telefonanlage", scope="cti", actor=admin)
    assert key.startswith("rz_") and len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in json.dumps([stored.key_hash, stored.prefix, stored.name])
    assert stored.key_hash == ApiToken.hash_key(key)
    entry = AuditEntry.objects.get(action="token.created")
    assert (entry.actor_id, entry.object_id, entry.data["scope"]) == (admin.pk, token.pk, "cti")
    assert key not in json.dumps(entry.data)


def test_a_cti_token_looks_up_callers_and_nothing_else(agent, conversation):
    _, key = do_create_api_token(agent, "Telefonanlage", scope="cti")
    client = bearer(key)
    assert client.get("/api/cti/lookup", {"number": "0221 1234567"}).status_code == 200
    response = client.get("/api/conversations")
    assert response.status_code == 403
    assert "'read'" in response.json()["detail"]
    response = client.post(
        f"/api/conversations/{conversation.pk}/replies", {"text": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "needs the scope 'agent'" in response.json()["detail"]
    assert not conversation.messages.exists()


def test_a_read_token_reads_and_never_writes(agent, conversation):
    _, key = do_create_api_token(agent, "Auswertung", scope="read")
    client = bearer(key)
    assert client.get("/api/conversations").status_code == 200
    assert client.get(f"/api/conversations/{conversation.pk}").status_code == 200
    response = client.post(
        f"/api/conversations/{conversation.pk}/status", {"status": "solved"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert (
        response.json()["detail"] == "this API token has the scope 'read'; this call needs the scope 'agent'"
    )
    conversation.refresh_from_db()
    assert conversation.status == "new"


def test_an_agent_token_can_do_what_the_agent_may_and_no_more(workspace, conversation):
    analyst = make(AgentFactory, workspace=workspace, role="analyst")
    _, key = do_create_api_token(analyst, "Skript", scope="agent")
    client = bearer(key)
    assert client.get("/api/conversations").status_code == 200
    response = client.post(
        f"/api/conversations/{conversation.pk}/replies", {"text": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "conversations.reply" in response.json()["detail"]


def test_revoked_and_expired_tokens_get_401(agent, admin):
    revoked, revoked_key = do_create_api_token(agent, "alt")
    do_revoke_api_token(revoked, actor=admin)
    do_revoke_api_token(revoked, actor=admin)  # twice is once
    assert AuditEntry.objects.filter(action="token.revoked").count() == 1
    response = bearer(revoked_key).get("/api/conversations")
    assert (response.status_code, response.json()["detail"]) == (401, "the API token was revoked")

    expiring, expiring_key = do_create_api_token(agent, "kurz", expires_days=1)
    assert bearer(expiring_key).get("/api/conversations").status_code == 200
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = bearer(expiring_key).get("/api/conversations")
    assert (response.status_code, response.json()["detail"]) == (401, "the API token has expired")
    assert bearer("rz_unknown").get("/api/conversations").status_code == 401


def test_last_use_is_recorded(agent):
    token, key = do_create_api_token(agent, "CRM", scope="read")
    assert token.last_used_at is None
    bearer(key).get("/api/conversations")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_ingest_token_posts_events_to_its_one_channel_account(agent, fake_account, workspace):
    other = make(ChannelAccountFactory, workspace=workspace, name="Anderes Konto")
    _, key = do_create_api_token(agent, "Shop", scope="ingest", channel_account=fake_account)
    client = bearer(key)
    body = json.dumps(event("shop-1", "Paket nicht da"))
    response = client.post(f"/api/channels/{fake_account.pk}/events", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert InboundEvent.objects.filter(channel_account=fake_account, external_id="shop-1").exists()
    response = client.post(f"/api/channels/{other.pk}/events", body, content_type="application/json")
    assert response.status_code == 403
    assert not InboundEvent.objects.filter(channel_account=other).exists()
    assert client.get("/api/conversations").status_code == 403


def test_a_token_of_another_scope_cannot_post_events(agent, fake_account):
    _, key = do_create_api_token(agent, "CRM", scope="agent")
    response = bearer(key).post(
        f"/api/channels/{fake_account.pk}/events", json.dumps(event("x-1")), content_type="application/json"
    )
    assert response.status_code == 403
    assert "needs the scope 'ingest'" in response.json()["detail"]
    assert not InboundEvent.objects.exists()


def test_invalid_tokens_are_refused_and_nothing_is_saved(agent, fake_account):
    foreign_account = make(
        ChannelAccountFactory, workspace=make(WorkspaceFactory, slug="fremd", name="Fremd")
    )
    with pytest.raises(InvalidInput, match="Unbekannter Umfang"):
        do_create_api_token(agent, "x", scope="admin")
    with pytest.raises(InvalidInput, match="braucht das Kanalkonto"):
        do_create_api_token(agent, "x", scope="ingest")
    with pytest.raises(InvalidInput, match="Nur ein Ingest-Token"):
        do_create_api_token(agent, "x", scope="cti", channel_account=fake_account)
    with pytest.raises(NotFound):
        do_create_api_token(agent, "x", scope="ingest", channel_account=foreign_account)
    with pytest.raises(InvalidInput, match="1 bis 3650"):
        do_create_api_token(agent, "x", expires_days=0)
    with pytest.raises(InvalidInput, match="braucht einen Namen"):
        do_create_api_token(agent, " ")
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action="token.created").exists()
