"""Writes on conversations and messages. Views, tasks, the API and the CLI call these; nothing else saves
a conversation or a message."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from resonanz.channels.base import InboundAttachment, NormalizedMessage
from resonanz.channels.models import ChannelAccount, OutboundDelivery
from resonanz.contacts.actions import do_resolve_identity
from resonanz.contacts.models import Identity
from resonanz.conversations.models import Attachment, Conversation, Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.core.queue import enqueue
from resonanz.core.text import clean_text, one_line
from resonanz.workspaces.models import Agent

logger = logging.getLogger("resonanz.conversations")

MAX_REPLY_LENGTH = 20_000


@dataclass(frozen=True)
class StoredMessage:
    message: Message
    conversation_created: bool
    conversation_reopened: bool


PROFILE_FIELDS = ("email", "phone", "postal_code", "city", "region", "language")


def store_attachments(message: Message, attachments: Sequence[InboundAttachment]) -> None:
    for attachment in attachments:
        Attachment.objects.create(
            message=message,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:120],
            size=len(attachment.data),
            file=ContentFile(attachment.data, name=attachment.filename[:100] or "attachment"),
        )


def _find_parent(account: ChannelAccount, normalized: NormalizedMessage) -> Message | None:
    candidates = [i for i in (normalized.reply_to_external_id, *normalized.thread_external_ids) if i]
    if not candidates:
        return None
    found = {
        m.external_id: m
        for m in Message.objects.filter(channel_account=account, external_id__in=candidates).select_related(
            "conversation"
        )
    }
    for external_id in candidates:  # the direct parent first, then older References
        if external_id in found:
            return found[external_id]
    return None


def _thread(
    account: ChannelAccount, identity: Identity, normalized: NormalizedMessage, parent: Message | None
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
                channel_account=account,
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
        channel_account=account,
        subject=one_line(normalized.subject or normalized.text, 120),
        is_public=normalized.is_public,
        created_at=normalized.created_at,
        last_message_at=normalized.created_at,
    )
    return conversation, True, False


def do_store_inbound_message(account: ChannelAccount, normalized: NormalizedMessage) -> StoredMessage | None:
    """Store one normalized inbound message, resolving its author and threading it. Idempotent: a message
    whose external id is already stored returns None and changes nothing. Call inside a transaction."""
    if Message.objects.filter(channel_account=account, external_id=normalized.external_id).exists():
        return None
    identity = do_resolve_identity(account.workspace, normalized.author)
    parent = _find_parent(account, normalized)
    conversation, created, reopened = _thread(account, identity, normalized, parent)
    text, truncated = clean_text(normalized.text)
    extra = dict(normalized.extra)
    if truncated:
        extra["truncated"] = True
    try:
        with transaction.atomic():
            message = Message.objects.create(
                workspace_id=account.workspace_id,
                conversation=conversation,
                channel_account=account,
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
            )
    except IntegrityError:
        return None  # a concurrent worker stored the same platform message
    store_attachments(message, normalized.attachments)
    updates: dict[str, object] = {"message_count": F("message_count") + 1}
    if normalized.created_at > conversation.last_message_at:
        updates["last_message_at"] = normalized.created_at
    if reopened or conversation.status == Conversation.Status.PENDING:
        updates["status"] = Conversation.Status.OPEN
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    if created:
        TimelineEntry.objects.create(
            conversation=conversation, kind="created", data={"message_id": message.pk}
        )
    elif reopened:
        TimelineEntry.objects.create(
            conversation=conversation, kind="reopened", data={"message_id": message.pk}
        )
    return StoredMessage(message=message, conversation_created=created, conversation_reopened=reopened)


def check_reply_text(text: str) -> str:
    cleaned, _ = clean_text(text)
    cleaned = cleaned.strip()
    if not cleaned:
        raise InvalidInput("a reply needs text")
    if len(cleaned) > MAX_REPLY_LENGTH:
        raise InvalidInput(f"a reply may have at most {MAX_REPLY_LENGTH} characters")
    return cleaned


def do_send_reply(
    agent: Agent, conversation: Conversation, text: str, *, private: bool | None = None
) -> Message:
    """Answer the customer on the channel they used; the delivery is stored, then sent by a task."""
    text = check_reply_text(text)
    if conversation.workspace_id != agent.workspace_id:
        raise InvalidInput("conversation belongs to another workspace")
    last_inbound = (
        conversation.messages.filter(direction=Message.Direction.INBOUND)
        .select_related("author_identity")
        .order_by("-created_at")
        .first()
    )
    is_public = conversation.is_public if private is None else not private
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            channel_account_id=conversation.channel_account_id,
            direction=Message.Direction.OUTBOUND,
            visibility=Message.Visibility.PUBLIC if is_public else Message.Visibility.PRIVATE,
            author_agent=agent,
            reply_to=last_inbound,
            text=text,
            created_at=now,
            received_at=now,
        )
        delivery = OutboundDelivery.objects.create(
            channel_account_id=conversation.channel_account_id,
            message=message,
            action="reply" if is_public else "direct_message",
            idempotency_key=f"message-{message.pk}",
            payload={
                "text": text,
                "is_public": is_public,
                "recipient_handle": last_inbound.author_identity.handle
                if last_inbound and last_inbound.author_identity
                else "",
                "in_reply_to_external_id": last_inbound.external_id if last_inbound else "",
                "subject": conversation.subject,
                "agent_name": agent.display_name,
                "agent_initials": agent.initials,
            },
        )
        updates: dict[str, object] = {"last_message_at": now, "message_count": F("message_count") + 1}
        if conversation.first_responded_at is None:
            updates["first_responded_at"] = now
        if conversation.status == Conversation.Status.NEW:
            updates["status"] = Conversation.Status.OPEN
        Conversation.objects.filter(pk=conversation.pk).update(**updates)
        TimelineEntry.objects.create(
            conversation=conversation, actor=agent, kind="replied", data={"message_id": message.pk}
        )
        enqueue("channels.send_delivery", delivery.pk)
    return message


def do_change_status(agent: Agent | None, conversation: Conversation, status: str) -> None:
    if status not in Conversation.Status.values:
        raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(Conversation.Status.values)}")
    if conversation.status == status:
        return
    with transaction.atomic():
        old = conversation.status
        Conversation.objects.filter(pk=conversation.pk).update(status=status)
        conversation.status = status
        TimelineEntry.objects.create(
            conversation=conversation, actor=agent, kind="status_changed", data={"from": old, "to": status}
        )
