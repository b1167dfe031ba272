"""Sending stored deliveries. The send task takes only a delivery id; the row says what to send.

pending → sending (claimed by one worker with a conditional UPDATE) → sent | pending (retry with backoff)
| failed. Network errors, 5xx and 429 retry; 4xx fail at once with the platform's message. A delivery left
in "sending" by a dead worker goes back to pending after a timeout; adapters pass the idempotency key to
platforms that honour one, so the resend does not double the post. Every path counts attempts: after
MAX_SEND_ATTEMPTS the delivery is failed with the reason, and an agent can send it again
(`do_retry_delivery`, decision 0523)."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from resonanz.channels.base import PUBLISH_POST, OutboundRequest, PermanentSendError, TransientSendError
from resonanz.channels.models import ChannelAccount, DeliveryAttempt, OutboundDelivery
from resonanz.channels.persona import signed_delivery_text
from resonanz.channels.registry import get_adapter
from resonanz.core.queue import enqueue

logger = logging.getLogger("resonanz.channels.outbound")

SEND_TASK = "channels.send_delivery"
MAX_SEND_ATTEMPTS = 6
STUCK_AFTER_SECONDS = 300
STUCK_REASON = (
    "gave up after {attempts} attempts: the sending worker stopped before it recorded the platform's answer "
    "(the message may have reached the platform; check there before sending it again)"
)


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
    """Try to send one delivery; returns its status afterwards ("gone" if there is nothing to do).

    The platform's answer is recorded in a commit of its own right after the call (decision 0523): what
    follows (the attempt row, the message's external id) may fail — a unique-constraint clash, a full disk —
    without leaving a delivery the platform accepted in "sending" for the sweeper to send again."""
    now = timezone.now()
    claimed = (
        OutboundDelivery.objects.filter(pk=delivery_id, status=OutboundDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(attempts__lt=MAX_SEND_ATTEMPTS)
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
        adapter = get_adapter(account.kind)
        send = adapter.publish_post if delivery.action == PUBLISH_POST else adapter.send_outbound
        result = send(account, request_for(delivery))
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
        _record_sent(delivery, list(result.external_ids))
        attempt.finished_at = timezone.now()
        _after_sent(delivery, attempt)
        return delivery.status
    attempt.finished_at = timezone.now()
    with transaction.atomic():
        attempt.save()
        delivery.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
        if delivery.status == OutboundDelivery.Status.FAILED:
            _notify_failed(delivery)
    return delivery.status


def _notify_failed(delivery: OutboundDelivery) -> None:
    """The reply's author finds the failure in their notifications (the agent UI's bell), with the reason."""
    message = (
        apps.get_model("conversations", "Message")
        .objects.filter(pk=delivery.message_id, author_agent__isnull=False)
        .values("workspace_id", "author_agent_id", "conversation_id")
        .first()
    )
    if message is None:
        return
    apps.get_model("conversations", "Notification").objects.create(
        workspace_id=message["workspace_id"],
        agent_id=message["author_agent_id"],
        kind="delivery_failed",
        conversation_id=message["conversation_id"],
        message_id=delivery.message_id,
        data={"error": delivery.last_error[:300]},
    )


def _record_sent(delivery: OutboundDelivery, external_ids: list[str]) -> None:
    """The platform accepted: store that, and nothing else, in its own commit. A short retry rides out a
    locked SQLite file or a reconnecting PostgreSQL; if it still fails, the delivery stays in "sending"
    and the capped sweeper path takes over (the adapters' resend checks find the post, 0301)."""
    delivery.status = OutboundDelivery.Status.SENT
    delivery.external_ids = external_ids
    delivery.sent_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.last_error = ""
    for attempt in range(3):
        try:
            with transaction.atomic():
                OutboundDelivery.objects.filter(pk=delivery.pk).update(
                    status=delivery.status,
                    external_ids=external_ids,
                    sent_at=delivery.sent_at,
                    next_attempt_at=None,
                    last_error="",
                )
            return
        except DatabaseError:
            if attempt == 2:
                raise
            logger.warning("channel.send.record_retry", extra={"delivery": delivery.pk}, exc_info=True)
            time.sleep(0.2 * (attempt + 1))


def _after_sent(delivery: OutboundDelivery, attempt: DeliveryAttempt) -> None:
    """Book-keeping after a recorded send: the attempt row, and the first platform id becomes the
    message's, so the customer's answer threads under it. A failure here is logged; the delivery stays
    sent and is never sent again."""
    external_ids = delivery.external_ids
    try:
        with transaction.atomic():
            attempt.save()
            if delivery.message_id and external_ids:
                apps.get_model("conversations", "Message").objects.filter(pk=delivery.message_id).update(
                    external_id=external_ids[0]
                )
    except DatabaseError:
        logger.exception(
            "channel.send.bookkeeping_failed", extra={"delivery": delivery.pk, "external_ids": external_ids}
        )


def sweep_deliveries() -> int:
    """Enqueue deliveries whose retry time has come and free ones a dead worker left in "sending". A
    delivery that used up its attempts that way is failed with the reason, never handed out again."""
    now = timezone.now()
    stuck = OutboundDelivery.objects.filter(
        status=OutboundDelivery.Status.SENDING,
        next_attempt_at__lte=now - dt.timedelta(seconds=STUCK_AFTER_SECONDS),
    )
    for delivery_id, attempts in stuck.filter(attempts__gte=MAX_SEND_ATTEMPTS).values_list("id", "attempts"):
        reason = STUCK_REASON.format(attempts=attempts)
        with transaction.atomic():
            if OutboundDelivery.objects.filter(pk=delivery_id, status=OutboundDelivery.Status.SENDING).update(
                status=OutboundDelivery.Status.FAILED, next_attempt_at=None, last_error=reason
            ):
                DeliveryAttempt.objects.create(
                    delivery_id=delivery_id, started_at=now, finished_at=now, outcome="failed", error=reason
                )
        logger.error("channel.send.gave_up", extra={"delivery": delivery_id, "attempts": attempts})
    stuck.filter(attempts__lt=MAX_SEND_ATTEMPTS).update(status=OutboundDelivery.Status.PENDING)
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
