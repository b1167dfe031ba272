"""Internal notes, @mentions and the notifications they create."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from resonanz.conversations.actions.messages import check_reply_text, new_agent_message
from resonanz.conversations.models import (
    Conversation,
    Mention,
    Message,
    Notification,
    TimelineEntry,
)
from resonanz.core.errors import InvalidInput
from resonanz.core.text import one_line
from resonanz.workspaces.models import Agent

logger = logging.getLogger("resonanz.conversations")


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
        raise InvalidInput(_("Das Gespräch gehört zu einem anderen Arbeitsbereich"))
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
