"""Store first, then work. `accept_events` commits raw events (idempotent on channel account + external id)
and enqueues them; `process_events` turns pending events into threaded messages, each event exactly once:
the event's status flips to processed in the same transaction that stores its messages."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from resonanz.channels.base import IgnoredEvent, MalformedPayload, RawEvent
from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.channels.registry import get_adapter
from resonanz.core.queue import enqueue

logger = logging.getLogger("resonanz.channels.ingest")

PROCESS_TASK = "channels.process_events"
# Events per processing task: one transaction each; large enough to amortize, small enough to stay short.
PROCESS_BATCH = 200
MAX_ATTEMPTS = 5
AFTER_INGEST_TASK = "channels.after_ingest"


@dataclass(frozen=True)
class Accepted:
    accepted: int
    duplicates: int
    event_ids: list[int]


def _storable(value: Any) -> Any:
    """PostgreSQL's jsonb cannot hold U+0000: drop it from every string and key (SQLite would keep it)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def accept_events(account: ChannelAccount, events: Sequence[RawEvent]) -> Accepted:
    """Commit raw events, skip the ones already stored, hand the new ones to the queue."""
    if not events:
        return Accepted(0, 0, [])
    by_id: dict[str, RawEvent] = {}
    for event in events:
        by_id.setdefault(event.external_id, event)  # the same id twice in one batch is one event
    now = timezone.now()
    with transaction.atomic():
        existing = set(
            InboundEvent.objects.filter(channel_account=account, external_id__in=list(by_id)).values_list(
                "external_id", flat=True
            )
        )
        fresh = [e for key, e in by_id.items() if key not in existing]
        InboundEvent.objects.bulk_create(
            [
                InboundEvent(
                    channel_account=account,
                    external_id=e.external_id,
                    event_type=e.event_type[:60],
                    payload=_storable(e.payload),
                    received_at=now,
                )
                for e in fresh
            ],
            ignore_conflicts=True,
        )
        ids = list(
            InboundEvent.objects.filter(
                channel_account=account,
                external_id__in=[e.external_id for e in fresh],
                status=InboundEvent.Status.PENDING,
            ).values_list("id", flat=True)
        )
        for start in range(0, len(ids), PROCESS_BATCH):
            enqueue(PROCESS_TASK, ids[start : start + PROCESS_BATCH])
    duplicates = len(events) - len(ids)
    if duplicates:
        logger.info("channel.ingest.duplicate", extra={"channel_account": account.pk, "count": duplicates})
    return Accepted(accepted=len(ids), duplicates=duplicates, event_ids=ids)


def process_events(event_ids: Sequence[int]) -> list[int]:
    """Normalize and thread pending events; returns the ids of new messages. Safe to run twice or in
    parallel: events already processed or locked by another worker are skipped."""
    from resonanz.conversations.actions import do_store_inbound_message

    new_message_ids: list[int] = []
    with transaction.atomic():
        events = list(
            InboundEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__in=list(event_ids), status=InboundEvent.Status.PENDING)
            .select_related("channel_account__workspace")
            .order_by("id")
        )
        now = timezone.now()
        for event in events:
            account = event.channel_account
            adapter = get_adapter(account.kind)
            event.attempts += 1
            try:
                with transaction.atomic():
                    normalized = adapter.parse_inbound(
                        account, RawEvent(event.external_id, event.payload, event.event_type)
                    )
                    for item in normalized:
                        stored = do_store_inbound_message(account, item)
                        if stored is not None:
                            new_message_ids.append(stored.message.pk)
                event.status = InboundEvent.Status.PROCESSED
                event.error = ""
            except MalformedPayload as error:
                event.status = InboundEvent.Status.FAILED
                event.error = f"malformed: {error}"
                logger.warning("channel.ingest.malformed", extra={"event": event.pk, "error": str(error)})
            except IgnoredEvent as error:
                event.status = InboundEvent.Status.IGNORED
                event.error = str(error)
                logger.info("channel.ingest.ignored", extra={"event": event.pk, "reason": str(error)})
            except Exception as error:
                logger.exception("channel.ingest.error", extra={"event": event.pk})
                event.error = f"{type(error).__name__}: {error}"[:2000]
                if event.attempts >= MAX_ATTEMPTS:
                    event.status = InboundEvent.Status.FAILED
            event.processed_at = now
        InboundEvent.objects.bulk_update(events, ["status", "error", "attempts", "processed_at"])
        if new_message_ids and settings.AFTER_INGEST_STEPS:
            enqueue(AFTER_INGEST_TASK, new_message_ids)
    if events:
        logger.debug(
            "channel.ingest.processed", extra={"events": len(events), "messages": len(new_message_ids)}
        )
    return new_message_ids


def sweep_pending(older_than_seconds: float | None = None) -> int:
    """Hand events still pending after a timeout to the queue again (a worker died, the broker lost it)."""
    age = settings.SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - dt.timedelta(seconds=age)
    ids = list(
        InboundEvent.objects.filter(status=InboundEvent.Status.PENDING, received_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:10_000]
    )
    for start in range(0, len(ids), PROCESS_BATCH):
        enqueue(PROCESS_TASK, ids[start : start + PROCESS_BATCH])
    if ids:
        logger.info("channel.ingest.swept", extra={"events": len(ids)})
    return len(ids)


def run_after_ingest_steps(message_ids: Sequence[int]) -> None:
    """Run settings.AFTER_INGEST_STEPS in order; one failing step is logged and does not stop the next."""
    for path in settings.AFTER_INGEST_STEPS:
        try:
            import_string(path)(list(message_ids))
        except Exception:
            logger.exception("channel.ingest.step_failed", extra={"step": path, "messages": len(message_ids)})
