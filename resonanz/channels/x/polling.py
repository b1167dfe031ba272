"""Mentions by polling: `GET /2/users/:id/mentions` with ``since_id``, paged by ``pagination_token``.

Store first, then move the cursor: every page's posts are stored (idempotent on the post id) before the
new ``since_id`` is written, and the cursor is written in the same transaction as the last page. A poll
that dies half-way leaves the cursor where it was; the next poll fetches the same posts again and the
duplicates die on the unique (channel account, external id)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from pydantic import ValidationError

from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount
from resonanz.channels.x.adapter import client_for
from resonanz.channels.x.client import RateLimited, XApiError
from resonanz.channels.x.payloads import XTweet

logger = logging.getLogger("resonanz.channels.x")

# The mentions timeline reaches back 800 posts: 8 pages of 100.
MAX_PAGES = 8
DEFAULT_POLL_SECONDS = 60


@dataclass(frozen=True)
class PollResult:
    fetched: int
    accepted: int
    skipped: int
    since_id: str | None
    rate_limited_for: float = 0.0


def tweet_events(page: dict[str, Any], *, account_id: int | None = None) -> tuple[list[RawEvent], int]:
    """One page of a v2 timeline (or a stream line) as raw events, one per post with its author. A post
    that is not of the documented shape is logged and skipped; the rest are kept."""
    data = page.get("data")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return [], 0
    raw_includes = page.get("includes")
    includes: dict[str, Any] = raw_includes if isinstance(raw_includes, dict) else {}
    raw_users = includes.get("users")
    users: list[Any] = raw_users if isinstance(raw_users, list) else []
    users_by_id = {str(u.get("id")): u for u in users if isinstance(u, dict)}
    events, skipped = [], 0
    for index, item in enumerate(data):
        try:
            tweet = XTweet.model_validate(item)
        except ValidationError as error:
            skipped += 1
            logger.warning(
                "channel.x.malformed_item",
                extra={"channel_account": account_id, "index": index, "error": str(error)[:300]},
            )
            continue
        author = users_by_id.get(tweet.author_id)
        payload: dict[str, Any] = {"data": item, "includes": {"users": [author] if author else []}}
        if "matching_rules" in page:
            payload["matching_rules"] = page["matching_rules"]
        events.append(RawEvent(external_id=tweet.id, payload=payload, event_type="tweet"))
    return events, skipped


def _snowflake_max(a: str | None, b: str | None) -> str | None:
    if not a:
        return b
    if not b:
        return a
    return a if int(a) >= int(b) else b


def poll_mentions(account: ChannelAccount, *, now: float | None = None) -> PollResult:
    now = time.time() if now is None else now
    user_id = str(account.config.get("user_id") or "")
    if not user_id:
        raise XApiError("config.user_id is not set")
    client = client_for(account)
    since_id = account.cursor.get("since_id") or None
    token: str | None = None
    newest: str | None = None
    fetched = accepted = skipped = 0
    rate_limited_for = 0.0
    for _ in range(MAX_PAGES):
        try:
            page = client.mentions(user_id, since_id=since_id, pagination_token=token)
        except RateLimited as error:
            rate_limited_for = error.retry_after
            logger.warning(
                "channel.x.poll.rate_limited",
                extra={"channel_account": account.pk, "retry_after": round(error.retry_after)},
            )
            break
        raw_meta = page.get("meta")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        events, bad = tweet_events(page, account_id=account.pk)
        fetched += len(events) + bad
        skipped += bad
        accepted += accept_events(account, events).accepted
        if token is None:
            newest = str(meta.get("newest_id") or "") or None
        token = str(meta.get("next_token") or "") or None
        if not token:
            break
    cursor = dict(account.cursor)
    completed = rate_limited_for == 0.0
    if completed and newest:
        # Only a poll that reached the end moves since_id: a gap is never skipped.
        cursor["since_id"] = _snowflake_max(cursor.get("since_id"), newest)
    every = float(account.config.get("poll_every_seconds") or DEFAULT_POLL_SECONDS)
    cursor["next_poll_at"] = now + max(every, rate_limited_for)
    cursor["last_poll_at"] = now
    with transaction.atomic():
        ChannelAccount.objects.filter(pk=account.pk).update(cursor=cursor)
    account.cursor = cursor
    logger.info(
        "channel.x.poll.done",
        extra={"channel_account": account.pk, "fetched": fetched, "accepted": accepted, "skipped": skipped},
    )
    return PollResult(fetched, accepted, skipped, cursor.get("since_id"), rate_limited_for)


def accounts_due(now: float | None = None) -> list[int]:
    """X accounts whose next poll time has come (healthy ones with a user id)."""
    now = time.time() if now is None else now
    due = []
    for account in ChannelAccount.objects.filter(kind="x", status=ChannelAccount.Status.HEALTHY).only(
        "id", "config", "cursor"
    ):
        if not account.config.get("user_id") or account.config.get("poll") is False:
            continue
        if float(account.cursor.get("next_poll_at") or 0) <= now:
            due.append(account.pk)
    return due
