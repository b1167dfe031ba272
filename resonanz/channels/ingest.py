"""Store first, then work. `accept_events` commits raw events (idempotent on channel account + external id)
and enqueues them; `process_events` turns pending events into threaded messages, each event exactly once:
the event's status flips to processed in the same transaction that stores its messages."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from resonanz.channels.base import IgnoredEvent, MalformedPayload, NormalizedMessage, RawEvent
from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.channels.registry import get_adapter
from resonanz.core.queue import enqueue

logger = logging.getLogger("resonanz.channels.ingest")

PROCESS_TASK = "channels.process_events"
# Events per processing task: one transaction each; large enough to amortize, small enough to stay short.
PROCESS_BATCH = 100
MAX_ATTEMPTS = 5
AFTER_INGEST_TASK = "channels.after_ingest"
AFTER_INGEST_BATCH = 20


@dataclass(frozen=True)
class Accepted:
    accepted: int
    duplicates: int
    event_ids: list[int]


def without_nul(value: Any) -> Any:
    """The payload without NUL characters: PostgreSQL's jsonb and text cannot hold them (decision 0003)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def accept_events(account: ChannelAccount, events: Sequence[RawEvent]) -> Accepted:
    """Commit raw events, skip the ones already stored, hand the new ones to the queue.

    One statement stores the batch and names the new rows: INSERT … ON CONFLICT DO NOTHING RETURNING id
    (PostgreSQL, and SQLite ≥ 3.35). A delivery that raced a parallel one is counted by whichever request
    inserted it, so each event is accepted — and enqueued — once."""
    if not events:
        return Accepted(0, 0, [])
    by_id: dict[str, RawEvent] = {}
    for event in events:
        by_id.setdefault(event.external_id, event)  # the same id twice in one batch is one event
    now = timezone.now()
    with transaction.atomic():
        ids = _insert_new_events(account, list(by_id.values()), now)
        for start in range(0, len(ids), PROCESS_BATCH):
            enqueue(PROCESS_TASK, ids[start : start + PROCESS_BATCH])
    duplicates = len(events) - len(ids)
    if duplicates:
        logger.info("channel.ingest.duplicate", extra={"channel_account": account.pk, "count": duplicates})
    return Accepted(accepted=len(ids), duplicates=duplicates, event_ids=ids)


def _payload_json(payload: Any) -> str:
    """The payload as JSON text, without NUL characters: PostgreSQL's jsonb and text cannot hold them
    (decision 0003). The rare payload that has one is cleaned; the common one is dumped once."""
    text = json.dumps(payload)
    if "\\u0000" in text:
        text = json.dumps(without_nul(payload))
    return text


def _insert_new_events(account: ChannelAccount, events: list[RawEvent], now: dt.datetime) -> list[int]:
    """Insert the events that are not stored yet; the ids of the inserted rows, in insert order.

    Raw SQL because the ORM's bulk_create(ignore_conflicts=True) returns no ids: it would take two more
    queries (which exist already, which are new), each with the batch's ids as a parameter list."""
    if not events:
        return []
    quote = connection.ops.quote_name
    opts = InboundEvent._meta
    received = opts.get_field("received_at").get_db_prep_save(now, connection)
    payload_sql = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    columns = ("channel_account_id", "external_id", "event_type", "payload", "status", "attempts", "error")
    row_sql = f"(%s, %s, %s, {payload_sql}, %s, 0, '', %s)"
    params: list[Any] = []
    for event in events:
        params += [
            account.pk,
            event.external_id,
            event.event_type[:60],
            _payload_json(event.payload),
            InboundEvent.Status.PENDING.value,
            received,
        ]
    target = ", ".join(quote(column) for column in ("channel_account_id", "external_id"))
    sql = (
        f"INSERT INTO {quote(opts.db_table)} "  # noqa: S608 (names from model meta, values as parameters)
        f"({', '.join(quote(c) for c in columns)}, {quote('received_at')}) "
        f"VALUES {', '.join([row_sql] * len(events))} "
        f"ON CONFLICT ({target}) DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def process_events(event_ids: Sequence[int]) -> list[int]:
    """Normalize and thread pending events; returns the ids of new messages. Safe to run twice or in
    parallel: events already processed or locked by another worker are skipped.

    Fast path: parse every event, then store all their messages set-based in one savepoint. If that
    fails (a race on a unique key, a bad row), the batch is redone one event at a time, each in its own
    savepoint, so one bad event never takes the others down."""
    new_message_ids: list[int] = []
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        events = list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(id__in=list(event_ids), status=InboundEvent.Status.PENDING)
            .order_by("id")
        )
        if len(event_ids) >= PROCESS_BATCH:
            events += _take_along(events)
        # The channel accounts (and their workspaces) once per batch, not joined onto every event row.
        accounts = ChannelAccount.objects.select_related("workspace").in_bulk(
            {event.channel_account_id for event in events}
        )
        for event in events:
            event.channel_account = accounts[event.channel_account_id]
        parsed: list[tuple[InboundEvent, list[NormalizedMessage]]] = []
        for event in events:
            event.attempts += 1
            normalized = _parse(event)
            if normalized is not None:
                parsed.append((event, normalized))
        try:
            with transaction.atomic():
                new_message_ids.extend(_store_batch(parsed))
        except Exception:
            logger.warning("channel.ingest.batch_fallback", extra={"events": len(parsed)}, exc_info=True)
            new_message_ids.clear()
            for event, normalized in parsed:
                new_message_ids.extend(_store_one(event, normalized))
        _save_outcomes(events)
        if new_message_ids and settings.AFTER_INGEST_STEPS:
            # Small follow-up tasks: in embedded mode the worker thread takes the next ingest batch (higher
            # priority) after at most one of them, so annotating and routing never hold up storing for long.
            for start in range(0, len(new_message_ids), AFTER_INGEST_BATCH):
                enqueue(AFTER_INGEST_TASK, new_message_ids[start : start + AFTER_INGEST_BATCH])
    if events:
        logger.debug(
            "channel.ingest.processed", extra={"events": len(events), "messages": len(new_message_ids)}
        )
    return new_message_ids


def _take_along(events: list[InboundEvent]) -> list[InboundEvent]:
    """A full batch means a backlog: take up to settings.INGEST_TAKE_ALONG more pending events that no other
    worker holds (decision 0010). A bigger transaction stores them for less per event; their own tasks find
    them processed (or locked) and do nothing."""
    if settings.INGEST_TAKE_ALONG <= 0:
        return []
    return list(
        InboundEvent.objects.select_for_update(skip_locked=True)
        .filter(status=InboundEvent.Status.PENDING)
        .exclude(id__in=[event.pk for event in events])
        .order_by("received_at", "id")[: settings.INGEST_TAKE_ALONG]
    )


def _commit_without_waiting_for_disk() -> None:
    """PostgreSQL: this transaction's commit does not wait for its WAL to reach the disk (decision 0007).

    Safe here and only here: the raw events were committed durably when they were accepted, and this
    transaction flips their status together with the messages it stores. A database crash can lose the
    last few hundred milliseconds of such commits as a whole — events, messages and all — and the sweeper
    processes those events again. The commit no longer holds row locks through an fsync, so the other
    workers wait less."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _save_outcomes(events: list[InboundEvent]) -> None:
    """One UPDATE for all events that share an outcome (the common case: all processed)."""
    now = timezone.now()
    groups: dict[tuple[str, str], list[int]] = {}
    for event in events:
        groups.setdefault((event.status, event.error), []).append(event.pk)
    for (status, error), ids in groups.items():
        InboundEvent.objects.filter(pk__in=ids).update(
            status=status, error=error, attempts=F("attempts") + 1, processed_at=now
        )


def _parse(event: InboundEvent) -> list[NormalizedMessage] | None:
    """The event's messages, or None after recording why it has none."""
    account = event.channel_account
    try:
        return get_adapter(account.kind).parse_inbound(
            account, RawEvent(event.external_id, event.payload, event.event_type)
        )
    except MalformedPayload as error:
        event.status = InboundEvent.Status.FAILED
        event.error = f"malformed: {error}"
        logger.warning("channel.ingest.malformed", extra={"event": event.pk, "error": str(error)})
    except IgnoredEvent as error:
        event.status = InboundEvent.Status.IGNORED
        event.error = str(error)
        logger.info("channel.ingest.ignored", extra={"event": event.pk, "reason": str(error)})
    except Exception as error:
        _record_error(event, error)
    return None


def _record_error(event: InboundEvent, error: Exception) -> None:
    logger.exception("channel.ingest.error", extra={"event": event.pk})
    event.error = f"{type(error).__name__}: {error}"[:2000]
    if event.attempts >= MAX_ATTEMPTS:
        event.status = InboundEvent.Status.FAILED


def _store_batch(parsed: list[tuple[InboundEvent, list[NormalizedMessage]]]) -> list[int]:
    from resonanz.conversations.inbound import store_inbound_batch

    by_account: dict[int, tuple[ChannelAccount, list[NormalizedMessage]]] = {}
    for event, normalized in parsed:
        by_account.setdefault(event.channel_account_id, (event.channel_account, []))[1].extend(normalized)
    ids: list[int] = []
    for account, items in by_account.values():
        ids.extend(stored.message.pk for stored in store_inbound_batch(account, items) if stored is not None)
    for event, _ in parsed:
        event.status = InboundEvent.Status.PROCESSED
        event.error = ""
    return ids


def _store_one(event: InboundEvent, normalized: list[NormalizedMessage]) -> list[int]:
    from resonanz.conversations.actions import do_store_inbound_message

    ids = []
    try:
        with transaction.atomic():
            for item in normalized:
                stored = do_store_inbound_message(event.channel_account, item)
                if stored is not None:
                    ids.append(stored.message.pk)
    except Exception as error:
        _record_error(event, error)
        return []
    event.status = InboundEvent.Status.PROCESSED
    event.error = ""
    return ids


def _requeue_overdue(
    queryset: QuerySet[Any], order: str, task: str, batch: int, older_than_seconds: float | None
) -> list[int]:
    """Ids of `queryset` rows received before the timeout (at most 10,000), handed to `task` in batches."""
    age = settings.SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - dt.timedelta(seconds=age)
    ids = list(queryset.filter(received_at__lte=cutoff).order_by(order).values_list("id", flat=True)[:10_000])
    for start in range(0, len(ids), batch):
        enqueue(task, ids[start : start + batch])
    return ids


def sweep_pending(older_than_seconds: float | None = None) -> int:
    """Hand events still pending after a timeout to the queue again (a worker died, the broker lost it)."""
    pending = InboundEvent.objects.filter(status=InboundEvent.Status.PENDING)
    ids = _requeue_overdue(pending, "id", PROCESS_TASK, PROCESS_BATCH, older_than_seconds)
    if ids:
        logger.info("channel.ingest.swept", extra={"events": len(ids)})
    return len(ids)


def sweep_after_ingest(older_than_seconds: float | None = None) -> int:
    """Hand messages whose after-ingest steps are still due after a timeout to the queue again: a process
    died between storing them and running the steps, or the broker lost the task."""
    from resonanz.conversations.models import Message

    due = Message.objects.filter(after_ingest_pending=True)
    ids = _requeue_overdue(due, "received_at", AFTER_INGEST_TASK, AFTER_INGEST_BATCH, older_than_seconds)
    if ids:
        logger.info("channel.ingest.after_ingest_swept", extra={"messages": len(ids)})
    return len(ids)


def run_after_ingest_steps(message_ids: Sequence[int]) -> None:
    """Run settings.AFTER_INGEST_STEPS in order; one failing step is logged and does not stop the next.
    Then the messages' steps are done: `after_ingest_pending` is cleared (a step that failed is not
    retried forever; its error is in the log)."""
    for path in settings.AFTER_INGEST_STEPS:
        try:
            import_string(path)(list(message_ids))
        except Exception:
            logger.exception("channel.ingest.step_failed", extra={"step": path, "messages": len(message_ids)})
    from resonanz.conversations.models import Message

    Message.objects.filter(id__in=list(message_ids), after_ingest_pending=True).update(
        after_ingest_pending=False
    )
