"""Call notes: what an agent writes down during or after a call, kept as an internal note in the
conversation the call belongs to."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from resonanz.conversations.actions import check_reply_text, new_agent_message
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.workspaces.models import Agent


def do_add_call_note(agent: Agent, conversation: Conversation, text: str, *, call_id: str = "") -> Message:
    text = check_reply_text(text)
    if conversation.workspace_id != agent.workspace_id:
        raise InvalidInput(_("Das Gespräch gehört zu einem anderen Arbeitsbereich"))
    call_id = call_id.strip()[:120]
    with transaction.atomic():
        message = new_agent_message(
            agent,
            conversation,
            text,
            visibility=Message.Visibility.NOTE,
            extra={"call_note": True, "call_id": call_id},
        )
        TimelineEntry.objects.create(
            conversation=conversation,
            actor=agent,
            kind="call_note",
            data={"message_id": message.pk, "call_id": call_id},
        )
    return message
