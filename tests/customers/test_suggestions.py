# mypy: disable-error-code="arg-type,misc,comparison-overlap,operator,union-attr"
"""Suggested matches: which customers are probably one person, and why."""

from __future__ import annotations

import pytest
from django.test import Client

from resonanz.conversations.merges import (
    do_compute_suggestions,
    email_signature,
    handles_in_signature,
    phone_variants,
)
from resonanz.core.models import AuditEntry
from resonanz.customers.models import CustomerMerge, MatchSuggestion
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

pytestmark = pytest.mark.django_db

SIGNATURE_MAIL = (
    "Hallo,\nmein Router blinkt.\n\n-- \nAnna Beispiel\nTwitter: @Anna_K\nfacebook.com/anna.beispiel"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SIGNATURE_MAIL, {("x", "anna_k"), ("facebook", "anna.beispiel")}),
        ("Text\nViele Grüße\nAnna\nhttps://x.com/anna_k", {("x", "anna_k")}),
        ("Schreibt @bob an, sagt er.\n\n" + "\n".join(["Zeile"] * 8), set()),
        ("Mail an anna@example.de", set()),
        ("", set()),
    ],
)
def test_handles_in_signature(text, expected):
    assert handles_in_signature(text) == expected


def test_signature_without_delimiter_is_the_last_six_lines():
    text = "\n".join(f"Zeile {i}" for i in range(10))
    assert email_signature(text) == "\n".join(f"Zeile {i}" for i in range(4, 10))


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("030 1234567", {"030 1234567", "+49301234567", "0049301234567", "0301234567"}),
        ("+49301234567", {"+49301234567", "0049301234567", "0301234567"}),
        ("+43 1 234567", {"+43 1 234567", "+431234567", "00431234567"}),
        ("kaputt", {"kaputt"}),
        ("", set()),
    ],
)
def test_phone_variants(number, expected):
    assert phone_variants(number) == expected


def email_from(customer, handle: str, text: str):
    identity = IdentityFactory(customer=customer, kind="email", handle=handle)
    account = ChannelAccountFactory(workspace=customer.workspace, is_public=False)
    MessageFactory(
        conversation=ConversationFactory(channel_account=account, customer=customer),
        author_identity=identity,
        text=text,
    )
    return identity


def scenario(workspace, name: str):
    """(customer, expected candidate, expected reason, expected confidence, expected evidence)."""
    customer = CustomerFactory(workspace=workspace, display_name="Anna")
    other = CustomerFactory(workspace=workspace, display_name="Anna B.")
    if name == "same_email":
        IdentityFactory(customer=customer, kind="email", handle="anna@example.de")
        other.email = "Anna@Example.de"
        other.save()
        return customer, other, "same_email", 0.9, "anna@example.de"
    if name == "same_phone":
        customer.phone = "030 1234567"
        customer.save()
        IdentityFactory(customer=other, kind="phone", handle="+49301234567")
        return customer, other, "same_phone", 0.8, "+49301234567"
    if name == "same_app_user_id":
        customer.app_user_id = "u-4711"
        customer.save()
        IdentityFactory(customer=other, kind="app", handle="u-4711")
        return customer, other, "same_app_user_id", 0.95, "u-4711"
    if name == "handle_in_own_signature":
        email_from(customer, "anna@example.de", SIGNATURE_MAIL)
        IdentityFactory(customer=other, kind="x", handle="anna_k")
        return customer, other, "handle_in_signature", 0.7, "anna_k"
    if name == "handle_in_their_signature":
        IdentityFactory(customer=customer, kind="x", handle="anna_k")
        email_from(other, "anna@example.de", SIGNATURE_MAIL)
        return customer, other, "handle_in_signature", 0.7, "anna_k"
    raise AssertionError(name)


@pytest.mark.parametrize(
    "name",
    ["same_email", "same_phone", "same_app_user_id", "handle_in_own_signature", "handle_in_their_signature"],
)
def test_suggestion_found(workspace, name):
    customer, candidate, reason, confidence, evidence = scenario(workspace, name)
    CustomerFactory(workspace=workspace, email="someone@else.de", phone="0899999")  # unrelated
    suggestions = do_compute_suggestions(customer)
    assert [(s.candidate, s.reason, s.confidence, s.evidence) for s in suggestions] == [
        (candidate, reason, confidence, evidence)
    ]


def test_no_suggestion_across_workspaces_or_to_merged_customers(workspace):
    customer = CustomerFactory(workspace=workspace, email="anna@example.de")
    IdentityFactory(
        customer=CustomerFactory(workspace=WorkspaceFactory(slug="andere")),
        kind="email",
        handle="anna@example.de",
    )
    merged = CustomerFactory(workspace=workspace, email="anna@example.de")
    merged.merged_into = CustomerFactory(workspace=workspace)
    merged.save()
    assert do_compute_suggestions(customer) == []
    assert MatchSuggestion.objects.count() == 0


def test_recomputing_is_idempotent_and_rejected_stays_rejected(agent, agent_client, workspace):
    customer, candidate, *_ = scenario(workspace, "same_email")
    first = agent_client.get(f"/api/customers/{customer.pk}/suggestions").json()
    assert agent_client.get(f"/api/customers/{customer.pk}/suggestions").json() == first
    assert MatchSuggestion.objects.count() == 1
    assert first[0]["candidate_id"] == candidate.pk
    assert first[0]["candidate_name"] == "Anna B."

    response = agent_client.post(f"/api/customers/suggestions/{first[0]['id']}/reject")

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert agent_client.get(f"/api/customers/{customer.pk}/suggestions").json() == []
    assert AuditEntry.objects.get().action == "customer.suggestion_rejected"
    assert agent_client.post(f"/api/customers/suggestions/{first[0]['id']}/reject").status_code == 409


def test_accepting_merges_and_undo_rejects(agent_client, workspace):
    customer, candidate, *_ = scenario(workspace, "same_app_user_id")
    suggestion_id = agent_client.get(f"/api/customers/{customer.pk}/suggestions").json()[0]["id"]

    response = agent_client.post(f"/api/customers/suggestions/{suggestion_id}/accept")

    assert response.status_code == 201
    merge = CustomerMerge.objects.get()
    assert (merge.target, merge.source) == (customer, candidate)
    suggestion = MatchSuggestion.objects.get()
    assert (suggestion.status, suggestion.merge) == ("accepted", merge)
    assert agent_client.post(f"/api/customers/suggestions/{suggestion_id}/accept").status_code == 409
    agent_client.post(f"/api/customers/merges/{merge.pk}/undo")
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected"


def test_suggestion_of_another_workspace_is_404(workspace):
    customer, *_ = scenario(workspace, "same_email")
    suggestion = do_compute_suggestions(customer)[0]
    stranger = AgentFactory(workspace=WorkspaceFactory(slug="andere"))
    client = Client()
    client.login(username=stranger.user.username, password=PASSWORD)
    assert client.post(f"/api/customers/suggestions/{suggestion.pk}/accept").status_code == 404
    assert client.post(f"/api/customers/suggestions/{suggestion.pk}/reject").status_code == 404
    assert MatchSuggestion.objects.get().status == "open"
    assert CustomerMerge.objects.count() == 0
