"""Reading a mailbox without gaps or duplicates, also after days of downtime and crashes half-way.

The cursor (``ChannelAccount.cursor``) is ``{"uidvalidity": V, "last_uid": U}``: every mail with a UID up
to U in the folder generation V is stored. A poll fetches the UIDs above U in ascending batches; each batch
is stored (`accept_events`, idempotent on the mail's Message-ID) and the cursor moved to the batch's last
UID in the same transaction. A crash loses at most the batch in flight, which the next poll fetches
again. When the server reports a new UIDVALIDITY, old UIDs mean nothing: everything is fetched again and
the events' unique (channel account, external id) drops what was stored before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from imapclient.exceptions import IMAPClientError

from resonanz.channels.actions import do_mark_channel_health
from resonanz.channels.base import RawEvent
from resonanz.channels.email.client import Mailbox, MailboxError, imap_settings, open_mailbox
from resonanz.channels.email.payloads import EVENT_TYPE, event_payload, external_id_for
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount

logger = logging.getLogger("resonanz.channels.email")

BATCH_SIZE = 100
# Memory per poll is bounded by bytes, not by count (decision 0526): RFC822.SIZE is read first, a batch holds
# at most MAX_BATCH_BYTES of mail (or one mail), and a mail above MAX_MAIL_BYTES is stored truncated: its
# header and the first TRUNCATED_KEEP_BYTES of its body, with a note. Accounts may lower both in config.
MAX_BATCH_BYTES = 32 * 1024 * 1024
MAX_MAIL_BYTES = 25 * 1024 * 1024  # below payloads.MAX_RAW_BYTES, the parser's own limit
TRUNCATED_KEEP_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 256 * 1024
SIZES_CHUNK = 1000  # UIDs per RFC822.SIZE request


@dataclass(frozen=True)
class PollResult:
    fetched: int = 0
    accepted: int = 0
    duplicates: int = 0
    skipped: int = 0
    last_uid: int = 0


def read_cursor(account: ChannelAccount, uidvalidity: int) -> int:
    """The last stored UID, or 0 when the folder generation changed (or we never polled)."""
    cursor = account.cursor if isinstance(account.cursor, dict) else {}
    if cursor.get("uidvalidity") != uidvalidity:
        if cursor.get("uidvalidity") is not None:
            logger.warning(
                "email.poll.uidvalidity_changed",
                extra={"channel_account": account.pk, "old": cursor.get("uidvalidity"), "new": uidvalidity},
            )
        return 0
    try:
        return max(0, int(cursor.get("last_uid", 0)))
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class Batch:
    uids: list[int]
    truncated: bool = False  # one mail above the size limit: only its head is fetched
    size: int = 0


def plan_batches(
    uids: Sequence[int], sizes: dict[int, int], *, batch_size: int, max_batch_bytes: int, max_mail_bytes: int
) -> list[Batch]:
    """Ascending batches of at most ``batch_size`` mails and ``max_batch_bytes`` bytes (a single mail may be
    alone above it); a mail above ``max_mail_bytes`` is a batch of its own, fetched truncated."""
    batches: list[Batch] = []
    current: list[int] = []
    current_bytes = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if size > max_mail_bytes:
            if current:
                batches.append(Batch(current, size=current_bytes))
                current, current_bytes = [], 0
            batches.append(Batch([uid], truncated=True, size=size))
            continue
        if current and (len(current) >= batch_size or current_bytes + size > max_batch_bytes):
            batches.append(Batch(current, size=current_bytes))
            current, current_bytes = [], 0
        current.append(uid)
        current_bytes += size
    if current:
        batches.append(Batch(current, size=current_bytes))
    return batches


def _fetch(mailbox: Mailbox, batch: Batch, keep_bytes: int) -> dict[int, bytes]:
    if not batch.truncated:
        return mailbox.fetch(batch.uids)
    head = mailbox.fetch_head(batch.uids[0], header_bytes=MAX_HEADER_BYTES, body_bytes=keep_bytes)
    return {} if head is None else {batch.uids[0]: head}


def _events(
    mailbox: Mailbox, uids: Sequence[int], raw_by_uid: dict[int, bytes], truncated_size: int = 0
) -> tuple[list[RawEvent], int]:
    now = timezone.now()
    events: list[RawEvent] = []
    skipped = 0
    for uid in uids:
        raw = raw_by_uid.get(uid)
        if raw is None:  # expunged between SEARCH and FETCH: nothing to store
            continue
        try:
            payload = event_payload(
                raw, uid=uid, uidvalidity=mailbox.uidvalidity, folder=mailbox.folder, fetched_at=now
            )
            if truncated_size:
                payload["truncated"] = {"size": truncated_size, "kept": len(raw)}
            events.append(RawEvent(external_id=external_id_for(raw), payload=payload, event_type=EVENT_TYPE))
        except Exception:
            skipped += 1
            logger.exception("email.poll.bad_mail", extra={"uid": uid, "uidvalidity": mailbox.uidvalidity})
    return events, skipped


def commit_batch(
    account: ChannelAccount, events: Sequence[RawEvent], uidvalidity: int, last_uid: int
) -> tuple[int, int]:
    """Store one batch and move the cursor past it, all or nothing. The cursor never moves backwards (two
    polls of the same mailbox may overlap)."""
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        accepted = accept_events(account, events)
        current = locked.cursor if isinstance(locked.cursor, dict) else {}
        if current.get("uidvalidity") != uidvalidity or int(current.get("last_uid", 0) or 0) < last_uid:
            cursor = {**current, "uidvalidity": uidvalidity, "last_uid": last_uid}
            ChannelAccount.objects.filter(pk=account.pk).update(cursor=cursor)
            account.cursor = cursor
    return accepted.accepted, accepted.duplicates


def poll_mailbox(
    account: ChannelAccount, *, batch_size: int = BATCH_SIZE, renew: Callable[[], object] | None = None
) -> PollResult:
    """Fetch every mail above the cursor; raises MailboxError (after marking the account unhealthy).
    ``renew`` is called after every stored batch (the poll task renews its poll lease)."""
    fetched = accepted = duplicates = skipped = 0
    last_uid = 0
    try:
        try:
            settings = imap_settings(account)
        except (TypeError, ValueError) as error:
            raise MailboxError(f"invalid IMAP settings: {error}") from error
        config = account.config if isinstance(account.config, dict) else {}
        max_batch_bytes = int(config.get("max_batch_bytes") or MAX_BATCH_BYTES)
        max_mail_bytes = min(int(config.get("max_mail_bytes") or MAX_MAIL_BYTES), MAX_MAIL_BYTES)
        keep_bytes = min(TRUNCATED_KEEP_BYTES, max_mail_bytes)
        with open_mailbox(settings) as mailbox:
            last_uid = read_cursor(account, mailbox.uidvalidity)
            uids = mailbox.uids_after(last_uid)
            for chunk_start in range(0, len(uids), SIZES_CHUNK):
                chunk = uids[chunk_start : chunk_start + SIZES_CHUNK]
                batches = plan_batches(
                    chunk,
                    mailbox.sizes(chunk),
                    batch_size=batch_size,
                    max_batch_bytes=max_batch_bytes,
                    max_mail_bytes=max_mail_bytes,
                )
                for batch in batches:
                    raw_by_uid = _fetch(mailbox, batch, keep_bytes)
                    if batch.truncated and raw_by_uid:
                        logger.warning(
                            "email.poll.truncated",
                            extra={"channel_account": account.pk, "uid": batch.uids[0], "size": batch.size},
                        )
                    events, bad = _events(
                        mailbox, batch.uids, raw_by_uid, truncated_size=batch.size if batch.truncated else 0
                    )
                    new, dup = commit_batch(account, events, mailbox.uidvalidity, batch.uids[-1])
                    fetched += len(raw_by_uid)
                    accepted += new
                    duplicates += dup
                    skipped += bad
                    last_uid = batch.uids[-1]
                    if renew is not None:
                        renew()
    except MailboxError as error:
        do_mark_channel_health(account, healthy=False, detail=str(error))
        logger.warning("email.poll.failed", extra={"channel_account": account.pk, "error": str(error)})
        raise
    except (
        OSError,
        IMAPClientError,
    ) as error:  # the connection broke half-way: the cursor holds what is stored
        detail = f"IMAP connection lost: {type(error).__name__}: {error}"
        do_mark_channel_health(account, healthy=False, detail=detail)
        logger.warning("email.poll.failed", extra={"channel_account": account.pk, "error": detail})
        raise MailboxError(detail) from error
    if account.status == ChannelAccount.Status.UNHEALTHY:
        do_mark_channel_health(account, healthy=True)
    if fetched:
        logger.info(
            "email.poll.done",
            extra={
                "channel_account": account.pk,
                "fetched": fetched,
                "accepted": accepted,
                "last_uid": last_uid,
            },
        )
    return PollResult(
        fetched=fetched, accepted=accepted, duplicates=duplicates, skipped=skipped, last_uid=last_uid
    )
