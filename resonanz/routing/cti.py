"""The CTI lookup: who is calling, what do they have open, and whom to ring first.

Telephony systems call ``GET /api/cti/lookup?number=…`` when a call comes in; the phone channel uses the
same function to attach a call to the customer's open conversation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resonanz.channels.registry import platform_kind
from resonanz.conversations.models import Conversation
from resonanz.customers.models import Customer, Identity
from resonanz.customers.phone import normalize_number
from resonanz.routing.engine import STICKY_PRESENCES
from resonanz.workspaces.models import Agent

MAX_CONVERSATIONS = 20


@dataclass(frozen=True)
class RingAgent:
    id: int
    display_name: str
    presence: str
    conversation_id: int


@dataclass(frozen=True)
class OpenConversation:
    id: int
    subject: str
    status: str
    priority: int
    is_public: bool
    channel_kind: str
    owner_id: int | None
    last_message_at: dt.datetime


@dataclass(frozen=True)
class Lookup:
    number: str
    customer: Customer | None
    conversations: list[OpenConversation]
    ring_first: RingAgent | None


def find_customer(workspace_id: int, number: str) -> Customer | None:
    """The customer with this phone identity; else one whose profile has this number (E.164)."""
    identity = (
        Identity.objects.select_related("customer")
        .filter(workspace_id=workspace_id, kind=Identity.Kind.PHONE, handle=number)
        .first()
    )
    if identity is not None:
        return identity.customer
    return Customer.objects.filter(workspace_id=workspace_id, phone=number).order_by("id").first()


def open_conversations(customer: Customer) -> list[OpenConversation]:
    rows = (
        Conversation.objects.filter(customer_id=customer.pk, status__in=Conversation.OPEN_STATUSES)
        .order_by("-last_message_at", "-id")
        .values_list(
            "id",
            "subject",
            "status",
            "priority",
            "is_public",
            "channel_account__kind",
            "channel_account__config",
            "owner_id",
            "last_message_at",
        )[:MAX_CONVERSATIONS]
    )
    return [
        OpenConversation(
            id=cid,
            subject=subject,
            status=status,
            priority=priority,
            is_public=is_public,
            channel_kind=platform_kind(kind, config),
            owner_id=owner_id,
            last_message_at=last_message_at,
        )
        for cid, subject, status, priority, is_public, kind, config, owner_id, last_message_at in rows
    ]


def ring_first(conversations: list[OpenConversation]) -> RingAgent | None:
    """The owner of the most recently active open conversation who is available (online or away)."""
    owner_ids = {c.owner_id for c in conversations if c.owner_id is not None}
    if not owner_ids:
        return None
    agents = {
        agent_id: (name, presence)
        for agent_id, name, presence in Agent.objects.filter(pk__in=owner_ids).values_list(
            "id", "display_name", "presence"
        )
    }
    for conversation in conversations:  # newest activity first
        if conversation.owner_id is None or conversation.owner_id not in agents:
            continue
        name, presence = agents[conversation.owner_id]
        if presence in STICKY_PRESENCES:
            return RingAgent(conversation.owner_id, name, presence, conversation.id)
    return None


def lookup_number(workspace_id: int, raw_number: str) -> Lookup:
    number = normalize_number(raw_number)
    customer = find_customer(workspace_id, number)
    if customer is None:
        return Lookup(number=number, customer=None, conversations=[], ring_first=None)
    conversations = open_conversations(customer)
    return Lookup(
        number=number, customer=customer, conversations=conversations, ring_first=ring_first(conversations)
    )


def conversation_for_call(workspace_id: int, number: str) -> int | None:
    """The conversation the CTI lookup would show first: the one whose owner gets the call, else the
    customer's most recently active open conversation. The phone channel asks it through the
    PHONE_CONVERSATION_HINT setting (channels sit below routing and never import it)."""
    customer = find_customer(workspace_id, number)
    if customer is None:
        return None
    conversations = open_conversations(customer)
    ring = ring_first(conversations)
    if ring is not None:
        return ring.conversation_id
    return conversations[0].id if conversations else None
