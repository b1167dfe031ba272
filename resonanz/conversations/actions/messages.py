"""Writes on conversations and messages: an inbound message stored and threaded (the single-event path;
the batch path is conversations/inbound.py), an agent's message, the SLA fields, answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from resonanz.conversations import sla
from resonanz.conversations.accounts import ChannelAccountRef
from resonanz.conversations.models import (
    Attachment,
    Conversation,
    Message,
    TimelineEntry,
)
from resonanz.conversations.normalized import InboundAttachment, NormalizedMessage
from resonanz.core.errors import InvalidInput
from resonanz.core.text import clean_text, one_line
from resonanz.customers.actions import do_resolve_identity
from resonanz.customers.models import Identity
from resonanz.workspaces.models import Agent

MAX_REPLY_LENGTH = 20_000


@dataclass(frozen=True)
class StoredMessage:
    message: Message
    conversation_created: bool
    conversation_reopened: bool


def store_attachments(message: Message, attachments: Sequence[InboundAttachment]) -> None:
    for attachment in attachments:
        Attachment.objects.create(
            message=message,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:120],
            size=len(attachment.data),
            file=ContentFile(attachment.data, name=attachment.filename[:100] or "attachment"),
        )


def _find_parent(account: ChannelAccountRef, normalized: NormalizedMessage) -> Message | None:
    candidates = [i for i in (normalized.reply_to_external_id, *normalized.thread_external_ids) if i]
    if not candidates:
        return None
    found = {
        m.external_id: m
        for m in Message.objects.filter(
            channel_account_id=account.pk, external_id__in=candidates
        ).select_related("conversation")
    }
    for external_id in candidates:  # the direct parent first, then older References
        if external_id in found:
            return found[external_id]
    return None


def _thread(
    account: ChannelAccountRef, identity: Identity, normalized: NormalizedMessage, parent: Message | None
) -> tuple[Conversation, bool, bool]:
    """Pick the conversation: the parent's; else the customer's open one on this channel; else a new one."""
    conversation: Conversation | None = None
    if parent is not None and parent.conversation.status != Conversation.Status.CLOSED:
        conversation = parent.conversation
    if conversation is None and normalized.conversation_hint_id is not None:
        conversation = Conversation.objects.filter(
            pk=normalized.conversation_hint_id,
            customer_id=identity.customer_id,
            status__in=(*Conversation.OPEN_STATUSES, Conversation.Status.SOLVED),
        ).first()
    if conversation is None:
        conversation = (
            Conversation.objects.filter(
                customer_id=identity.customer_id,
                channel_account_id=account.pk,
                status__in=Conversation.OPEN_STATUSES,
            )
            .order_by("-last_message_at")
            .first()
        )
    if conversation is not None:
        reopened = conversation.status == Conversation.Status.SOLVED
        return conversation, False, reopened
    conversation = Conversation.objects.create(
        workspace_id=account.workspace_id,
        customer_id=identity.customer_id,
        channel_account_id=account.pk,
        subject=one_line(normalized.subject or normalized.text, 120),
        is_public=normalized.is_public,
        created_at=normalized.created_at,
        last_message_at=normalized.created_at,
    )
    return conversation, True, False


def do_store_inbound_message(
    account: ChannelAccountRef, normalized: NormalizedMessage
) -> StoredMessage | None:
    """Store one normalized inbound message, resolving its author and threading it. Idempotent: a message
    whose external id is already stored returns None and changes nothing. Call inside a transaction."""
    if Message.objects.filter(channel_account_id=account.pk, external_id=normalized.external_id).exists():
        return None
    identity = do_resolve_identity(account.workspace, normalized.author)
    parent = _find_parent(account, normalized)
    conversation, created, reopened = _thread(account, identity, normalized, parent)
    text, truncated = clean_text(normalized.text)
    extra = dict(normalized.extra)
    if truncated:
        extra["truncated"] = True
    # Someone else answered in the customer's thread (a bystander under a post, a stranger quoting a
    # Message-ID): shown in the conversation, recorded as a participant, never the recipient of replies.
    participant = identity.customer_id != conversation.customer_id
    if participant:
        extra["participant"] = True
    try:
        with transaction.atomic():
            message = Message.objects.create(
                workspace_id=account.workspace_id,
                conversation=conversation,
                channel_account_id=account.pk,
                direction=Message.Direction.INBOUND,
                visibility=Message.Visibility.PUBLIC if normalized.is_public else Message.Visibility.PRIVATE,
                author_identity=identity,
                reply_to=parent,
                external_id=normalized.external_id,
                text=text,
                url=normalized.url[:500],
                extra=extra,
                created_at=normalized.created_at,
                received_at=timezone.now(),
                after_ingest_pending=bool(settings.AFTER_INGEST_STEPS),
            )
    except IntegrityError:
        return None  # a concurrent worker stored the same platform message
    store_attachments(message, normalized.attachments)
    updates: dict[str, object] = {"message_count": F("message_count") + 1}
    if normalized.created_at > conversation.last_message_at:
        updates["last_message_at"] = normalized.created_at
    if reopened or conversation.status == Conversation.Status.PENDING:
        updates["status"] = Conversation.Status.OPEN
    updates.update(inbound_sla_fields(account, conversation, created=created, reopened=reopened))
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    if participant:
        TimelineEntry.objects.create(
            conversation=conversation,
            kind="participant",
            data={"message_id": message.pk, "identity_id": identity.pk},
        )
    if created:
        TimelineEntry.objects.create(
            conversation=conversation, kind="created", data={"message_id": message.pk}
        )
    elif reopened:
        TimelineEntry.objects.create(
            conversation=conversation, kind="reopened", data={"message_id": message.pk}
        )
    return StoredMessage(message=message, conversation_created=created, conversation_reopened=reopened)


def inbound_sla_fields(
    account: ChannelAccountRef, conversation: Conversation, *, created: bool, reopened: bool
) -> dict[str, Any]:
    """SLA clocks touched by an inbound message (decision 0251): a new conversation starts both clocks at
    the message's time, a reopened one starts a fresh resolution clock, an answer from the customer ends
    the pause of a pending one."""
    if created or reopened:
        targets = sla.targets_for(account.workspace_id, account.kind, conversation.priority)
        start = conversation.created_at if created else timezone.now()
        return sla.clock_fields(sla.calendar_for(account.workspace), targets, start, first_response=created)
    if conversation.status == Conversation.Status.PENDING and conversation.sla_paused_at is not None:
        return sla.resumed_fields(sla.calendar_for(account.workspace), conversation, timezone.now())
    return {}


def do_apply_sla(conversation: Conversation) -> None:
    """(Re)compute the SLA clocks from the conversation's start for its current channel and priority; call
    after changing the priority (routing does). A met first response stays met."""
    account = conversation.channel_account
    targets = sla.targets_for(conversation.workspace_id, account.kind, conversation.priority)
    fields = sla.clock_fields(
        sla.calendar_for(conversation.workspace),
        targets,
        conversation.created_at,
        first_response=conversation.first_responded_at is None,
    )
    fields["sla_paused_at"] = conversation.sla_paused_at
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    for name, value in fields.items():
        setattr(conversation, name, value)


def check_reply_text(text: str) -> str:
    cleaned, _ = clean_text(text)
    cleaned = cleaned.strip()
    if not cleaned:
        raise InvalidInput("a reply needs text")
    if len(cleaned) > MAX_REPLY_LENGTH:
        raise InvalidInput(f"a reply may have at most {MAX_REPLY_LENGTH} characters")
    return cleaned


def new_agent_message(
    agent: Agent,
    conversation: Conversation,
    text: str,
    *,
    visibility: str,
    reply_to: Message | None = None,
    extra: dict[str, Any] | None = None,
) -> Message:
    """An agent's outbound message in the conversation, written now: a reply, a note, a call note. Checks
    nothing and counts nothing (the do_ functions do); call inside their transaction."""
    now = timezone.now()
    return Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        channel_account_id=conversation.channel_account_id,
        direction=Message.Direction.OUTBOUND,
        visibility=visibility,
        author_agent=agent,
        reply_to=reply_to,
        text=text,
        extra=extra or {},
        created_at=now,
        received_at=now,
    )


def do_mark_answered(conversation_id: int, answered_at: dt.datetime) -> int:
    """Stamp the inbound messages of a conversation that no reply had followed yet: a reply answers every
    earlier message of its thread. A conversation holds few unanswered messages, so they are read and
    written back in one bulk update."""
    pending = list(
        Message.objects.filter(
            conversation_id=conversation_id,
            direction=Message.Direction.INBOUND,
            answered_at__isnull=True,
            created_at__lte=answered_at,
        ).only("id", "created_at")
    )
    for message in pending:
        message.answered_at = answered_at
        message.response_seconds = max(int((answered_at - message.created_at).total_seconds()), 0)
    Message.objects.bulk_update(pending, ["answered_at", "response_seconds"])
    return len(pending)
