"""Feed tasks: a periodic job enqueues one poll per feed that is due; the poll task reads it."""

from __future__ import annotations

import time

from resonanz.channels.feeds.client import FeedFetchError
from resonanz.channels.feeds.poller import poll_feed
from resonanz.channels.models import ChannelAccount
from resonanz.core.queue import enqueue, task
from resonanz.core.scheduler import periodic

POLL_TASK = "feeds.poll_feed"
DEFAULT_POLL_SECONDS = 600
_last_enqueued: dict[int, float] = {}


@task(POLL_TASK, time_limit_seconds=120)
def poll_feed_task(account_id: int) -> None:
    account = ChannelAccount.objects.filter(pk=account_id, kind="feed").first()
    if account is None or account.status == ChannelAccount.Status.DISABLED:
        return
    try:
        poll_feed(account)
    except FeedFetchError:
        return  # logged and shown on the account; the next poll tries again


@periodic("feeds.poll_feeds", every_seconds=30)
def poll_feeds() -> list[int]:
    """Enqueue a poll for every feed account whose interval has passed; returns their ids."""
    now = time.monotonic()
    due = []
    accounts = ChannelAccount.objects.filter(kind="feed").exclude(status=ChannelAccount.Status.DISABLED)
    for account_id, config in accounts.values_list("id", "config"):
        every = float((config or {}).get("poll_every_seconds") or DEFAULT_POLL_SECONDS)
        if now - _last_enqueued.get(account_id, -1e12) < every:
            continue
        _last_enqueued[account_id] = now
        enqueue(POLL_TASK, account_id)
        due.append(account_id)
    return due
