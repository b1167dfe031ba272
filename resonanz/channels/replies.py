"""Replies: an agent's answer stored as an outbound message with its delivery, then sent by a task.

The channel's adapter decides the delivery's form (a public reply, a comment, a direct message, an e-mail:
`ChannelAdapter.reply_action`) from the conversation's visibility and the message it answers; the recipient is always the conversation's customer (decision 0501). This lives
in `channels` because a reply is a delivery: conversations, a layer below, know nothing of deliveries."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from resonanz.channels.models import OutboundDelivery
from resonanz.channels.registry import get_adapter
from resonanz.conversations.actions import check_reply_text, do_mark_answered, new_agent_message
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.queue import enqueue
from resonanz.workspaces.models import Agent

# What a caller may send as a reply's idempotency key (a form's per-render key, an API client's retry key).
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:\-]{1,200}", re.ASCII)


@dataclass(frozen=True)
class SentReply:
    message: Message
    duplicate: bool  # the same idempotency key again: nothing new was stored or sent


def check_idempotency_key(key: str) -> str:
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(_("Ein Idempotenzschlüssel hat 1 bis 200 Zeichen aus A-Z a-z 0-9 . _ : -"))
    return key


def reply_delivery_key(agent: Agent, conversation: Conversation, idempotency_key: str) -> str:
    """The delivery's unique key. With a caller's key: the same for the same agent, conversation and key,
    so a second submission finds the first. Without one: random. Either way unguessable from outside
    (it becomes the e-mail Message-ID), never the message's sequential id."""
    # 128 bits in 22 URL-safe characters: short enough that a Message-ID made of it stays on one line.
    if not idempotency_key:
        return f"reply-{secrets.token_urlsafe(16)}"
    digest = salted_hmac(
        "resonanz.reply-idempotency", f"{conversation.pk}:{agent.pk}:{idempotency_key}", algorithm="sha256"
    ).digest()
    return "reply-" + base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _keyed_reply(delivery_key: str, conversation: Conversation, text: str) -> SentReply | None:
    existing = OutboundDelivery.objects.filter(idempotency_key=delivery_key).select_related("message").first()
    if existing is None or existing.message is None:
        return None
    if existing.message.conversation_id != conversation.pk or existing.message.text != text:
        raise Conflict(_("Dieser Idempotenzschlüssel gehört schon zu einer anderen Antwort"))
    return SentReply(existing.message, duplicate=True)


def do_send_reply(
    agent: Agent,
    conversation: Conversation,
    text: str,
    *,
    private: bool | None = None,
    idempotency_key: str = "",
) -> Message:
    """Answer the customer on the channel they used; the delivery is stored, then sent by a task."""
    return do_send_reply_once(
        agent, conversation, text, private=private, idempotency_key=idempotency_key
    ).message


def do_send_reply_once(
    agent: Agent,
    conversation: Conversation,
    text: str,
    *,
    private: bool | None = None,
    idempotency_key: str = "",
) -> SentReply:
    """`do_send_reply` that says whether the reply is new. The same ``idempotency_key`` (per agent and
    conversation) returns the reply stored the first time and sends nothing again; with another text it
    is a 409. The unique delivery key decides, so two racing submissions store one reply."""
    text = check_reply_text(text)
    if conversation.workspace_id != agent.workspace_id:
        raise InvalidInput(_("Das Gespräch gehört zu einem anderen Arbeitsbereich"))
    if idempotency_key:
        check_idempotency_key(idempotency_key)
    delivery_key = reply_delivery_key(agent, conversation, idempotency_key)
    if idempotency_key and (replayed := _keyed_reply(delivery_key, conversation, text)):
        return replayed
    try:
        message = _store_reply(agent, conversation, text, private=private, delivery_key=delivery_key)
    except IntegrityError:
        replayed = _keyed_reply(delivery_key, conversation, text) if idempotency_key else None
        if replayed is None:
            raise
        return replayed
    return SentReply(message, duplicate=False)


def reply_target(conversation: Conversation) -> Message | None:
    """The message a reply answers and whose author receives it: the newest message *we received* from the
    conversation's customer on its channel account. Never a participant's (a bystander who answered under
    the customer's post must not get the agent's private reply), and newest by our clock, not by the date
    a sender claims."""
    return (
        conversation.messages.filter(
            direction=Message.Direction.INBOUND,
            channel_account_id=conversation.channel_account_id,
            author_identity__customer_id=conversation.customer_id,
        )
        .select_related("author_identity")
        .order_by("-received_at", "-id")
        .first()
    )


def reply_target_among(conversation: Conversation, messages: Iterable[Message]) -> Message | None:
    """`reply_target` found among the conversation's messages already read (all of them, with their author
    identities, as the conversation page reads them): the same message without one more query."""
    candidates = [
        message
        for message in messages
        if message.direction == Message.Direction.INBOUND
        and message.channel_account_id == conversation.channel_account_id
        and message.author_identity is not None
        and message.author_identity.customer_id == conversation.customer_id
    ]
    # received_at is never NULL: newest first as the query orders them, the id breaking ties.
    return max(candidates, key=lambda message: (message.received_at, message.pk), default=None)


def _store_reply(
    agent: Agent, conversation: Conversation, text: str, *, private: bool | None, delivery_key: str
) -> Message:
    last_inbound = reply_target(conversation)
    is_public = conversation.is_public if private is None else not private
    in_reply_to = last_inbound.external_id if last_inbound else ""
    account = conversation.channel_account
    action = get_adapter(account.kind).reply_action(
        account, is_public=is_public, in_reply_to_external_id=in_reply_to
    )
    with transaction.atomic():
        message = new_agent_message(
            agent,
            conversation,
            text,
            visibility=Message.Visibility.PUBLIC if is_public else Message.Visibility.PRIVATE,
            reply_to=last_inbound,
        )
        now = message.created_at
        delivery = OutboundDelivery.objects.create(
            channel_account_id=conversation.channel_account_id,
            message=message,
            action=action,
            idempotency_key=delivery_key,
            payload={
                "text": text,
                "is_public": is_public,
                "recipient_handle": last_inbound.author_identity.handle
                if last_inbound and last_inbound.author_identity
                else "",
                # The platform's stable id of the recipient (X user id): sends never go by a handle that
                # may have changed hands since.
                "recipient_id": last_inbound.author_identity.external_id
                if last_inbound and last_inbound.author_identity
                else "",
                "in_reply_to_external_id": in_reply_to,
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
        do_mark_answered(conversation.pk, now)
        enqueue("channels.send_delivery", delivery.pk)
    return message


def do_retry_delivery(agent: Agent, message: Message) -> OutboundDelivery:
    """Send a failed reply again (the agent's retry button, the API): the delivery is pending with fresh
    attempts, the conversation's timeline says who retried. Only a failed delivery can be retried: a sent
    one is never sent twice, a pending one is still on its way (decision 0523)."""
    if message.workspace_id != agent.workspace_id:
        raise InvalidInput(_("Die Nachricht gehört zu einem anderen Arbeitsbereich"))
    with transaction.atomic():
        retried = OutboundDelivery.objects.filter(
            message_id=message.pk, status=OutboundDelivery.Status.FAILED
        ).update(status=OutboundDelivery.Status.PENDING, attempts=0, next_attempt_at=None, last_error="")
        delivery = OutboundDelivery.objects.filter(message_id=message.pk).first()
        if delivery is None:
            raise InvalidInput(_("Diese Nachricht hat keine Zustellung, die sich wiederholen ließe"))
        if not retried:
            raise Conflict(
                _("Nur eine fehlgeschlagene Zustellung lässt sich erneut senden; diese ist %(status)s")
                % {"status": delivery.status}
            )
        TimelineEntry.objects.create(
            conversation_id=message.conversation_id,
            actor=agent,
            kind="delivery_retried",
            data={"message_id": message.pk, "delivery_id": delivery.pk},
        )
        enqueue("channels.send_delivery", delivery.pk)
    return delivery
