"""The routing step after ingest (settings.AFTER_INGEST_STEPS): route every conversation that received
a new inbound message. New and reopened conversations without an owner are assigned; follow-ups go
back to their owner while the owner is available (stickiness is re-applied, never skipped)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from resonanz.conversations.models import Message
from resonanz.routing.actions import do_route_conversation, do_route_conversations

logger = logging.getLogger("resonanz.routing")


def route_messages(message_ids: Sequence[int]) -> None:
    conversation_ids = sorted(
        set(
            Message.objects.filter(id__in=list(message_ids), direction=Message.Direction.INBOUND)
            .exclude(conversation__is_noise=True)  # listening noise is not routed (docs/understanding.md)
            .values_list("conversation_id", flat=True)
        )
    )
    if not conversation_ids:
        return
    try:
        do_route_conversations(conversation_ids, trigger="message")  # one transaction (decision 0832)
    except Exception:
        logger.warning("routing.batch_failed", extra={"conversations": len(conversation_ids)}, exc_info=True)
        for conversation_id in conversation_ids:
            try:
                do_route_conversation(conversation_id, trigger="message")
            except Exception:
                # One conversation failing must not leave the others of the batch unrouted.
                logger.exception("routing.route_failed", extra={"conversation": conversation_id})
