"""The message a reply answers: the conversation page finds it among the messages it has read
(`replies.reply_target_among`), the reply itself by a query (`replies.reply_target`) — the same message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels import replies
from resonanz.conversations.models import Message
from resonanz.testing.factories import (
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
)
from resonanz.web.queries import thread_of

pytestmark = pytest.mark.django_db


def both(conversation):
    return replies.reply_target(conversation), replies.reply_target_among(
        conversation, thread_of(conversation)
    )


def test_no_message_from_the_customer_no_target(workspace, fake_account):
    conversation = ConversationFactory(workspace=workspace, channel_account=fake_account)
    assert both(conversation) == (None, None)
    MessageFactory(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        author_agent=AgentFactory(workspace=workspace),
    )
    MessageFactory(conversation=conversation, author_identity=None)
    assert both(conversation) == (None, None)


def test_the_newest_received_from_the_customer_on_the_channel(workspace, fake_account):
    customer = CustomerFactory(workspace=workspace)
    own, second = IdentityFactory(customer=customer), IdentityFactory(customer=customer)
    bystander = IdentityFactory(customer=CustomerFactory(workspace=workspace))
    conversation = ConversationFactory(workspace=workspace, channel_account=fake_account, customer=customer)
    now = timezone.now()
    older = MessageFactory(
        conversation=conversation, author_identity=own, received_at=now - dt.timedelta(hours=2)
    )
    assert both(conversation) == (older, older)
    # Written later by the sender's clock, received earlier: ours counts.
    MessageFactory(
        conversation=conversation,
        author_identity=second,
        created_at=now,
        received_at=now - dt.timedelta(hours=3),
    )
    # A participant, another channel account, our own reply: never the target.
    MessageFactory(conversation=conversation, author_identity=bystander, received_at=now)
    MessageFactory(
        conversation=conversation,
        author_identity=own,
        channel_account=ChannelAccountFactory(workspace=workspace),
        received_at=now,
    )
    MessageFactory(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        author_identity=own,
        received_at=now,
    )
    assert both(conversation) == (older, older)
    # Received at the same moment: the later one (its id) is newest.
    tied = [
        MessageFactory(
            conversation=conversation, author_identity=identity, received_at=now - dt.timedelta(hours=1)
        )
        for identity in (second, own)
    ]
    assert both(conversation) == (tied[1], tied[1])
