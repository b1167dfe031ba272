"""Sending stored deliveries. The send task takes only a delivery id; the row says what to send.

pending → sending (claimed by one worker with a conditional UPDATE) → sent | pending (retry with backoff)
| failed. Network errors, 5xx and 429 retry; 4xx fail at once with the platform's message. A delivery left
in "sending" by a dead worker goes back to pending after a timeout; adapters pass the idempotency key to
platforms that honour one, so the resend does not double the post."""

from __future__ import annotations

import datetime as dt
import logging

from django.apps import apps
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from resonanz.channels.base import OutboundRequest, PermanentSendError, TransientSendError
from resonanz.channels.models import ChannelAccount, DeliveryAttempt, OutboundDelivery
from resonanz.channels.persona import signed_delivery_text
from resonanz.channels.registry import get_adapter
from resonanz.core.queue import enqueue

logger = logging.getLogger("resonanz.channels.outbound")

SEND_TASK = "channels.send_delivery"
MAX_SEND_ATTEMPTS = 6
STUCK_AFTER_SECONDS = 300


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    if retry_after is not None:
        return max(1.0, retry_after)
    return float(min(30 * 2 ** (attempt - 1), 3600))  # 30 s, 1 min, 2 min … capped at one hour


def request_for(delivery: OutboundDelivery) -> OutboundRequest:
    payload = delivery.payload
    return OutboundRequest(
        delivery_id=delivery.pk,
        idempotency_key=delivery.idempotency_key,
        action=delivery.action,
        text=signed_delivery_text(delivery, str(payload.get("text", ""))),  # agent persona, public only
        is_public=bool(payload.get("is_public", False)),
        recipient_handle=str(payload.get("recipient_handle", "")),
        in_reply_to_external_id=str(payload.get("in_reply_to_external_id", "")),
        thread_external_ids=tuple(payload.get("thread_external_ids", ())),
        subject=str(payload.get("subject", "")),
        extra={k: v for k, v in payload.items() if k not in {"text", "is_public", "recipient_handle"}},
        attempt=delivery.attempts,
    )


def send_delivery(delivery_id: int) -> str:
    """Try to send one delivery; returns its status afterwards ("gone" if there is nothing to do)."""
    now = timezone.now()
    claimed = (
        OutboundDelivery.objects.filter(pk=delivery_id, status=OutboundDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        # A disabled channel account holds its deliveries: pending until it is enabled (decision 0520).
        .exclude(channel_account__status=ChannelAccount.Status.DISABLED)
        .update(status=OutboundDelivery.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    )
    if not claimed:
        return "gone"
    delivery = OutboundDelivery.objects.select_related("channel_account").get(pk=delivery_id)
    account = delivery.channel_account
    attempt = DeliveryAttempt(delivery=delivery, started_at=now, outcome="sent")
    try:
        result = get_adapter(account.kind).send_outbound(account, request_for(delivery))
    except TransientSendError as error:
        attempt.status_code = error.status_code
        attempt.error = str(error)[:2000]
        if delivery.attempts >= MAX_SEND_ATTEMPTS:
            attempt.outcome = "failed"
            delivery.status = OutboundDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            attempt.outcome = "retry"
            delivery.status = OutboundDelivery.Status.PENDING
            delivery.next_attempt_at = timezone.now() + dt.timedelta(
                seconds=backoff_seconds(delivery.attempts, error.retry_after)
            )
        delivery.last_error = attempt.error
        logger.warning(
            "channel.send.retry" if attempt.outcome == "retry" else "channel.send.failed",
            extra={"delivery": delivery.pk, "attempt": delivery.attempts, "error": attempt.error},
        )
    except PermanentSendError as error:
        attempt.outcome = "failed"
        attempt.status_code = error.status_code
        attempt.error = str(error)[:2000]
        delivery.status = OutboundDelivery.Status.FAILED
        delivery.last_error = attempt.error
        delivery.next_attempt_at = None
        logger.warning("channel.send.failed", extra={"delivery": delivery.pk, "error": attempt.error})
    else:
        delivery.status = OutboundDelivery.Status.SENT
        delivery.external_ids = list(result.external_ids)
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.last_error = ""
    attempt.finished_at = timezone.now()
    with transaction.atomic():
        attempt.save()
        delivery.save(update_fields=["status", "external_ids", "sent_at", "next_attempt_at", "last_error"])
        if delivery.status == OutboundDelivery.Status.SENT and delivery.message_id and result.external_ids:
            # The first platform id becomes the message's, so the customer's answer threads under it.
            apps.get_model("conversations", "Message").objects.filter(pk=delivery.message_id).update(
                external_id=result.external_ids[0]
            )
    return delivery.status


def sweep_deliveries() -> int:
    """Enqueue deliveries whose retry time has come and free ones a dead worker left in "sending"."""
    now = timezone.now()
    OutboundDelivery.objects.filter(
        status=OutboundDelivery.Status.SENDING,
        next_attempt_at__lte=now - dt.timedelta(seconds=STUCK_AFTER_SECONDS),
    ).update(status=OutboundDelivery.Status.PENDING)
    return send_due_deliveries()


def send_due_deliveries(channel_account_id: int | None = None) -> int:
    """Enqueue pending deliveries whose time has come (of one channel account, or all); a disabled account's
    deliveries are held."""
    now = timezone.now()
    due = (
        OutboundDelivery.objects.filter(status=OutboundDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(channel_account__status=ChannelAccount.Status.DISABLED)
    )
    if channel_account_id is not None:
        due = due.filter(channel_account_id=channel_account_id)
    ids = list(due.order_by("id").values_list("id", flat=True)[:1000])
    for delivery_id in ids:
        enqueue(SEND_TASK, delivery_id)
    return len(ids)
