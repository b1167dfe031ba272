"""The customers pages through HTTP: list and search, the cross-channel history, merge by hand and undo,
merge suggestions accepted and rejected."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from resonanz.conversations.models import Conversation
from resonanz.customers.models import Customer, CustomerMerge, MatchSuggestion
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
)

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def test_list_searches_names_emails_and_handles(agent_client, workspace):
    anna = make(CustomerFactory, workspace=workspace, display_name="Anna Schmidt", email="anna@example.de")
    ben = make(CustomerFactory, workspace=workspace, display_name="Ben <script>")
    make(IdentityFactory, customer=ben, handle="@benny_koeln")

    def shown(query):
        page = agent_client.get("/customers/", {"q": query}).content.decode()
        return {c.pk for c in (anna, ben) if f'data-customer="{c.pk}"' in page}

    assert shown("") == {anna.pk, ben.pk}
    assert shown("anna@") == {anna.pk}
    assert shown("benny") == {ben.pk}
    assert "&lt;script&gt;" in agent_client.get("/customers/").content.decode()


def test_customer_page_shows_the_history_across_channels(agent_client, workspace, fake_account):
    customer = make(CustomerFactory, workspace=workspace, is_vip=True)
    mail = make(ChannelAccountFactory, workspace=workspace, name="Mail", config={"imitates": "email"})
    for account, text in ((fake_account, "Tweet zum Router"), (mail, "Mail zur Rechnung")):
        conversation = make(ConversationFactory, channel_account=account, customer=customer)
        make(MessageFactory, conversation=conversation, text=text)
    page = agent_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Tweet zum Router" in page and "Mail zur Rechnung" in page
    assert page.count("data-conversation-history=") == 2
    assert "VIP" in page
    assert "data-sensitive" not in page
    from resonanz.understanding.models import Annotation

    message = customer.conversations.first().messages.first()
    Annotation.objects.create(message=message, annotator="sensitivity", version="1", label="private")
    assert "data-sensitive" in agent_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "data-sensitive" in agent_client.get(f"/conversations/{message.conversation_id}/").content.decode()


def test_merge_by_hand_and_undo(agent_client, agent, workspace, fake_account):
    target = make(CustomerFactory, workspace=workspace, display_name="Anna")
    source = make(CustomerFactory, workspace=workspace, display_name="A. Schmidt")
    make(IdentityFactory, customer=source, handle="anna_s")
    moved = make(ConversationFactory, channel_account=fake_account, customer=source)
    response = agent_client.post(f"/customers/{target.pk}/merge", {"source_customer_id": f"#{source.pk}"})
    assert response.status_code == 302
    assert Conversation.objects.get(pk=moved.pk).customer_id == target.pk
    merge = CustomerMerge.objects.get(target=target, source=source)
    page = agent_client.get(f"/customers/{target.pk}/").content.decode()
    assert f'data-merge="{merge.pk}"' in page and "anna_s" in page

    assert agent_client.post(f"/customers/merges/{merge.pk}/undo").status_code == 302
    assert Conversation.objects.get(pk=moved.pk).customer_id == source.pk
    assert Customer.objects.get(pk=source.pk).merged_into_id is None
    assert f'data-merge="{merge.pk}"' not in agent_client.get(f"/customers/{target.pk}/").content.decode()
    again = agent_client.post(f"/customers/merges/{merge.pk}/undo")
    assert again.status_code == 409


def test_merge_with_a_foreign_or_missing_customer_is_refused(agent_client, workspace):
    target = make(CustomerFactory, workspace=workspace)
    from resonanz.testing.factories import WorkspaceFactory

    stranger = make(CustomerFactory, workspace=make(WorkspaceFactory, slug="fremd"))
    assert (
        agent_client.post(f"/customers/{target.pk}/merge", {"source_customer_id": stranger.pk}).status_code
        == 400
    )
    assert (
        agent_client.post(f"/customers/{target.pk}/merge", {"source_customer_id": target.pk}).status_code
        == 400
    )
    assert not CustomerMerge.objects.exists()


def test_suggestions_are_shown_accepted_and_rejected(agent_client, workspace):
    customer = make(CustomerFactory, workspace=workspace, email="same@example.de")
    twin = make(CustomerFactory, workspace=workspace, email="same@example.de")
    other = make(CustomerFactory, workspace=workspace)
    rejected = MatchSuggestion.objects.create(
        workspace=workspace, customer=customer, candidate=other, reason="same_email", confidence=0.5
    )
    page = agent_client.get(f"/customers/{customer.pk}/").content.decode()
    suggestion = MatchSuggestion.objects.get(customer=customer, candidate=twin)
    assert f'data-suggestion="{suggestion.pk}"' in page
    agent_client.post(f"/customers/suggestions/{rejected.pk}/decide", {"decision": "reject"})
    assert MatchSuggestion.objects.get(pk=rejected.pk).status == "rejected"
    response = agent_client.post(f"/customers/suggestions/{suggestion.pk}/decide", {"decision": "accept"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=twin.pk).merged_into_id == customer.pk


def test_an_analyst_reads_but_does_not_merge(workspace):
    analyst = make(AgentFactory, workspace=workspace, role="analyst")
    client = Client()
    assert client.login(username=analyst.user.username, password=PASSWORD)
    customer = make(CustomerFactory, workspace=workspace)
    other = make(CustomerFactory, workspace=workspace)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "/merge" not in page
    assert client.post(f"/customers/{customer.pk}/merge", {"source_customer_id": other.pk}).status_code == 403
