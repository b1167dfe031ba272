"""Writes on conversations and messages. Views, tasks, the API and the CLI call these; nothing else saves
a conversation or a message."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

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
from resonanz.conversations.macros import check_channel_kinds, check_macro_text
from resonanz.conversations.models import (
    Attachment,
    Conversation,
    Macro,
    Mention,
    Message,
    Notification,
    TimelineEntry,
)
from resonanz.conversations.normalized import InboundAttachment, NormalizedMessage
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.text import clean_text, one_line
from resonanz.customers.actions import do_resolve_identity
from resonanz.customers.models import Identity
from resonanz.workspaces.models import Agent, Workspace

logger = logging.getLogger("resonanz.conversations")

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


def do_change_status(
    agent: Agent | None, conversation: Conversation, status: str, *, now: dt.datetime | None = None
) -> None:
    if status not in Conversation.Status.values:
        raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(Conversation.Status.values)}")
    if conversation.status == status:
        return
    with transaction.atomic():
        old = conversation.status
        updates: dict[str, Any] = {"status": status}
        now = timezone.now() if now is None else now
        if status == Conversation.Status.PENDING:
            updates["sla_paused_at"] = now  # pending on the customer: the clocks stop
        elif old == Conversation.Status.PENDING:
            updates.update(sla.resumed_fields(sla.calendar_for(conversation.workspace), conversation, now))
        Conversation.objects.filter(pk=conversation.pk).update(**updates)
        for name, value in updates.items():
            setattr(conversation, name, value)
        TimelineEntry.objects.create(
            conversation=conversation, actor=agent, kind="status_changed", data={"from": old, "to": status}
        )


# --- SLA watch ------------------------------------------------------------------------------------------

_RUNNING = (Conversation.Status.NEW, Conversation.Status.OPEN)  # pending: paused; solved/closed: stopped


def do_record_sla_events(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Write a TimelineEntry "sla_breached" for every running clock past its due moment and "sla_warning"
    for every one past its warning moment; each at most once (the moment is cleared or the breach stamped
    in the same transaction). Breaches first: a clock found already past due gets no late warning."""
    now = timezone.now() if now is None else now
    steps: list[tuple[str, str, Q, dict[str, Any]]] = [
        (
            sla.FIRST_RESPONSE,
            sla.BREACHED,
            Q(
                first_responded_at__isnull=True,
                first_response_due_at__lte=now,
                first_response_breached_at__isnull=True,
            ),
            {"first_response_breached_at": F("first_response_due_at"), "first_response_warn_at": None},
        ),
        (
            sla.RESOLUTION,
            sla.BREACHED,
            Q(resolution_due_at__lte=now, resolution_breached_at__isnull=True),
            {"resolution_breached_at": F("resolution_due_at"), "resolution_warn_at": None},
        ),
        (
            sla.FIRST_RESPONSE,
            sla.WARNING,
            Q(first_responded_at__isnull=True, first_response_warn_at__lte=now),
            {"first_response_warn_at": None},
        ),
        (sla.RESOLUTION, sla.WARNING, Q(resolution_warn_at__lte=now), {"resolution_warn_at": None}),
    ]
    recorded = 0
    for target, kind, condition, update in steps:
        due_field = f"{target}_due_at"
        with transaction.atomic():
            rows = list(
                Conversation.objects.select_for_update(skip_locked=True)
                .filter(condition, status__in=_RUNNING)
                .values_list("id", due_field, "owner_id", "workspace_id")[:limit]
            )
            if not rows:
                continue
            Conversation.objects.filter(id__in=[row[0] for row in rows]).update(**update)
            TimelineEntry.objects.bulk_create(
                [
                    TimelineEntry(
                        conversation_id=conversation_id,
                        kind=kind,
                        data={"target": target, "due_at": due_at.isoformat() if due_at else None},
                    )
                    for conversation_id, due_at, _owner_id, _workspace_id in rows
                ]
            )
            # The owner's bell: a warning or breach on one of their conversations.
            Notification.objects.bulk_create(
                [
                    Notification(
                        workspace_id=workspace_id,
                        agent_id=owner_id,
                        kind=kind,
                        conversation_id=conversation_id,
                        data={"target": target, "due_at": due_at.isoformat() if due_at else None},
                    )
                    for conversation_id, due_at, owner_id, workspace_id in rows
                    if owner_id is not None
                ]
            )
        recorded += len(rows)
        logger.info("conversations.sla.recorded", extra={"kind": kind, "target": target, "count": len(rows)})
    return recorded


# --- Internal notes and mentions ------------------------------------------------------------------------

# "@mia.k" mentions the agent whose login is "mia.k"; an e-mail address ("a@b.de") is no mention.
MENTION_PATTERN = re.compile(r"(?<![\w@.])@([\w][\w.+-]*)")


def mentioned_usernames(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MENTION_PATTERN.finditer(text):
        seen.setdefault(match.group(1).rstrip(".-+"), None)
    return list(seen)


def do_add_note(agent: Agent, conversation: Conversation, text: str) -> Message:
    """An internal note: stored as a message with visibility "note", never delivered to a channel.
    Every @username of a colleague in the same workspace gets a Mention and a Notification."""
    text = check_reply_text(text)
    if conversation.workspace_id != agent.workspace_id:
        raise InvalidInput("conversation belongs to another workspace")
    with transaction.atomic():
        message = new_agent_message(agent, conversation, text, visibility=Message.Visibility.NOTE)
        names = mentioned_usernames(text)
        colleagues = (
            list(
                Agent.objects.filter(workspace_id=agent.workspace_id, user__username__in=names)
                .exclude(pk=agent.pk)
                .order_by("id")
            )
            if names
            else []
        )
        Mention.objects.bulk_create([Mention(message=message, agent=colleague) for colleague in colleagues])
        excerpt = one_line(text, 140)
        Notification.objects.bulk_create(
            [
                Notification(
                    workspace_id=conversation.workspace_id,
                    agent=colleague,
                    kind="mention",
                    conversation=conversation,
                    message=message,
                    data={"by_agent_id": agent.pk, "by": agent.display_name, "excerpt": excerpt},
                )
                for colleague in colleagues
            ]
        )
        Conversation.objects.filter(pk=conversation.pk).update(message_count=F("message_count") + 1)
        TimelineEntry.objects.create(
            conversation=conversation,
            actor=agent,
            kind="note_added",
            data={"message_id": message.pk, "mentioned_agent_ids": [c.pk for c in colleagues]},
        )
    logger.info("conversations.note.added", extra={"message_id": message.pk, "mentions": len(colleagues)})
    return message


def do_notify_agents(
    agents: list[Agent], kind: str, data: dict[str, Any], *, conversation: Conversation | None = None
) -> int:
    """One Notification per agent (team alerts, e.g. the response-rate watch)."""
    Notification.objects.bulk_create(
        [
            Notification(
                workspace_id=a.workspace_id, agent=a, kind=kind, conversation=conversation, data=data
            )
            for a in agents
        ]
    )
    return len(agents)


def do_mark_notifications_read(agent: Agent, ids: list[int] | None = None) -> int:
    """Mark the agent's notifications read: those with ``ids``, or all unread ones."""
    unread = Notification.objects.filter(agent=agent, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


# --- Macros ---------------------------------------------------------------------------------------------


def do_create_macro(
    workspace: Workspace, name: str, language: str, text: str, channel_kinds: Sequence[str] = ()
) -> Macro:
    name = one_line(name, 120).strip()
    if not name:
        raise InvalidInput("a macro needs a name")
    if language not in workspace.languages:
        raise InvalidInput(f"language must be one of {', '.join(workspace.languages)}")
    text = check_macro_text(text)
    kinds = check_channel_kinds(channel_kinds)
    try:
        with transaction.atomic():
            return Macro.objects.create(
                workspace=workspace, name=name, language=language, text=text, channel_kinds=kinds
            )
    except IntegrityError:
        raise Conflict(f"a macro {name!r} in {language!r} exists already") from None
