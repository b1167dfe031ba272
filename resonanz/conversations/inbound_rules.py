"""The rules of storing one inbound message, shared by both ingest paths: the one-by-one reference path
(`actions.do_store_inbound_message`) and the set-based batch path (`inbound.store_inbound_batch`). Each path
finds the candidates its own way (one query per message, or one query per batch); which candidate wins, what
a new conversation and a new message look like, and what an inbound message does to its conversation's
status are decided here, once, so the two paths cannot drift apart (issue 11 item 7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import QuerySet

from resonanz.conversations.accounts import ChannelAccountRef
from resonanz.conversations.models import Conversation, Message
from resonanz.conversations.normalized import NormalizedMessage
from resonanz.core.text import clean_text, one_line
from resonanz.customers.models import Identity

# A conversation a channel hinted at (a phone call matched by the CTI lookup) is taken while it is open or
# solved (a solved one reopens); a closed one never.
HINTABLE_STATUSES = (*Conversation.OPEN_STATUSES, Conversation.Status.SOLVED)
# What an inbound message does to its conversation's status: waiting on the customer or solved → open.
REOPENED_BY_INBOUND = (Conversation.Status.PENDING, Conversation.Status.SOLVED)


def platform_messages(account_id: int, external_ids: Iterable[str]) -> QuerySet[Message]:
    """A channel account's messages by platform id, read through the partial unique index
    ``message_unique_external_id`` (channel account, external id WHERE external_id <> '').

    The index's condition is spelled out in the query: without it SQLite cannot use the partial index and
    reads every message of the channel account (by the plain channel-account index), and PostgreSQL cannot
    prove the condition for lists of more than 100 ids — the cost of storing a batch grew with the table
    (decision 0830)."""
    return Message.objects.filter(channel_account_id=account_id, external_id__in=list(external_ids)).exclude(
        external_id=""
    )


def thread_references(item: NormalizedMessage) -> list[str]:
    """The platform ids a message may thread under: the direct parent first, then older references."""
    return [ref for ref in (item.reply_to_external_id, *item.thread_external_ids) if ref]


def choose_conversation(
    *,
    parent_conversation: Conversation | None,
    customer_id: int,
    hinted: Callable[[], Conversation | None],
    open_conversation: Callable[[], Conversation | None],
) -> Conversation | None:
    """Threading: the parent's conversation unless it is closed; else the conversation a channel hinted at,
    if it is this customer's and not closed; else the customer's newest open conversation on the channel
    account; else None (a new conversation). ``hinted`` and ``open_conversation`` are asked only when
    needed (the one-by-one path queries them)."""
    if parent_conversation is not None and parent_conversation.status != Conversation.Status.CLOSED:
        return parent_conversation
    candidate = hinted()
    if (
        candidate is not None
        and candidate.customer_id == customer_id
        and candidate.status in HINTABLE_STATUSES
    ):
        return candidate
    return open_conversation()


def new_conversation(account: ChannelAccountRef, customer_id: int, item: NormalizedMessage) -> Conversation:
    """The conversation a message starts (unsaved, no messages counted yet)."""
    return Conversation(
        workspace_id=account.workspace_id,
        customer_id=customer_id,
        channel_account_id=account.pk,
        subject=one_line(item.subject or item.text, 120),
        is_public=item.is_public,
        created_at=item.created_at,
        last_message_at=item.created_at,
    )


def is_participant(identity: Identity, conversation: Conversation) -> bool:
    """Someone else wrote in the customer's thread (a bystander under a post, a stranger quoting a
    Message-ID): shown in the conversation, recorded as a participant, never the recipient of replies."""
    return identity.customer_id != conversation.customer_id


def reopens(conversation: Conversation, *, created: bool) -> bool:
    """An inbound message reopens a solved conversation (a "reopened" timeline entry, a fresh clock)."""
    return not created and conversation.status == Conversation.Status.SOLVED


def inbound_message(
    account: ChannelAccountRef,
    conversation: Conversation,
    identity: Identity,
    parent: Message | None,
    item: NormalizedMessage,
    *,
    received_at: dt.datetime,
) -> Message:
    """The message row (unsaved): text NFC-normalized, control characters removed and capped; flagged when
    truncated or written by a participant; its after-ingest steps due when any are configured (0008)."""
    text, truncated = clean_text(item.text)
    extra = dict(item.extra)
    if truncated:
        extra["truncated"] = True
    if is_participant(identity, conversation):
        extra["participant"] = True
    return Message(
        workspace_id=account.workspace_id,
        conversation=conversation,
        channel_account_id=account.pk,
        direction=Message.Direction.INBOUND,
        visibility=Message.Visibility.PUBLIC if item.is_public else Message.Visibility.PRIVATE,
        author_identity=identity,
        reply_to=parent,
        external_id=item.external_id,
        text=text,
        url=item.url[:500],
        extra=extra,
        created_at=item.created_at,
        received_at=received_at,
        after_ingest_pending=bool(settings.AFTER_INGEST_STEPS),
    )
