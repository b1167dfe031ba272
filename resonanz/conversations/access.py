"""Secured reads: every lookup an agent makes goes through here and is scoped to their workspace."""

from __future__ import annotations

from django.db.models import QuerySet

from resonanz.conversations.models import Conversation, Message
from resonanz.core.errors import NotFound
from resonanz.workspaces.models import Agent


def conversations_for(agent: Agent) -> QuerySet[Conversation]:
    return Conversation.objects.filter(workspace_id=agent.workspace_id)


def access_conversation_by_id(agent: Agent, conversation_id: int) -> Conversation:
    try:
        return (
            conversations_for(agent)
            .select_related("customer", "channel_account", "owner", "team")
            .get(pk=conversation_id)
        )
    except Conversation.DoesNotExist:
        raise NotFound(f"conversation {conversation_id} not found") from None


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author_identity", "author_agent", "delivery").order_by(
        "created_at", "id"
    )
