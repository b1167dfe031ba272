"""Secured reads: every lookup an agent makes goes through here and is scoped to their workspace."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from resonanz.conversations.models import Conversation, Macro, Message, Notification
from resonanz.core.errors import NotFound
from resonanz.customers.models import Customer, Identity
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
        raise NotFound(
            _("Gespräch %(conversation_id)s nicht gefunden") % {"conversation_id": conversation_id}
        ) from None


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author_identity", "author_agent", "delivery").order_by(
        "created_at", "id"
    )


# The customer view shows at most this many messages (the newest); older ones are paged by conversation.
HISTORY_MESSAGES = 500


@dataclass(frozen=True)
class ConversationHistory:
    conversation: Conversation
    messages: list[Message]


@dataclass(frozen=True)
class CustomerHistory:
    customer: Customer
    identities: list[Identity]
    conversations: list[ConversationHistory]
    truncated: bool


def customer_history(agent: Agent, customer_id: int) -> CustomerHistory:
    """Everything one customer said and was told, on every channel: all conversations (newest first) with
    their messages (oldest first). Four queries, whatever the number of conversations or identities."""
    try:
        customer = Customer.objects.get(pk=customer_id, workspace_id=agent.workspace_id)
    except Customer.DoesNotExist:
        raise NotFound(_("Kunde %(customer_id)s nicht gefunden") % {"customer_id": customer_id}) from None
    identities = list(customer.identities.order_by("kind", "handle"))
    conversations = list(
        Conversation.objects.filter(customer=customer)
        .select_related("channel_account")
        .order_by("-last_message_at", "-id")
    )
    newest = list(
        Message.objects.filter(conversation__customer=customer)
        .select_related("author_identity", "author_agent", "delivery")
        .order_by("-created_at", "-id")[: HISTORY_MESSAGES + 1]
    )
    truncated = len(newest) > HISTORY_MESSAGES
    by_conversation: dict[int, list[Message]] = {c.pk: [] for c in conversations}
    for message in reversed(newest[:HISTORY_MESSAGES]):
        by_conversation.setdefault(message.conversation_id, []).append(message)
    return CustomerHistory(
        customer=customer,
        identities=identities,
        conversations=[ConversationHistory(c, by_conversation[c.pk]) for c in conversations],
        truncated=truncated,
    )


def macros_for(agent: Agent, language: str | None = None) -> QuerySet[Macro]:
    queryset = Macro.objects.filter(workspace_id=agent.workspace_id).order_by("name", "language")
    return queryset.filter(language=language) if language else queryset


def access_macro_by_id(agent: Agent, macro_id: int) -> Macro:
    try:
        return Macro.objects.get(pk=macro_id, workspace_id=agent.workspace_id)
    except Macro.DoesNotExist:
        raise NotFound(_("Textbaustein %(macro_id)s nicht gefunden") % {"macro_id": macro_id}) from None


def notifications_for(agent: Agent, *, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(agent=agent).order_by("-created_at", "-id")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset
