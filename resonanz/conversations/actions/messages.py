"""Writes on conversations and messages: an inbound message stored and threaded (the single-event path;
the batch path is conversations/inbound.py), an agent's message, the SLA fields, answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from resonanz.conversations import sla
from resonanz.conversations.accounts import ChannelAccountRef
from resonanz.conversations.inbound_rules import (
    HINTABLE_STATUSES,
    REOPENED_BY_INBOUND,
    choose_conversation,
    inbound_message,
    is_participant,
    new_conversation,
    platform_messages,
    reopens,
    thread_references,
)
from resonanz.conversations.models import (
    Attachment,
    Conversation,
    Message,
    TimelineEntry,
)
from resonanz.conversations.normalized import InboundAttachment, NormalizedMessage
from resonanz.core.errors import InvalidInput
from resonanz.core.text import clean_text
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
    candidates = thread_references(normalized)
    if not candidates:
        return None
    found = {
        m.external_id: m for m in platform_messages(account.pk, candidates).select_related("conversation")
    }
    for external_id in candidates:  # the direct parent first, then older References
        if external_id in found:
            return found[external_id]
    return None


def _thread(
    account: ChannelAccountRef, identity: Identity, normalized: NormalizedMessage, parent: Message | None
) -> tuple[Conversation, bool, bool]:
    """Pick the conversation (the rule: `inbound_rules.choose_conversation`), or start a new one."""

    def hinted() -> Conversation | None:
        if normalized.conversation_hint_id is None:
            return None
        return Conversation.objects.filter(
            pk=normalized.conversation_hint_id,
            customer_id=identity.customer_id,
            status__in=HINTABLE_STATUSES,
        ).first()

    def open_conversation() -> Conversation | None:
        return (
            Conversation.objects.filter(
                customer_id=identity.customer_id,
                channel_account_id=account.pk,
                status__in=Conversation.OPEN_STATUSES,
            )
            .order_by("-last_message_at")
            .first()
        )

    conversation = choose_conversation(
        parent_conversation=parent.conversation if parent is not None else None,
        customer_id=identity.customer_id,
        hinted=hinted,
        open_conversation=open_conversation,
    )
    if conversation is not None:
        return conversation, False, reopens(conversation, created=False)
    conversation = new_conversation(account, identity.customer_id, normalized)
    conversation.save(force_insert=True)
    return conversation, True, False


def do_store_inbound_message(
    account: ChannelAccountRef, normalized: NormalizedMessage
) -> StoredMessage | None:
    """Store one normalized inbound message, resolving its author and threading it. Idempotent: a message
    whose external id is already stored returns None and changes nothing. Call inside a transaction.

    The reference for `inbound.store_inbound_batch`; both follow the rules in `inbound_rules`."""
    if platform_messages(account.pk, [normalized.external_id]).exists():
        return None
    identity = do_resolve_identity(account.workspace, normalized.author)
    parent = _find_parent(account, normalized)
    conversation, created, reopened = _thread(account, identity, normalized, parent)
    message = inbound_message(account, conversation, identity, parent, normalized, received_at=timezone.now())
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return None  # a concurrent worker stored the same platform message
    store_attachments(message, normalized.attachments)
    updates: dict[str, object] = {"message_count": F("message_count") + 1}
    if normalized.created_at > conversation.last_message_at:
        updates["last_message_at"] = normalized.created_at
    if conversation.status in REOPENED_BY_INBOUND:
        updates["status"] = Conversation.Status.OPEN
    updates.update(inbound_sla_fields(account, conversation, created=created, reopened=reopened))
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    if is_participant(identity, conversation):
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


def sla_fields(
    conversation: Conversation, targets: dict[tuple[int, str, int], sla.SlaTargets] | None = None
) -> dict[str, Any]:
    """The SLA clocks recomputed from the conversation's start for its current channel and priority (a met
    first response stays met). ``targets``: a cache of policies by (workspace, channel kind, priority) for
    a batch (routing)."""
    key = (conversation.workspace_id, conversation.channel_account.kind, conversation.priority)
    found = targets.get(key) if targets is not None else None
    if found is None:
        found = sla.targets_for(*key)
        if targets is not None:
            targets[key] = found
    fields = sla.clock_fields(
        sla.calendar_for(conversation.workspace),
        found,
        conversation.created_at,
        first_response=conversation.first_responded_at is None,
    )
    fields["sla_paused_at"] = conversation.sla_paused_at
    return fields


def do_apply_sla(conversation: Conversation) -> None:
    """(Re)compute the SLA clocks from the conversation's start for its current channel and priority; call
    after changing the priority (routing does). A met first response stays met."""
    fields = sla_fields(conversation)
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    for name, value in fields.items():
        setattr(conversation, name, value)


def check_reply_text(text: str) -> str:
    cleaned, _ = clean_text(text)
    cleaned = cleaned.strip()
    if not cleaned:
        raise InvalidInput(gettext("Eine Antwort braucht Text"))
    if len(cleaned) > MAX_REPLY_LENGTH:
        raise InvalidInput(
            gettext("Eine Antwort darf höchstens %(limit)s Zeichen haben") % {"limit": MAX_REPLY_LENGTH}
        )
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
