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
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from resonanz.channels.access import check_channel_enabled
from resonanz.channels.base import IgnoredEvent, MalformedPayload, NormalizedMessage, RawEvent
from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.channels.registry import get_adapter
from resonanz.core.queue import enqueue

logger = logging.getLogger("resonanz.channels.ingest")

PROCESS_TASK = "channels.process_events"
# Events per processing task: one transaction each; large enough to amortize, small enough to stay short.
PROCESS_BATCH = 100
AFTER_INGEST_TASK = "channels.after_ingest"
AFTER_INGEST_BACKGROUND_TASK = "channels.after_ingest_background"


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
    check_channel_enabled(account)  # every way in (webhook, poller, app, dev panel) is refused (0520)
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
    columns = (
        "channel_account_id",
        "external_id",
        "event_type",
        "payload",
        "status",
        "attempts",
        "crashes",
        "error",
    )
    row_sql = f"(%s, %s, %s, {payload_sql}, %s, 0, 0, '', %s)"
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
    parallel: events already processed or held by another worker are skipped.

    First the events are claimed in a commit of their own (decision 0521): each claim is counted before
    any payload is parsed, so an event that kills its worker (OOM, a hard time limit, SIGKILL) cannot roll
    its count back. Events whose worker died before are processed one at a time, so the one that kills
    workers takes only itself down; after settings.INGEST_MAX_CRASHES deaths it is failed with the reason.

    Fast path: parse every event, then store all their messages set-based in one savepoint. If that
    fails (a race on a unique key, a bad row), the batch is redone one event at a time, each in its own
    savepoint, so one bad event never takes the others down."""
    together, alone = _claim(list(event_ids), take_along=len(event_ids) >= PROCESS_BATCH)
    new_message_ids = _process_claimed(together) if together else []
    for event_id in alone:
        claimed, _ = _claim([event_id], take_along=False, one_at_a_time=True)
        if claimed:
            new_message_ids += _process_claimed(claimed)
    return new_message_ids


def _claimable(now: dt.datetime) -> QuerySet[InboundEvent]:
    """Pending events no live worker holds and no backoff holds back, locked (skip locked)."""
    lease_cutoff = now - dt.timedelta(seconds=settings.INGEST_CLAIM_LEASE_SECONDS)
    return (
        InboundEvent.objects.select_for_update(skip_locked=True)
        .filter(status=InboundEvent.Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=lease_cutoff))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def _claim(
    event_ids: list[int], *, take_along: bool, one_at_a_time: bool = False
) -> tuple[list[int], list[int]]:
    """Claim the events in one commit: (ids claimed now, ids to process one at a time afterwards).

    A claim still open from an earlier run means that worker died holding the event: it counts as a crash.
    An event that crashed before is only claimed alone (``one_at_a_time``); one that crashed
    INGEST_MAX_CRASHES times, or used up INGEST_MAX_ATTEMPTS, is failed here without being parsed."""
    now = timezone.now()
    with transaction.atomic():
        claimable = _claimable(now)
        events = list(
            claimable.filter(id__in=event_ids)
            .order_by("id")
            .only("id", "attempts", "crashes", "claimed_at", "error")
        )
        if take_along:
            events += _take_along(claimable, events)
        crashed: list[int] = []
        failed: dict[str, list[int]] = {}
        later: list[int] = []
        claimed: list[int] = []
        for event in events:
            if event.claimed_at is not None:
                crashed.append(event.pk)
                event.crashes += 1
            if event.crashes >= settings.INGEST_MAX_CRASHES:
                reason = f"crashed: the worker died {event.crashes} times while processing this event"
                if event.claimed_at is not None:
                    reason += f" (last claimed at {event.claimed_at.isoformat()})"
                failed.setdefault(reason, []).append(event.pk)
            elif event.attempts >= settings.INGEST_MAX_ATTEMPTS:
                reason = f"gave up after {event.attempts} attempts: {event.error}"[:2000]
                failed.setdefault(reason, []).append(event.pk)
            elif event.crashes and not one_at_a_time:
                later.append(event.pk)
            else:
                claimed.append(event.pk)
        if crashed:
            InboundEvent.objects.filter(pk__in=crashed).update(crashes=F("crashes") + 1, claimed_at=None)
        for reason, ids in failed.items():
            InboundEvent.objects.filter(pk__in=ids).update(
                status=InboundEvent.Status.FAILED, error=reason, claimed_at=None, processed_at=now
            )
            logger.error("channel.ingest.gave_up", extra={"events": ids, "reason": reason})
        if claimed:
            InboundEvent.objects.filter(pk__in=claimed).update(attempts=F("attempts") + 1, claimed_at=now)
    return claimed, later


def _process_claimed(event_ids: list[int]) -> list[int]:
    """Parse and store events this worker claimed, and record each one's outcome, in one transaction. If
    the transaction itself fails (the database went away), the claims are released for a later retry."""
    new_message_ids: list[int] = []
    try:
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            # The claim made these events ours: wait for a row lock rather than skip it. Another worker's
            # claim query may hold a row lock for a moment on PostgreSQL (FOR UPDATE locks a row it then
            # finds claimed and does not return); skipping such rows left them claimed and unprocessed.
            events = list(
                InboundEvent.objects.select_for_update()
                .filter(id__in=event_ids, status=InboundEvent.Status.PENDING, claimed_at__isnull=False)
                .order_by("id")
            )
            # The channel accounts (and their workspaces) once per batch, not joined onto every event row.
            accounts = ChannelAccount.objects.select_related("workspace").in_bulk(
                {event.channel_account_id for event in events}
            )
            for event in events:
                event.channel_account = accounts[event.channel_account_id]
            parsed: list[tuple[InboundEvent, list[NormalizedMessage]]] = []
            for event in events:
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
                # Follow-up tasks of settings.AFTER_INGEST_BATCH messages (decision 0833): in embedded mode
                # the worker thread takes the next ingest batch (higher priority) after at most one of
                # them; bigger tasks cost less per message (annotating, routing and incident detection
                # each read and write per task).
                size = settings.AFTER_INGEST_BATCH
                for start in range(0, len(new_message_ids), size):
                    enqueue(AFTER_INGEST_TASK, new_message_ids[start : start + size])
    except Exception as error:
        logger.exception("channel.ingest.batch_failed", extra={"events": len(event_ids)})
        _release_claims(event_ids, f"{type(error).__name__}: {error}")
        return []
    if events:
        logger.debug(
            "channel.ingest.processed", extra={"events": len(events), "messages": len(new_message_ids)}
        )
    return new_message_ids


def _release_claims(event_ids: list[int], error: str) -> None:
    """The processing transaction failed as a whole: hand the events back, due again after the first
    backoff step. (If this fails too, the claims expire and count as a crash.)"""
    try:
        InboundEvent.objects.filter(
            id__in=event_ids, status=InboundEvent.Status.PENDING, claimed_at__isnull=False
        ).update(
            claimed_at=None,
            error=error[:2000],
            next_attempt_at=timezone.now() + dt.timedelta(seconds=retry_backoff_seconds(1)),
        )
    except Exception:
        logger.exception("channel.ingest.release_failed", extra={"events": len(event_ids)})


def retry_backoff_seconds(attempt: int) -> float:
    """Wait before attempt ``attempt + 1``: 30 s, 1 min, 2 min … doubling, at most one hour (0522)."""
    return float(min(30 * 2 ** max(0, attempt - 1), 3600))


def _take_along(claimable: QuerySet[InboundEvent], events: list[InboundEvent]) -> list[InboundEvent]:
    """A full batch means a backlog: take up to settings.INGEST_TAKE_ALONG more pending events that no other
    worker holds (decision 0010). A bigger transaction stores them for less per event; their own tasks find
    them processed (or held) and do nothing. Events that crashed a worker are never taken along."""
    if settings.INGEST_TAKE_ALONG <= 0:
        return []
    return list(
        claimable.filter(crashes=0, claimed_at__isnull=True)
        .exclude(id__in=[event.pk for event in events])
        .order_by("received_at", "id")
        .only("id", "attempts", "crashes", "claimed_at", "error")[: settings.INGEST_TAKE_ALONG]
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
    """One UPDATE for all events that share an outcome (the common case: all processed). Every outcome
    ends the claim; an event that stays pending waits for its backoff."""
    now = timezone.now()
    groups: dict[tuple[str, str, dt.datetime | None], list[int]] = {}
    for event in events:
        retry_at = event.next_attempt_at if event.status == InboundEvent.Status.PENDING else None
        groups.setdefault((event.status, event.error, retry_at), []).append(event.pk)
    for (status, error, next_attempt_at), ids in groups.items():
        InboundEvent.objects.filter(pk__in=ids).update(
            status=status,
            error=error,
            claimed_at=None,
            next_attempt_at=next_attempt_at,
            processed_at=now,
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
    """An error that may pass (a full disk, a database restart, a bug fixed tomorrow): the event stays
    pending and is retried with exponential backoff; after INGEST_MAX_ATTEMPTS it is failed (0522)."""
    logger.exception("channel.ingest.error", extra={"event": event.pk, "attempt": event.attempts})
    event.error = f"{type(error).__name__}: {error}"[:2000]
    if event.attempts >= settings.INGEST_MAX_ATTEMPTS:
        event.status = InboundEvent.Status.FAILED
        event.next_attempt_at = None
    else:
        event.next_attempt_at = timezone.now() + dt.timedelta(seconds=retry_backoff_seconds(event.attempts))


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


def sweep_pending(older_than_seconds: float | None = None) -> int:
    """Hand events still pending after a timeout to the queue again (a worker died, the broker lost it).

    Only what no live worker holds and no backoff holds back: a claim older than the lease is a dead
    worker's, and turns into a crash (decision 0521); an event waiting for its retry time stays put."""
    now = timezone.now()
    release_dead_claims(now - dt.timedelta(seconds=settings.INGEST_CLAIM_LEASE_SECONDS))
    age = settings.SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    due = (
        InboundEvent.objects.filter(
            status=InboundEvent.Status.PENDING,
            claimed_at__isnull=True,
            received_at__lte=now - dt.timedelta(seconds=age),
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
    )
    ids = list(due.values_list("id", flat=True)[:10_000])
    for start in range(0, len(ids), PROCESS_BATCH):
        enqueue(PROCESS_TASK, ids[start : start + PROCESS_BATCH])
    if ids:
        logger.info("channel.ingest.swept", extra={"events": len(ids)})
    return len(ids)


def release_dead_claims(claimed_before: dt.datetime) -> int:
    """Claims taken before ``claimed_before`` and never ended belong to dead workers: count a crash and free
    the events. The sweeper passes the lease's cutoff; `resonanz run` at start its own start time (in
    embedded mode no worker outlives the server)."""
    released = InboundEvent.objects.filter(
        status=InboundEvent.Status.PENDING, claimed_at__lt=claimed_before
    ).update(crashes=F("crashes") + 1, claimed_at=None)
    if released:
        logger.warning("channel.ingest.dead_claims", extra={"events": released})
    return released


def _lease_taken_before(moment: dt.datetime) -> Q:
    """Messages whose after-ingest lease was taken before `moment`: claimed then, or never claimed and
    stored then (the task enqueued at storing holds the lease from `received_at`)."""
    return Q(after_ingest_claimed_at__isnull=True, received_at__lte=moment) | Q(
        after_ingest_claimed_at__lte=moment
    )


def sweep_after_ingest(older_than_seconds: float | None = None) -> int:
    """Hand messages whose after-ingest steps are still due to the queue again: a process died between
    storing them and running the steps, or the broker lost the task.

    Only what no live task holds (decision 0524): a message's task holds it for
    settings.AFTER_INGEST_LEASE_SECONDS from when it was stored, handed out again, or started. Under a
    backlog a queued task is not doubled every sweep."""
    from resonanz.conversations.models import Message

    now = timezone.now()
    lease = settings.AFTER_INGEST_LEASE_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = now - dt.timedelta(seconds=lease)
    due = Message.objects.filter(after_ingest_pending=True).filter(_lease_taken_before(cutoff))
    ids = list(due.order_by("received_at", "id").values_list("id", flat=True)[:10_000])
    if ids:
        Message.objects.filter(id__in=ids).update(after_ingest_claimed_at=now)
    for start in range(0, len(ids), settings.AFTER_INGEST_BATCH):
        enqueue(AFTER_INGEST_TASK, ids[start : start + settings.AFTER_INGEST_BATCH])
    if ids:
        logger.info("channel.ingest.after_ingest_swept", extra={"messages": len(ids)})
    return len(ids)


def _split_steps() -> tuple[list[str], list[str]]:
    """settings.AFTER_INGEST_STEPS in order: the ones a message is ready after (run by the after-ingest
    task), then the ones listed in settings.AFTER_INGEST_BACKGROUND_STEPS (run by its follow-up task)."""
    background = set(settings.AFTER_INGEST_BACKGROUND_STEPS)
    steps = list(settings.AFTER_INGEST_STEPS)
    return [s for s in steps if s not in background], [s for s in steps if s in background]


def _run_steps(paths: Sequence[str], ids: list[int]) -> None:
    for path in paths:
        try:
            import_string(path)(ids)
        except Exception:
            logger.exception("channel.ingest.step_failed", extra={"step": path, "messages": len(ids)})


def _due(message_ids: Sequence[int]) -> list[int]:
    """The messages whose steps are still due, in id order (the steps see them as they came, whatever order
    the database returns rows in), their lease renewed where less than half of it is left (a long run is
    not handed out again; a task that starts soon after storing, the usual case, writes no row: decision
    0884)."""
    from resonanz.conversations.models import Message

    due = Message.objects.filter(id__in=list(message_ids), after_ingest_pending=True).order_by("id")
    ids = list(due.values_list("id", flat=True))
    if ids:
        now = timezone.now()
        half_spent = now - dt.timedelta(seconds=settings.AFTER_INGEST_LEASE_SECONDS / 2)
        Message.objects.filter(id__in=ids).filter(_lease_taken_before(half_spent)).update(
            after_ingest_claimed_at=now
        )
    return ids


def _done(ids: list[int]) -> None:
    from resonanz.conversations.models import Message

    Message.objects.filter(id__in=ids, after_ingest_pending=True).update(after_ingest_pending=False)


def run_after_ingest_steps(message_ids: Sequence[int]) -> None:
    """Run settings.AFTER_INGEST_STEPS in order for the messages whose steps are still due; one failing
    step is logged and does not stop the next. The steps of settings.AFTER_INGEST_BACKGROUND_STEPS (incident
    detection) run in a follow-up task (decision 0879): a message is ready — understood, routed, in the
    inbox — without waiting for them. When the last step has run the messages' steps are done:
    `after_ingest_pending` is cleared (a step that failed is not retried forever; its error is in the log).

    A second task for the same messages (the sweeper's, after the lease) finds them done and does
    nothing; starting renews the lease, so a long run is not handed out again. A follow-up task lost with
    its process leaves the messages pending: the sweeper hands them out again, and the steps already run
    do nothing twice (annotations are upserted, routing keeps its owner, the detector skips what it saw)."""
    ids = _due(message_ids)
    if not ids:
        return
    now, later = _split_steps()
    _run_steps(now, ids)
    if later:
        enqueue(AFTER_INGEST_BACKGROUND_TASK, ids)
    else:
        _done(ids)


def run_background_steps(message_ids: Sequence[int]) -> None:
    """The follow-up of `run_after_ingest_steps`: settings.AFTER_INGEST_BACKGROUND_STEPS, then done."""
    ids = _due(message_ids)
    if not ids:
        return
    _run_steps(_split_steps()[1], ids)
    _done(ids)


@dataclass(frozen=True)
class Retried:
    waiting: int  # pending events whose backoff was cut short
    failed: int  # failed events given a new round of attempts
    event_ids: list[int]


def retry_events(*, include_failed: bool = False, since: dt.datetime | None = None) -> Retried:
    """An operator's retry (`resonanz events retry`): pending events waiting for their backoff are due
    now; with ``include_failed`` failed events are pending again with fresh attempt and crash counts
    (their last error stays until an outcome replaces it). ``since``: only events received since then.
    Events a live worker holds are left alone. All of them are handed to the queue."""
    now = timezone.now()
    scope = (
        InboundEvent.objects.all() if since is None else InboundEvent.objects.filter(received_at__gte=since)
    )
    with transaction.atomic():
        waiting_ids = list(
            scope.filter(status=InboundEvent.Status.PENDING, claimed_at__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__gt=now))
            .order_by("id")
            .values_list("id", flat=True)
        )
        InboundEvent.objects.filter(id__in=waiting_ids).update(next_attempt_at=None)
        failed_ids: list[int] = []
        if include_failed:
            failed_ids = list(
                scope.filter(status=InboundEvent.Status.FAILED).order_by("id").values_list("id", flat=True)
            )
            InboundEvent.objects.filter(id__in=failed_ids).update(
                status=InboundEvent.Status.PENDING,
                attempts=0,
                crashes=0,
                claimed_at=None,
                next_attempt_at=None,
                processed_at=None,
            )
        ids = sorted(waiting_ids + failed_ids)
        for start in range(0, len(ids), PROCESS_BATCH):
            enqueue(PROCESS_TASK, ids[start : start + PROCESS_BATCH])
    logger.info("channel.ingest.retried", extra={"waiting": len(waiting_ids), "failed": len(failed_ids)})
    return Retried(waiting=len(waiting_ids), failed=len(failed_ids), event_ids=ids)
