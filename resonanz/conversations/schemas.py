"""The REST API's shapes of conversations and messages."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from resonanz.conversations.models import Conversation, Message


class CustomerOut(Schema):
    id: int
    display_name: str
    is_vip: bool


class ConversationOut(Schema):
    id: int
    subject: str
    status: str
    priority: int
    is_public: bool
    channel_account_id: int
    channel_kind: str
    customer: CustomerOut
    owner_id: int | None
    team_id: int | None
    message_count: int
    created_at: dt.datetime
    last_message_at: dt.datetime

    @staticmethod
    def resolve_channel_kind(obj: Conversation) -> str:
        return obj.channel_account.kind


class MessageOut(Schema):
    id: int
    conversation_id: int
    direction: str
    visibility: str
    text: str
    language: str
    external_id: str
    author_handle: str | None
    author_agent_id: int | None
    reply_to_id: int | None
    delivery_status: str | None
    delivery_error: str | None = None
    created_at: dt.datetime
    received_at: dt.datetime

    @staticmethod
    def resolve_author_handle(obj: Message) -> str | None:
        return obj.author_identity.handle if obj.author_identity else None

    @staticmethod
    def resolve_delivery_status(obj: Message) -> str | None:
        if obj.direction != Message.Direction.OUTBOUND:
            return None
        delivery = getattr(obj, "delivery", None)
        return delivery.status if delivery else None

    @staticmethod
    def resolve_delivery_error(obj: Message) -> str | None:
        """Why a failed delivery failed (the platform's answer, or why we gave up)."""
        delivery = getattr(obj, "delivery", None) if obj.direction == Message.Direction.OUTBOUND else None
        return delivery.last_error if delivery and delivery.status == "failed" else None


class ReplyIn(Schema):
    text: str
    private: bool | None = None
    # Send the same key again (a retry after a timeout) and the reply is stored and sent once; the
    # Idempotency-Key header does the same.
    idempotency_key: str | None = None


class StatusIn(Schema):
    status: str
