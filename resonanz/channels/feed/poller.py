"""Polling one feed: conditional GET, keyword rules, each matching entry stored once.

The cursor (``ChannelAccount.cursor``) keeps the validators of the last feed we stored:
``{"etag": …, "last_modified": …}``. It is written in the same transaction as the entries, so a crash
before the commit means the next poll gets the full feed again (and the unique event ids drop repeats)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from resonanz.channels.actions import do_mark_channel_health
from resonanz.channels.base import MalformedPayload, RawEvent
from resonanz.channels.email.html import html_to_text
from resonanz.channels.feed.client import TIMEOUT_SECONDS, FeedFetchError, fetch_feed
from resonanz.channels.feed.payloads import EVENT_TYPE, KeywordRules, entry_external_id, parse_feed
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount

logger = logging.getLogger("resonanz.channels.feed")


@dataclass(frozen=True)
class FeedPollResult:
    not_modified: bool = False
    entries: int = 0
    matched: int = 0
    accepted: int = 0
    duplicates: int = 0
    skipped: int = 0


def _fail(account: ChannelAccount, detail: str) -> None:
    do_mark_channel_health(account, healthy=False, detail=detail)
    logger.warning("feed.poll.failed", extra={"channel_account": account.pk, "error": detail})


def poll_feed(account: ChannelAccount) -> FeedPollResult:
    """Fetch, filter and store one feed; raises FeedFetchError when the feed cannot be read."""
    url = str(account.config.get("url") or "")
    cursor = account.cursor if isinstance(account.cursor, dict) else {}
    try:
        if not url.startswith(("http://", "https://")):
            raise FeedFetchError(f"feed URL must be http(s): {url!r}")
        fetched = fetch_feed(
            url,
            etag=str(cursor.get("etag") or ""),
            last_modified=str(cursor.get("last_modified") or ""),
            timeout_seconds=float(account.config.get("timeout_seconds") or TIMEOUT_SECONDS),
        )
        if fetched.not_modified:
            if account.status == ChannelAccount.Status.UNHEALTHY:
                do_mark_channel_health(account, healthy=True)
            return FeedPollResult(not_modified=True)
        feed = parse_feed(fetched.body)
    except FeedFetchError as error:
        _fail(account, str(error))
        raise
    except MalformedPayload as error:
        _fail(account, f"not a feed: {error}")
        raise FeedFetchError(str(error)) from error
    rules = KeywordRules.from_config(account.config)
    now = timezone.now().isoformat()
    feed_info = {"title": feed.title, "link": feed.link, "url": url}
    events: list[RawEvent] = []
    skipped = 0
    for index, entry in enumerate(feed.entries):
        try:
            external_id = entry_external_id(entry)
            searchable = " ".join(
                [html_to_text(str(entry.get(k) or "")) for k in ("title", "summary", "content")]
            )
            keywords = rules.matches(searchable)
        except Exception as error:  # one bad entry is logged and skipped, the rest are stored
            skipped += 1
            logger.warning(
                "feed.poll.bad_entry",
                extra={"channel_account": account.pk, "index": index, "error": str(error)},
            )
            continue
        if not keywords:
            continue
        events.append(
            RawEvent(
                external_id=external_id,
                payload={"feed": feed_info, "entry": entry, "keywords": keywords, "fetched_at": now},
                event_type=EVENT_TYPE,
            )
        )
    with transaction.atomic():
        accepted = accept_events(account, events)
        new_cursor = {**cursor, "etag": fetched.etag, "last_modified": fetched.last_modified}
        ChannelAccount.objects.filter(pk=account.pk).update(cursor=new_cursor)
        account.cursor = new_cursor
    if account.status == ChannelAccount.Status.UNHEALTHY:
        do_mark_channel_health(account, healthy=True)
    return FeedPollResult(
        entries=len(feed.entries),
        matched=len(events),
        accepted=accepted.accepted,
        duplicates=accepted.duplicates,
        skipped=skipped,
    )
