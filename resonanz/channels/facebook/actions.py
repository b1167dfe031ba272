"""Facebook-only writes: hiding a customer's comment on the page (an outbound delivery like a reply)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from resonanz.channels.models import OutboundDelivery
from resonanz.conversations.models import Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.core.queue import enqueue
from resonanz.workspaces.models import Agent


def check_hideable(agent: Agent, message: Message) -> None:
    if message.workspace_id != agent.workspace_id:
        raise InvalidInput(_("Die Nachricht gehört zu einem anderen Arbeitsbereich"))
    if message.channel_account is None or message.channel_account.kind != "facebook":
        raise InvalidInput(_("Nur Facebook-Kommentare lassen sich verbergen"))
    if message.direction != Message.Direction.INBOUND or message.visibility != Message.Visibility.PUBLIC:
        raise InvalidInput(_("Nur der öffentliche Kommentar eines Kunden lässt sich verbergen"))


def do_hide_facebook_comment(agent: Agent, message: Message) -> OutboundDelivery:
    """Hide the comment on the page (it stays visible to its author and friends). Idempotent: hiding the
    same comment twice returns the first delivery."""
    check_hideable(agent, message)
    key = f"hide-{message.pk}"
    with transaction.atomic():
        existing = OutboundDelivery.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        delivery = OutboundDelivery.objects.create(
            channel_account_id=message.channel_account_id,
            action="hide",
            idempotency_key=key,
            payload={"comment_id": message.external_id, "in_reply_to_external_id": message.external_id},
        )
        TimelineEntry.objects.create(
            conversation_id=message.conversation_id,
            actor=agent,
            kind="comment_hidden",
            data={"message_id": message.pk, "delivery_id": delivery.pk},
        )
        enqueue("channels.send_delivery", delivery.pk)
    return delivery
