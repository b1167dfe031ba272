# mypy: disable-error-code="arg-type,misc,comparison-overlap,operator,union-attr"
"""The customer view, merges and their undo through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from resonanz.conversations.models import Conversation, TimelineEntry
from resonanz.core.models import AuditEntry
from resonanz.customers.models import Customer, CustomerMerge, Identity
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.testing.helpers import assert_database_query_count

pytestmark = pytest.mark.django_db


def login(agent) -> Client:
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    return client


@pytest.fixture
def email_account(workspace):
    return ChannelAccountFactory(workspace=workspace, kind="fake", name="Support-Postfach", is_public=False)


@pytest.fixture
def anna(workspace, fake_account):
    """Anna on X: one identity, one public conversation."""
    customer = CustomerFactory(workspace=workspace, display_name="Anna K.", postal_code="50667")
    identity = IdentityFactory(customer=customer, kind="x", handle="anna_k")
    conversation = ConversationFactory(
        channel_account=fake_account, customer=customer, subject="Router blinkt"
    )
    MessageFactory(conversation=conversation, author_identity=identity, text="Router blinkt rot")
    return customer


@pytest.fixture
def anna_by_email(workspace, email_account):
    """Anna again, by e-mail: one identity, two conversations, a profile with e-mail and phone."""
    customer = CustomerFactory(
        workspace=workspace,
        display_name="Anna Beispiel",
        email="anna@example.de",
        phone="0301234567",
        postal_code="10115",
        is_vip=True,
    )
    identity = IdentityFactory(customer=customer, kind="email", handle="anna@example.de")
    for subject in ("Rechnung", "Vertrag"):
        conversation = ConversationFactory(channel_account=email_account, customer=customer, subject=subject)
        MessageFactory(conversation=conversation, author_identity=identity, text=f"Frage zu {subject}")
    return customer


@pytest.fixture
def stranger(db) -> Client:
    return login(AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere GmbH")))


def merge(client, target, source):
    return client.post(
        f"/api/customers/{target.pk}/merge",
        {"source_customer_id": source.pk},
        content_type="application/json",
    )


def test_customer_detail(agent_client, anna):
    response = agent_client.get(f"/api/customers/{anna.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "Anna K."
    assert body["merged_into_id"] is None
    assert [(i["kind"], i["handle"]) for i in body["identities"]] == [("x", "anna_k")]


def test_merge_moves_identities_and_conversations_and_is_audited(agent, agent_client, anna, anna_by_email):
    moved = list(anna_by_email.conversations.order_by("id").values_list("id", flat=True))
    identity = anna_by_email.identities.get()

    response = merge(agent_client, anna, anna_by_email)

    assert response.status_code == 201
    body = response.json()
    merge_row = CustomerMerge.objects.get()
    assert body == {
        "id": merge_row.pk,
        "target_id": anna.pk,
        "source_id": anna_by_email.pk,
        "actor_id": agent.pk,
        "identity_ids": [identity.pk],
        "conversation_ids": moved,
        "created_at": body["created_at"],
        "undone_at": None,
    }
    assert set(Identity.objects.filter(customer=anna).values_list("handle", flat=True)) == {
        "anna_k",
        "anna@example.de",
    }
    assert Conversation.objects.filter(customer=anna).count() == 3
    anna.refresh_from_db()
    anna_by_email.refresh_from_db()
    assert (anna.email, anna.phone, anna.postal_code, anna.is_vip) == (
        "anna@example.de",
        "0301234567",
        "50667",
        True,
    )
    assert anna_by_email.merged_into == anna
    audit = AuditEntry.objects.get()
    assert (audit.action, audit.object_type, audit.object_id, audit.actor_id) == (
        "customer.merged",
        "customer",
        anna.pk,
        agent.pk,
    )
    assert audit.data == {
        "merge_id": merge_row.pk,
        "source_id": anna_by_email.pk,
        "identity_ids": [identity.pk],
        "conversation_ids": moved,
        "profile": {"email": ["", "anna@example.de"], "phone": ["", "0301234567"], "is_vip": [False, True]},
    }
    assert (
        sorted(TimelineEntry.objects.filter(kind="customer_merged").values_list("conversation_id", flat=True))
        == moved
    )


def test_undo_restores_the_previous_state(agent, agent_client, anna, anna_by_email):
    before_anna = Conversation.objects.filter(customer=anna).count()
    merge_id = merge(agent_client, anna, anna_by_email).json()["id"]
    anna.refresh_from_db()

    response = agent_client.post(f"/api/customers/merges/{merge_id}/undo")

    assert response.status_code == 200
    assert response.json()["undone_at"] is not None
    assert list(Identity.objects.filter(customer=anna).values_list("handle", flat=True)) == ["anna_k"]
    assert list(Identity.objects.filter(customer=anna_by_email).values_list("handle", flat=True)) == [
        "anna@example.de"
    ]
    assert Conversation.objects.filter(customer=anna).count() == before_anna
    assert Conversation.objects.filter(customer=anna_by_email).count() == 2
    anna.refresh_from_db()
    anna_by_email.refresh_from_db()
    assert (anna.email, anna.phone, anna.is_vip) == ("", "", False)
    assert anna_by_email.merged_into is None
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "customer.merged",
        "customer.merge_undone",
    ]
    assert TimelineEntry.objects.filter(kind="customer_merge_undone").count() == 2

    again = agent_client.post(f"/api/customers/merges/{merge_id}/undo")
    assert again.status_code == 409
    assert AuditEntry.objects.count() == 2


def test_undo_keeps_profile_fields_edited_after_the_merge(agent_client, anna, anna_by_email):
    merge_id = merge(agent_client, anna, anna_by_email).json()["id"]
    Customer.objects.filter(pk=anna.pk).update(email="anna.neu@example.de")
    agent_client.post(f"/api/customers/merges/{merge_id}/undo")
    anna.refresh_from_db()
    assert (anna.email, anna.phone) == ("anna.neu@example.de", "")


def test_undo_of_an_older_merge_waits_for_the_newer_one(agent_client, workspace, anna, anna_by_email):
    third = CustomerFactory(workspace=workspace)
    first = merge(agent_client, anna, anna_by_email).json()["id"]
    second = merge(agent_client, third, anna).json()["id"]
    assert agent_client.post(f"/api/customers/merges/{first}/undo").status_code == 409
    assert agent_client.post(f"/api/customers/merges/{second}/undo").status_code == 200
    assert agent_client.post(f"/api/customers/merges/{first}/undo").status_code == 200
    assert Identity.objects.get(handle="anna@example.de").customer == anna_by_email


@pytest.mark.parametrize(("which", "status"), [("self", 400), ("merged", 409), ("missing", 404)])
def test_invalid_merge_changes_nothing(agent_client, workspace, anna, anna_by_email, which, status):
    if which == "merged":
        Customer.objects.filter(pk=anna_by_email.pk).update(merged_into=CustomerFactory(workspace=workspace))
    source_id = {"self": anna.pk, "merged": anna_by_email.pk, "missing": 999_999}[which]
    response = agent_client.post(
        f"/api/customers/{anna.pk}/merge", {"source_customer_id": source_id}, content_type="application/json"
    )
    assert response.status_code == status
    assert CustomerMerge.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Conversation.objects.filter(customer=anna).count() == 1


def test_history_shows_every_channel_in_few_queries(agent_client, anna, anna_by_email, email_account):
    merge(agent_client, anna, anna_by_email)
    for _ in range(3):  # more conversations must not mean more queries
        conversation = ConversationFactory(channel_account=email_account, customer=anna)
        MessageFactory(conversation=conversation)
    with assert_database_query_count(
        7
    ):  # session, user, agent; customer, identities, conversations, messages
        response = agent_client.get(f"/api/customers/{anna.pk}/history")
    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["id"] == anna.pk
    assert [(i["kind"], i["handle"]) for i in body["customer"]["identities"]] == [
        ("email", "anna@example.de"),
        ("x", "anna_k"),
    ]
    assert len(body["conversations"]) == 6
    assert body["truncated"] is False
    texts = sorted(m["text"] for c in body["conversations"] for m in c["messages"])
    assert texts[:3] == ["Frage zu Rechnung", "Frage zu Vertrag", "Router blinkt rot"]
    assert {c["channel_kind"] for c in body["conversations"]} == {"fake"}


def test_permission_matrix(client, stranger, agent_client, anna, anna_by_email):
    merge_id = merge(agent_client, anna, anna_by_email).json()["id"]
    requests = [
        ("get", f"/api/customers/{anna.pk}", None),
        ("get", f"/api/customers/{anna.pk}/history", None),
        ("get", f"/api/customers/{anna.pk}/suggestions", None),
        ("post", f"/api/customers/{anna.pk}/merge", {"source_customer_id": anna_by_email.pk}),
        ("post", f"/api/customers/merges/{merge_id}/undo", None),
    ]
    for method, url, data in requests:
        kwargs = {"data": data, "content_type": "application/json"} if data else {}
        assert getattr(client, method)(url, **kwargs).status_code == 401, url
        assert getattr(stranger, method)(url, **kwargs).status_code == 404, url
    assert CustomerMerge.objects.get().undone_at is None
    assert AuditEntry.objects.count() == 1


def test_merge_with_a_customer_of_another_workspace_is_404(agent_client, anna):
    foreign = CustomerFactory(workspace=WorkspaceFactory(slug="andere"))
    assert merge(agent_client, anna, foreign).status_code == 404
    assert CustomerMerge.objects.count() == 0
