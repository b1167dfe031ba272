"""The inbox and the conversation page cost the same number of queries for 5 rows as for 50: a query per
row (an N+1) fails here."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.models import Message, Notification
from resonanz.testing.factories import AgentFactory, ConversationFactory, CustomerFactory, MessageFactory
from resonanz.understanding.models import Annotation
from resonanz.workspaces.actions import do_ensure_team

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def queries_of(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_inbox_queries_do_not_grow_with_rows(agent_client, agent, workspace, fake_account):
    team = do_ensure_team(workspace, "Technik")
    agent.teams.add(team)
    colleague = make(AgentFactory, workspace=workspace)

    def add(n: int) -> None:
        for i in range(n):
            conversation = make(
                ConversationFactory,
                channel_account=fake_account,
                owner=colleague if i % 2 else agent,
                team=team,
                customer=make(CustomerFactory, workspace=workspace, is_vip=i % 3 == 0),
                message_count=2,
            )
            message = make(MessageFactory, conversation=conversation, text=f"Router {i}")
            Annotation.objects.create(message=message, annotator="sentiment", version="1", label="negative")
            Annotation.objects.create(message=message, annotator="topic", version="1", label="outage")

    add(5)
    few = {url: queries_of(agent_client, url) for url in ("/", "/?view=mine", "/?status=all&q=router")}
    add(45)
    many = {url: queries_of(agent_client, url) for url in few}
    assert many == few
    assert agent_client.get("/?status=all").content.count(b"data-conversation=") == 50


def test_conversation_page_queries_do_not_grow_with_messages(agent_client, agent, workspace, fake_account):
    conversation = make(ConversationFactory, channel_account=fake_account, is_public=True)
    colleague = make(AgentFactory, workspace=workspace)

    def add(n: int) -> None:
        for i in range(n):
            inbound = make(MessageFactory, conversation=conversation, text=f"Frage {i}")
            for name, label in (("sentiment", "negative"), ("urgency", "high"), ("language", "de")):
                Annotation.objects.create(message=inbound, annotator=name, version="1", label=label)
            reply = make(
                MessageFactory,
                conversation=conversation,
                direction=Message.Direction.OUTBOUND,
                author_agent=agent if i % 2 else colleague,
                external_id="",
            )
            OutboundDelivery.objects.create(
                channel_account=fake_account,
                message=reply,
                action="reply",
                payload={},
                status="failed",
                idempotency_key=f"k-{reply.pk}",
            )
            Notification.objects.create(
                workspace=workspace, agent=agent, kind="mention", conversation=conversation
            )

    add(5)
    url = f"/conversations/{conversation.pk}/"
    few = queries_of(agent_client, url)
    add(45)
    assert queries_of(agent_client, url) == few
    customer_url = f"/customers/{conversation.customer_id}/"
    # Each view looks for merge suggestions afresh here (the page caches that look for ten minutes).
    cache.clear()
    few_customer = queries_of(agent_client, customer_url)
    add(5)
    cache.clear()
    assert queries_of(agent_client, customer_url) == few_customer
    assert queries_of(agent_client, customer_url) < few_customer  # the stored suggestions are read
