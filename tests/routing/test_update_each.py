"""Routing writes each conversation's own values (owner, priority, SLA clocks) with one statement per row,
sent as one executemany per set of columns (decision 0834): each row gets its own values, no other row
changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.conversations.models import Conversation
from resonanz.routing.actions import _update_each
from resonanz.testing.factories import AgentFactory, ConversationFactory

pytestmark = pytest.mark.django_db


def test_each_conversation_gets_its_own_values(workspace):
    agent = AgentFactory(workspace=workspace)
    first, second, third, untouched = ConversationFactory.create_batch(4, workspace=workspace)
    now = timezone.now().replace(microsecond=123456)
    clocks = ("first_response_due_at", "first_response_warn_at", "first_response_breached_at")
    rows = [
        (first.pk, {"owner_id": agent.pk, "priority": 3, clocks[0]: now, clocks[1]: None, clocks[2]: None}),
        (second.pk, {"owner_id": None, "priority": 1, clocks[0]: None, clocks[1]: now, clocks[2]: now}),
        (third.pk, {"priority": 2, "resolution_due_at": now + dt.timedelta(days=1)}),
    ]
    before = Conversation.objects.values().get(pk=untouched.pk)

    _update_each(rows)

    got = {c.pk: c for c in Conversation.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    assert (got[first.pk].owner_id, got[first.pk].priority) == (agent.pk, 3)
    assert [getattr(got[first.pk], name) for name in clocks] == [now, None, None]
    assert (got[second.pk].owner_id, got[second.pk].priority) == (None, 1)
    assert [getattr(got[second.pk], name) for name in clocks] == [None, now, now]
    assert got[third.pk].priority == 2
    assert got[third.pk].resolution_due_at == now + dt.timedelta(days=1)
    assert got[third.pk].owner_id == third.owner_id
    assert Conversation.objects.values().get(pk=untouched.pk) == before
    _update_each([])
