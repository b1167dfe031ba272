"""The customers' inbound messages of the last 24 hours, counted over all their conversations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.conversations.models import Message
from resonanz.testing.factories import ConversationFactory, CustomerFactory, MessageFactory
from resonanz.understanding.pipeline import _recent_inbound

pytestmark = pytest.mark.django_db


def test_counts_inbound_messages_of_the_last_day_over_every_conversation(workspace):
    kim, ole, ada = CustomerFactory.create_batch(3, workspace=workspace)
    now = timezone.now()
    inbound, outbound = Message.Direction.INBOUND, Message.Direction.OUTBOUND
    for customer, directions in ((kim, [inbound, inbound]), (ole, [inbound, outbound])):
        for direction in directions:
            conversation = ConversationFactory(workspace=workspace, customer=customer)
            MessageFactory(conversation=conversation, workspace=workspace, direction=direction)
    old = MessageFactory(
        conversation=ConversationFactory(workspace=workspace, customer=ada), workspace=workspace
    )
    Message.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(hours=25))
    MessageFactory.create_batch(2, conversation=old.conversation, workspace=workspace)

    assert _recent_inbound({kim.pk, ole.pk, ada.pk}) == {kim.pk: 2, ole.pk: 1, ada.pk: 2}
    assert _recent_inbound(set()) == {}
