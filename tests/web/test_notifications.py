"""The notification bell: unread count, the list with links to the conversations, mark read; and the
notifications the engine now writes for SLA warnings/breaches and failed deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from resonanz.conversations.actions import do_record_sla_events
from resonanz.conversations.models import Conversation, Message, Notification
from resonanz.testing.factories import PASSWORD, AgentFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def client_of(agent: Any) -> Client:
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    return client


def test_a_mention_lights_the_other_agents_bell_and_opening_it_reads_it(
    agent_client, workspace, fake_account
):
    colleague = make(AgentFactory, workspace=workspace)
    conversation = make(ConversationFactory, channel_account=fake_account)
    agent_client.post(f"/conversations/{conversation.pk}/note", {"text": f"@{colleague.user.username} bitte"})
    theirs = client_of(colleague)
    assert b'data-unread="1"' in theirs.get("/notifications/bell").content
    assert b'data-unread="0"' in agent_client.get("/notifications/bell").content
    page = theirs.get("/notifications/").content.decode()
    notification = Notification.objects.get(agent=colleague)
    assert f'data-notification="{notification.pk}"' in page and "bitte" in page
    response = theirs.get(f"/notifications/open?id={notification.pk}")
    assert response.status_code == 302 and response["Location"] == f"/conversations/{conversation.pk}/"
    assert b'data-unread="0"' in theirs.get("/notifications/bell").content


def test_another_agents_notification_is_not_opened_or_read(agent_client, workspace, fake_account):
    colleague = make(AgentFactory, workspace=workspace)
    conversation = make(ConversationFactory, channel_account=fake_account)
    theirs = Notification.objects.create(
        workspace=workspace, agent=colleague, kind="mention", conversation=conversation
    )
    response = agent_client.get(f"/notifications/open?id={theirs.pk}")
    assert response["Location"] == "/notifications/"
    agent_client.post("/notifications/read", {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(agent_client, agent, workspace):
    for kind in ("mention", "sla_breached", "response_rate_alert"):
        Notification.objects.create(workspace=workspace, agent=agent, kind=kind, data={"by": "Ben"})
    assert b'data-unread="3"' in agent_client.get("/notifications/bell").content
    assert agent_client.post("/notifications/read").status_code == 302
    assert not Notification.objects.filter(agent=agent, read_at__isnull=True).exists()


def test_sla_warning_and_breach_notify_the_owner(agent, fake_account):
    now = timezone.now()
    late = make(
        ConversationFactory,
        channel_account=fake_account,
        owner=agent,
        status="open",
        first_response_due_at=now - dt.timedelta(minutes=1),
    )
    soon = make(
        ConversationFactory,
        channel_account=fake_account,
        owner=agent,
        status="open",
        first_response_due_at=now + dt.timedelta(minutes=10),
        first_response_warn_at=now - dt.timedelta(minutes=1),
    )
    make(
        ConversationFactory,
        channel_account=fake_account,
        status="open",
        first_response_due_at=now - dt.timedelta(minutes=1),
    )  # nobody owns it: no bell to ring
    do_record_sla_events(now)
    kinds = set(Notification.objects.filter(agent=agent).values_list("kind", "conversation_id"))
    assert kinds == {("sla_breached", late.pk), ("sla_warning", soon.pk)}
    assert Notification.objects.count() == 2


def test_a_finally_failed_delivery_notifies_its_author(agent, fake_account, monkeypatch):
    from resonanz.channels import outbound
    from resonanz.channels.base import PermanentSendError
    from resonanz.channels.models import OutboundDelivery

    conversation = make(ConversationFactory, channel_account=fake_account)
    message = make(
        MessageFactory, conversation=conversation, direction=Message.Direction.OUTBOUND, author_agent=agent
    )
    delivery = OutboundDelivery.objects.create(
        channel_account=fake_account, message=message, action="reply", payload={"text": "x"}
    )

    class Refusing:
        def send_outbound(self, account: Any, request: Any) -> Any:
            raise PermanentSendError("403 duplicate content", status_code=403)

    monkeypatch.setattr(outbound, "get_adapter", lambda kind: Refusing())
    assert outbound.send_delivery(delivery.pk) == "failed"
    notification = Notification.objects.get(agent=agent)
    assert notification.kind == "delivery_failed"
    assert notification.conversation_id == conversation.pk
    assert "duplicate content" in notification.data["error"]
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_a_response_rate_alert_names_its_channel_and_the_figures(agent_client, agent, workspace):
    Notification.objects.create(
        workspace=workspace,
        agent=agent,
        kind="response_rate_alert",
        data={"channel_account": "X @netzwelt_hilft", "answered": 12, "received": 40, "answered_share": 0.3},
    )
    page = agent_client.get("/notifications/").content.decode()
    assert "Antwortquote unter der Schwelle: X @netzwelt_hilft (12 von 40 beantwortet)" in page
    assert "als gelesen markieren" in page
